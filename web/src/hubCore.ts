// The hub client's state machine (docs/hub-protocol.md): request ids, ref-counted topic subscriptions that
// resume with `since`, reconnect with backoff, ping. Socket and timers are injected (see hub.ts), so it runs
// in unit tests without a network.
import {
  backoffDelay,
  disconnectedError,
  HubError,
  parseServerFrame,
  SeqTracker,
  shouldReconnect,
  type ErrorFrame,
  type HelloFrame,
  type MessageFrame,
  type PresenceFrame,
  type SignalFrame,
  type SubscribedFrame,
} from './hubProtocol';

/** The part of the browser WebSocket the client uses (a fake one in tests). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type ResyncReason = 'resync' | 'reconnect' | 'restart';

/** What a subscriber of a topic is told. Every callback is optional. */
export interface TopicHandler {
  /** A message on the topic (duplicates already dropped). */
  message?(body: unknown, frame: MessageFrame): void;
  /** The subscription is active (again). */
  subscribed?(frame: SubscribedFrame): void;
  /**
   * Live messages may have been missed: after a hub `resync`, after a reconnect (the replay covers
   * the hub's history, but state fetched over HTTP should be caught up) or a server restart.
   */
  resync?(reason: ResyncReason): void;
  /** The subscription was refused (forbidden, module_disabled, …). */
  error?(err: HubError): void;
  /** The server ended the subscription (e.g. membership removed). */
  unsubscribed?(reason: string): void;
  presence?(frame: PresenceFrame): void;
  /** A push from the server to this connection only (not numbered, not replayed). */
  signal?(body: unknown, frame: SignalFrame): void;
}

export type HubStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface HubState {
  status: HubStatus;
  /** The close code that ended the connection for good (status 'closed'). */
  closeCode: number | null;
  userId: string | null;
}

export interface HubOptions {
  url: string;
  createSocket: (url: string) => SocketLike;
  timers: Timers;
  random?: () => number;
  /** How often the client pings the server (default 25 s). */
  pingIntervalMs?: number;
  /** A ping without pong for this long drops the socket and reconnects (default 10 s). */
  pongTimeoutMs?: number;
  /** Requests (publish) without an answer for this long fail (default 15 s). */
  requestTimeoutMs?: number;
}

/** The answer to a publish: the topic's sequence number and, on service topics, a result body. */
export interface PublishAck {
  seq?: number;
  body?: unknown;
}

interface Pending {
  resolve: (value: PublishAck) => void;
  reject: (err: HubError) => void;
  timer: unknown;
}

interface TopicEntry {
  handlers: Set<TopicHandler>;
  /** Request id of the subscribe in flight, or null. */
  subscribeId: number | null;
  active: boolean;
  /** The `since` sent with the subscribe in flight (for detecting a restarted numbering). */
  since: number | undefined;
  /** Set when the subscription was lost with a socket and is being renewed. */
  resuming: boolean;
}

export class HubClient {
  private readonly opts: Required<HubOptions>;
  private socket: SocketLike | null = null;
  private state: HubState = { status: 'idle', closeCode: null, userId: null };
  private readonly listeners = new Set<(s: HubState) => void>();
  private readonly topics = new Map<string, TopicEntry>();
  private readonly pending = new Map<number, Pending>();
  readonly seqs = new SeqTracker();
  private nextId = 1;
  private attempt = 0;
  private reconnectTimer: unknown = null;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;
  private stopped = false;
  /** True once a socket has been open: later sockets are reconnects. */
  private wasOpen = false;

  constructor(options: HubOptions) {
    this.opts = {
      pingIntervalMs: 25_000,
      pongTimeoutMs: 10_000,
      requestTimeoutMs: 15_000,
      ...options,
      random: options.random ?? Math.random,
    };
  }

  // --- state -------------------------------------------------------------------------------

  getState(): HubState {
    return this.state;
  }

  /** Calls `fn` on every state change; returns the function that stops it. */
  onState(fn: (s: HubState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private setState(patch: Partial<HubState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of [...this.listeners]) fn(this.state);
  }

  // --- connection ----------------------------------------------------------------------------

  /** Opens the connection (no-op when already open or connecting). */
  connect(): void {
    this.stopped = false;
    if (this.socket) return;
    if (this.reconnectTimer !== null) {
      this.opts.timers.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.setState({ status: this.wasOpen ? 'reconnecting' : 'connecting', closeCode: null });
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onmessage = (ev) => {
      if (this.socket === socket) this.handleFrame(ev.data);
    };
    socket.onclose = (ev) => {
      if (this.socket === socket) this.handleClose(ev.code);
    };
    socket.onerror = () => {
      // A close event follows; nothing to do here.
    };
  }

  /** Reconnects at once if waiting for a backoff timer (e.g. the browser went online again). */
  retryNow(): void {
    if (this.stopped || this.socket) return;
    if (this.state.status === 'closed' && this.state.closeCode !== null && !shouldReconnect(this.state.closeCode)) return;
    this.attempt = 0;
    this.connect();
  }

  /** Closes the connection for good (logout, page left) and forgets every subscription. */
  close(): void {
    this.stopped = true;
    if (this.reconnectTimer !== null) this.opts.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.dropSocket();
    if (socket) {
      try {
        socket.close(1000, 'bye');
      } catch {
        // already closed
      }
    }
    this.topics.clear();
    this.setState({ status: 'closed', closeCode: 1000 });
  }

  /** Detaches the current socket and fails everything that waited for it. */
  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      socket.onopen = null;
    }
    this.stopPing();
    for (const [id, p] of this.pending) {
      this.opts.timers.clearTimeout(p.timer);
      p.reject(disconnectedError());
      this.pending.delete(id);
    }
    for (const entry of this.topics.values()) {
      if (entry.active || entry.subscribeId !== null) entry.resuming = true;
      entry.active = false;
      entry.subscribeId = null;
    }
  }

  private handleClose(code: number): void {
    this.dropSocket();
    if (this.stopped) {
      this.setState({ status: 'closed', closeCode: code });
      return;
    }
    if (!shouldReconnect(code)) {
      this.setState({ status: 'closed', closeCode: code });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt, this.opts.random);
    this.attempt += 1;
    this.setState({ status: 'reconnecting' });
    this.reconnectTimer = this.opts.timers.setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  /** Forces a reconnect (e.g. a ping went unanswered): behaves like a network error. */
  private forceReconnect(): void {
    const socket = this.socket;
    this.dropSocket();
    try {
      socket?.close(4000, 'no pong');
    } catch {
      // ignore
    }
    if (!this.stopped) this.scheduleReconnect();
  }

  // --- heartbeat -----------------------------------------------------------------------------

  private startPing(): void {
    this.stopPing();
    this.pingTimer = this.opts.timers.setTimeout(() => this.ping(), this.opts.pingIntervalMs);
  }

  private stopPing(): void {
    if (this.pingTimer !== null) this.opts.timers.clearTimeout(this.pingTimer);
    if (this.pongTimer !== null) this.opts.timers.clearTimeout(this.pongTimer);
    this.pingTimer = null;
    this.pongTimer = null;
  }

  private ping(): void {
    this.pingTimer = null;
    if (!this.socket || this.state.status !== 'open') return;
    const id = this.nextId++;
    this.pongTimer = this.opts.timers.setTimeout(() => {
      this.pongTimer = null;
      this.pending.delete(id);
      this.forceReconnect();
    }, this.opts.pongTimeoutMs);
    this.pending.set(id, {
      resolve: () => {
        if (this.pongTimer !== null) this.opts.timers.clearTimeout(this.pongTimer);
        this.pongTimer = null;
        this.startPing();
      },
      reject: () => {},
      timer: null,
    });
    this.sendFrame({ type: 'ping', id });
  }

  // --- frames --------------------------------------------------------------------------------

  private sendFrame(frame: Record<string, unknown>): boolean {
    if (!this.socket) return false;
    try {
      this.socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Handles one frame from the server (public for tests). */
  handleFrame(data: unknown): void {
    const frame = parseServerFrame(data);
    if (!frame) return;
    switch (frame.type) {
      case 'hello':
        this.onHello(frame);
        break;
      case 'subscribed':
        this.onSubscribed(frame);
        break;
      case 'message':
        this.onMessage(frame);
        break;
      case 'ack':
        this.settle(frame.id, (p) => p.resolve({ seq: frame.seq, body: frame.body }));
        break;
      case 'pong':
        this.settle(frame.id, (p) => p.resolve({}));
        break;
      case 'signal':
        for (const h of this.handlersOf(frame.topic)) h.signal?.(frame.body, frame);
        break;
      case 'error':
        this.onError(frame);
        break;
      case 'presence':
        for (const h of this.handlersOf(frame.topic)) h.presence?.(frame);
        break;
      case 'resync':
        this.seqs.set(frame.topic, frame.seq);
        for (const h of this.handlersOf(frame.topic)) h.resync?.('resync');
        break;
      case 'unsubscribed': {
        const handlers = this.handlersOf(frame.topic);
        this.topics.delete(frame.topic);
        this.seqs.forget(frame.topic);
        for (const h of handlers) h.unsubscribed?.(frame.reason);
        break;
      }
    }
  }

  private handlersOf(topic: string): TopicHandler[] {
    return [...(this.topics.get(topic)?.handlers ?? [])];
  }

  private settle(id: number, fn: (p: Pending) => void): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    this.opts.timers.clearTimeout(p.timer);
    fn(p);
    return true;
  }

  private onHello(frame: HelloFrame): void {
    this.attempt = 0;
    this.wasOpen = true;
    this.setState({ status: 'open', closeCode: null, userId: frame.user_id });
    for (const topic of this.topics.keys()) this.sendSubscribe(topic);
    this.startPing();
  }

  private onSubscribed(frame: SubscribedFrame): void {
    const entry = this.topics.get(frame.topic);
    if (!entry || entry.subscribeId !== frame.id) return;
    entry.subscribeId = null;
    entry.active = true;
    let reason: ResyncReason | null = entry.resuming ? 'reconnect' : null;
    entry.resuming = false;
    const since = entry.since;
    if (since === undefined) {
      this.seqs.set(frame.topic, frame.seq);
    } else if (frame.seq < since) {
      // The topic's numbering started again (e.g. a server restart): nothing can be replayed.
      this.seqs.set(frame.topic, frame.seq);
      reason = 'restart';
    }
    for (const h of [...entry.handlers]) h.subscribed?.(frame);
    if (reason) for (const h of [...entry.handlers]) h.resync?.(reason);
  }

  private onMessage(frame: MessageFrame): void {
    const entry = this.topics.get(frame.topic);
    if (!entry) return;
    if (!this.seqs.accept(frame.topic, frame.seq)) return;
    for (const h of [...entry.handlers]) h.message?.(frame.body, frame);
  }

  private onError(frame: ErrorFrame): void {
    const err = new HubError(frame.code, frame.message, frame.message_de);
    if (this.settle(frame.id, (p) => p.reject(err))) return;
    for (const entry of this.topics.values()) {
      if (entry.subscribeId === frame.id) {
        entry.subscribeId = null;
        entry.active = false;
        entry.resuming = false;
        for (const h of [...entry.handlers]) h.error?.(err);
        return;
      }
    }
  }

  // --- topics --------------------------------------------------------------------------------

  private sendSubscribe(topic: string): void {
    const entry = this.topics.get(topic);
    if (!entry || this.state.status !== 'open') return;
    const id = this.nextId++;
    const since = this.seqs.get(topic);
    entry.subscribeId = id;
    entry.since = since;
    this.sendFrame(since !== undefined ? { type: 'subscribe', id, topic, since } : { type: 'subscribe', id, topic });
  }

  /**
   * Adds a handler to a topic; the first handler subscribes (resuming from the last seen seq), the
   * last one to leave unsubscribes. Returns the function that removes the handler.
   */
  subscribe(topic: string, handler: TopicHandler): () => void {
    let entry = this.topics.get(topic);
    if (!entry) {
      entry = { handlers: new Set(), subscribeId: null, active: false, since: undefined, resuming: false };
      this.topics.set(topic, entry);
      this.sendSubscribe(topic);
    }
    // A later handler of an active topic gets no replay: it loads its state itself.
    entry.handlers.add(handler);
    if (!this.socket && !this.stopped && this.state.status !== 'reconnecting' && this.state.status !== 'closed') this.connect();
    return () => this.removeHandler(topic, handler);
  }

  private removeHandler(topic: string, handler: TopicHandler): void {
    const entry = this.topics.get(topic);
    if (!entry) return;
    entry.handlers.delete(handler);
    if (entry.handlers.size > 0) return;
    this.topics.delete(topic);
    this.seqs.forget(topic);
    if (this.state.status === 'open' && (entry.active || entry.subscribeId !== null)) {
      this.sendFrame({ type: 'unsubscribe', id: this.nextId++, topic });
    }
  }

  /** Topics with at least one handler (for tests and diagnostics). */
  subscribedTopics(): string[] {
    return [...this.topics.keys()];
  }

  /** Publishes `body` on a topic; resolves with the ack (its seq and body), rejects with a HubError. */
  publish(topic: string, body: unknown): Promise<PublishAck> {
    if (!this.socket || this.state.status !== 'open') return Promise.reject(disconnectedError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = this.opts.timers.setTimeout(() => {
        if (this.pending.delete(id)) {
          reject(new HubError('timeout', 'The server did not answer in time.', 'Der Server hat nicht rechtzeitig geantwortet.'));
        }
      }, this.opts.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (!this.sendFrame({ type: 'publish', id, topic, body })) {
        this.settle(id, (p) => p.reject(disconnectedError()));
      }
    });
  }
}
