// Unit tests for a lesson hosted by another node (docs/video.md, `connect` answers a `ws_url`): lessonHub opens
// a second hub client there with a one-time ticket per socket (`POST /api/auth/ws-ticket`, `?ticket=`), and a
// VideoSession on it does all its signalling on that socket — the tab's hub sees nothing. A fake node socket
// plays the other node's hub (hello, subscribed, acks); reconnects fetch a fresh ticket.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SocketLike } from '../hubCore';
import { lessonHub, ticketUrl, type LessonHubDeps } from './api';
import { LocalMedia } from './media';
import { VideoSession, type HubLike } from './session';
import { FakeHub, FakePeer, flush, type Body } from './testFakes';

/** The other node's hub behind one socket: greets, confirms subscriptions and answers video requests. */
class FakeNodeSocket implements SocketLike {
  sent: Body[] = [];
  closed: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    const frame = JSON.parse(data) as Body;
    this.sent.push(frame);
    if (frame.type === 'subscribe') this.receive({ type: 'subscribed', id: frame.id, topic: frame.topic, seq: 0 });
    if (frame.type === 'publish') {
      const body = frame.body as Body;
      const answer = body.op === 'join' ? { participant: 4, status: 'joined', role: 'participant' } : body.op === 'offer' ? { sdp: `node-answer-to-${body.sdp}` } : {};
      this.receive({ type: 'ack', id: frame.id, body: answer });
    }
  }
  close(code?: number): void {
    this.closed = code ?? 1000;
  }
  receive(frame: Body): void {
    queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(frame) }));
  }
  hello(): void {
    this.onopen?.({});
    this.onmessage?.({ data: JSON.stringify({ type: 'hello', protocol: 1, user_id: 'u1', heartbeat_ms: 25000 }) });
  }
  drop(code: number): void {
    this.onclose?.({ code });
  }
  ops(): string[] {
    return this.sent.filter((f) => f.type === 'publish').map((f) => String((f.body as Body).op));
  }
}

function setup(ticketResults: (() => Promise<{ ticket: string }>)[] = []) {
  const tab = new FakeHub();
  const sockets: FakeNodeSocket[] = [];
  let tickets = 0;
  const deps: LessonHubDeps = {
    tabHub: () => tab,
    ticket: vi.fn(() => {
      const next = ticketResults.shift();
      tickets += 1;
      return next ? next() : Promise.resolve({ ticket: `T${tickets}` });
    }),
    openSocket: (url) => {
      const s = new FakeNodeSocket(url);
      sockets.push(s);
      return s;
    },
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
  };
  return { tab, sockets, deps };
}

function startSession(hub: HubLike) {
  const peers: FakePeer[] = [];
  const session = new VideoSession({
    hub,
    group: 'g',
    iceServers: [],
    media: new LocalMedia(),
    isPupil: true,
    createPeer: () => {
      const p = new FakePeer();
      peers.push(p);
      return p as unknown as RTCPeerConnection;
    },
  });
  session.start();
  return { session, peers };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('document', { hidden: false, addEventListener: () => {}, removeEventListener: () => {} });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('lessonHub', () => {
  it('uses the tab’s hub when the lesson lives on this node', () => {
    const { tab, deps } = setup();
    const { hub, release } = lessonHub({ ws_url: null, ice_servers: [] }, deps);
    expect(hub).toBe(tab);
    release();
    expect(deps.ticket).not.toHaveBeenCalled();
  });

  it('builds the ticket URL with or without a query', () => {
    expect(ticketUrl('wss://n2.example/ws', 'a b')).toBe('wss://n2.example/ws?ticket=a%20b');
    expect(ticketUrl('wss://n2.example/ws?x=1', 'T')).toBe('wss://n2.example/ws?x=1&ticket=T');
  });

  it('signals on the other node with a ticket, never on the tab’s hub', async () => {
    const { tab, sockets, deps } = setup();
    const { hub, release } = lessonHub({ ws_url: 'wss://n2.example/ws', ice_servers: [] }, deps);
    expect(hub).not.toBe(tab);
    const { session, peers } = startSession(hub);
    await flush();
    expect(deps.ticket).toHaveBeenCalledTimes(1);
    expect(sockets.map((s) => s.url)).toEqual(['wss://n2.example/ws?ticket=T1']);
    sockets[0]!.hello();
    await flush();
    expect(sockets[0]!.sent.find((f) => f.type === 'subscribe')).toMatchObject({ topic: 'video:g' });
    expect(sockets[0]!.ops()).toEqual(['join', 'mute', 'mute', 'offer']);
    expect(session.snapshot().phase).toBe('joined');
    expect(peers[0]!.remote).toEqual(['node-answer-to-offer-2']);
    expect(tab.requests).toEqual([]);
    expect(tab.handler).toBeNull();

    session.close();
    release();
    expect(sockets[0]!.closed).toBe(1000);
  });

  it('reconnects with a fresh ticket and joins again on the same node', async () => {
    const { sockets, deps } = setup();
    const { hub } = lessonHub({ ws_url: 'wss://n2.example/ws', ice_servers: [] }, deps);
    const { session, peers } = startSession(hub);
    await flush();
    sockets[0]!.hello();
    await flush();
    sockets[0]!.drop(1006);
    expect(session.snapshot().phase).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets.map((s) => s.url)).toEqual(['wss://n2.example/ws?ticket=T1', 'wss://n2.example/ws?ticket=T2']);
    sockets[1]!.hello();
    await flush();
    expect(sockets[1]!.ops()).toEqual(['join', 'mute', 'mute', 'offer']);
    expect(session.snapshot().phase).toBe('joined');
    expect(peers.length).toBe(2);
    expect(peers[0]!.closed).toBe(true);
  });

  it('tries again when the ticket request fails, and opens nothing after release', async () => {
    let late: (v: { ticket: string }) => void = () => {};
    const { sockets, deps } = setup([() => Promise.reject(new Error('503')), () => new Promise((resolve) => (late = resolve))]);
    const { hub, release } = lessonHub({ ws_url: 'wss://n2.example/ws', ice_servers: [] }, deps);
    startSession(hub);
    await flush();
    expect(sockets).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(deps.ticket).toHaveBeenCalledTimes(2);
    release();
    late({ ticket: 'T-late' });
    await flush();
    expect(sockets).toEqual([]);
    expect(hub.getState().status).toBe('closed');
  });
});
