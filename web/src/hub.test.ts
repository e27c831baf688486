// Unit tests for the hub client without a network: frames, request ids, seq tracking and resume, backoff, reconnect rules.
import { describe, expect, it } from 'vitest';
import { HubClient, type SocketLike, type Timers, type TopicHandler } from './hubCore';
import { backoffDelay, HubError, parseServerFrame, SeqTracker, shouldReconnect } from './hubProtocol';

/** Timers that run only when the test says so. */
class FakeTimers implements Timers {
  now = 0;
  private seq = 0;
  private readonly tasks = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.tasks.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.tasks.delete(handle as number);
  }
  /** Advances the clock, running due tasks in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.tasks.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.tasks.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = end;
  }
  pending(): number[] {
    return [...this.tasks.values()].map((t) => t.at - this.now);
  }
}

class FakeSocket implements SocketLike {
  sent: Record<string, unknown>[] = [];
  closed: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number): void {
    this.closed = code ?? 1000;
  }
  /** A frame from the server. */
  receive(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  hello(user = 'u1'): void {
    this.onopen?.({});
    this.receive({ type: 'hello', protocol: 1, user_id: user, heartbeat_ms: 25000 });
  }
  /** The server (or the network) closes the connection. */
  drop(code: number): void {
    this.onclose?.({ code });
  }
  last(type: string): Record<string, unknown> {
    const f = [...this.sent].reverse().find((s) => s.type === type);
    if (!f) throw new Error(`no ${type} frame sent`);
    return f;
  }
}

function setup(random = () => 0.5) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const client = new HubClient({
    url: 'ws://test/ws',
    timers,
    random,
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  return { client, timers, sockets, socket: () => sockets[sockets.length - 1]! };
}

function recorder() {
  const events: string[] = [];
  const bodies: unknown[] = [];
  const handler: TopicHandler = {
    message: (b, f) => {
      bodies.push(b);
      events.push(`message:${f.seq}`);
    },
    subscribed: (f) => events.push(`subscribed:${f.seq}`),
    resync: (r) => events.push(`resync:${r}`),
    error: (e) => events.push(`error:${e.code}`),
    unsubscribed: (r) => events.push(`unsubscribed:${r}`),
  };
  return { events, bodies, handler };
}

describe('pure helpers', () => {
  it('parses known frames only', () => {
    expect(parseServerFrame('{"type":"pong","id":4}')).toEqual({ type: 'pong', id: 4 });
    expect(parseServerFrame('{"type":"nope"}')).toBeNull();
    expect(parseServerFrame('not json')).toBeNull();
    expect(parseServerFrame('[1]')).toBeNull();
    expect(parseServerFrame(new ArrayBuffer(4))).toBeNull();
  });

  it('reconnects after slow consumer, shutdown and network errors only', () => {
    for (const code of [4408, 1001, 1006, 4000, 1011]) expect(shouldReconnect(code)).toBe(true);
    for (const code of [4401, 4403, 4406, 4409, 4429, 1009]) expect(shouldReconnect(code)).toBe(false);
  });

  it('backs off exponentially with jitter up to 30 s', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(1, () => 1)).toBe(1000);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
    expect(backoffDelay(10, () => 1)).toBe(30000);
    expect(backoffDelay(100, () => 0)).toBe(15000);
    const delays = Array.from({ length: 8 }, (_, i) => backoffDelay(i, () => 1));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
  });

  it('tracks the highest seq and drops duplicates', () => {
    const t = new SeqTracker();
    expect(t.accept('chat:a', 1)).toBe(true);
    expect(t.accept('chat:a', 2)).toBe(true);
    expect(t.accept('chat:a', 2)).toBe(false);
    expect(t.accept('chat:a', 1)).toBe(false);
    expect(t.accept('chat:a', 5)).toBe(true);
    expect(t.get('chat:a')).toBe(5);
    expect(t.accept('poll:p', 0)).toBe(true);
    expect(t.accept('poll:p', 0)).toBe(true);
    expect(t.get('poll:p')).toBeUndefined();
    t.forget('chat:a');
    expect(t.accept('chat:a', 1)).toBe(true);
  });
});

describe('HubClient', () => {
  it('subscribes after hello with request ids and delivers messages once', () => {
    const { client, socket } = setup();
    const rec = recorder();
    client.subscribe('chat:r1', rec.handler);
    expect(client.getState().status).toBe('connecting');
    expect(socket().sent).toEqual([]);
    socket().hello('me');
    expect(client.getState()).toMatchObject({ status: 'open', userId: 'me' });
    const sub = socket().last('subscribe');
    expect(sub).toEqual({ type: 'subscribe', id: expect.any(Number), topic: 'chat:r1' });
    socket().receive({ type: 'subscribed', id: sub.id, topic: 'chat:r1', seq: 7 });
    socket().receive({ type: 'message', topic: 'chat:r1', seq: 8, from: 'x', at: 1, body: { event: 'typing' } });
    socket().receive({ type: 'message', topic: 'chat:r1', seq: 8, from: 'x', at: 1, body: { event: 'typing' } });
    socket().receive({ type: 'message', topic: 'chat:other', seq: 1, from: 'x', at: 1, body: {} });
    expect(rec.events).toEqual(['subscribed:7', 'message:8']);
    expect(rec.bodies).toEqual([{ event: 'typing' }]);
    expect(client.seqs.get('chat:r1')).toBe(8);
  });

  it('shares one subscription between handlers and unsubscribes with the last', () => {
    const { client, socket } = setup();
    client.connect();
    socket().hello();
    const a = recorder();
    const b = recorder();
    const offA = client.subscribe('chat:r1', a.handler);
    const offB = client.subscribe('chat:r1', b.handler);
    expect(socket().sent.filter((f) => f.type === 'subscribe')).toHaveLength(1);
    const sub = socket().last('subscribe');
    socket().receive({ type: 'subscribed', id: sub.id, topic: 'chat:r1', seq: 0 });
    socket().receive({ type: 'message', topic: 'chat:r1', seq: 1, from: 'x', at: 1, body: 1 });
    expect(a.events).toContain('message:1');
    expect(b.events).toContain('message:1');
    offA();
    expect(socket().sent.filter((f) => f.type === 'unsubscribe')).toHaveLength(0);
    offB();
    expect(socket().last('unsubscribe')).toMatchObject({ topic: 'chat:r1' });
    expect(client.subscribedTopics()).toEqual([]);
  });

  it('resumes with since after a reconnect and tells the handlers to catch up', () => {
    const { client, socket, timers, sockets } = setup();
    const rec = recorder();
    client.subscribe('chat:r1', rec.handler);
    socket().hello();
    socket().receive({ type: 'subscribed', id: socket().last('subscribe').id, topic: 'chat:r1', seq: 41 });
    socket().receive({ type: 'message', topic: 'chat:r1', seq: 42, from: 'x', at: 1, body: 'a' });
    socket().drop(4408);
    expect(client.getState().status).toBe('reconnecting');
    expect(sockets).toHaveLength(1);
    timers.advance(backoffDelay(0, () => 0.5));
    expect(sockets).toHaveLength(2);
    socket().hello();
    const sub = socket().last('subscribe');
    expect(sub).toMatchObject({ topic: 'chat:r1', since: 42 });
    socket().receive({ type: 'subscribed', id: sub.id, topic: 'chat:r1', seq: 44 });
    // The replay of what was missed, with a duplicate of 42 from another node.
    socket().receive({ type: 'message', topic: 'chat:r1', seq: 42, from: 'x', at: 1, body: 'a' });
    socket().receive({ type: 'message', topic: 'chat:r1', seq: 43, from: 'x', at: 1, body: 'b' });
    socket().receive({ type: 'message', topic: 'chat:r1', seq: 44, from: 'x', at: 1, body: 'c' });
    expect(rec.events).toEqual(['subscribed:41', 'message:42', 'subscribed:44', 'resync:reconnect', 'message:43', 'message:44']);
  });

  it('handles a resync frame and a restarted numbering', () => {
    const { client, socket, timers } = setup();
    const rec = recorder();
    client.subscribe('user:u1', rec.handler);
    socket().hello();
    socket().receive({ type: 'subscribed', id: socket().last('subscribe').id, topic: 'user:u1', seq: 10 });
    socket().receive({ type: 'resync', topic: 'user:u1', seq: 300 });
    expect(rec.events).toEqual(['subscribed:10', 'resync:resync']);
    expect(client.seqs.get('user:u1')).toBe(300);
    socket().receive({ type: 'message', topic: 'user:u1', seq: 301, from: 'x', at: 1, body: {} });
    // Server restarts: numbering begins anew below our since.
    socket().drop(1001);
    timers.advance(1000);
    socket().hello();
    const sub = socket().last('subscribe');
    expect(sub.since).toBe(301);
    socket().receive({ type: 'subscribed', id: sub.id, topic: 'user:u1', seq: 0 });
    socket().receive({ type: 'message', topic: 'user:u1', seq: 1, from: 'x', at: 1, body: {} });
    expect(rec.events.slice(-3)).toEqual(['subscribed:0', 'resync:restart', 'message:1']);
  });

  it('does not reconnect after 4401, 4403 and 4406', () => {
    for (const code of [4401, 4403, 4406]) {
      const { client, socket, timers, sockets } = setup();
      client.subscribe('chat:r1', {});
      socket().hello();
      socket().drop(code);
      timers.advance(120_000);
      expect(sockets).toHaveLength(1);
      expect(client.getState()).toMatchObject({ status: 'closed', closeCode: code });
    }
  });

  it('keeps backing off while the server is away and resets after hello', () => {
    const { client, socket, timers, sockets } = setup(() => 1);
    client.connect();
    socket().drop(1006);
    expect(timers.pending()).toEqual([500]);
    timers.advance(500);
    socket().drop(1006);
    expect(timers.pending()).toEqual([1000]);
    timers.advance(1000);
    socket().drop(1006);
    expect(timers.pending()).toEqual([2000]);
    timers.advance(2000);
    socket().hello();
    expect(sockets).toHaveLength(4);
    socket().drop(1006);
    expect(timers.pending()).toEqual([500]);
  });

  it('answers publishes with the ack and refusals with localized errors', async () => {
    const { client, socket } = setup();
    client.connect();
    await expect(client.publish('chat:r1', { event: 'typing' })).rejects.toMatchObject({ code: 'disconnected' });
    socket().hello();
    const ok = client.publish('chat:r1', { event: 'typing' });
    const pub = socket().last('publish');
    expect(pub).toEqual({ type: 'publish', id: expect.any(Number), topic: 'chat:r1', body: { event: 'typing' } });
    socket().receive({ type: 'ack', id: pub.id, seq: 9 });
    await expect(ok).resolves.toEqual({ seq: 9 });

    const refused = client.publish('chat:r1', { event: 'typing' });
    socket().receive({ type: 'error', id: socket().last('publish').id, code: 'room_muted', message: 'The room is muted.', message_de: 'Der Raum ist stummgeschaltet.' });
    const err = await refused.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).localized('de')).toBe('Der Raum ist stummgeschaltet.');

    const lost = client.publish('chat:r1', {});
    socket().drop(1006);
    await expect(lost).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('reports refused subscriptions and server-side unsubscribes', () => {
    const { client, socket } = setup();
    const rec = recorder();
    client.subscribe('chat:secret', rec.handler);
    socket().hello();
    socket().receive({ type: 'error', id: socket().last('subscribe').id, code: 'forbidden', message: 'No.', message_de: 'Nein.' });
    expect(rec.events).toEqual(['error:forbidden']);

    const rec2 = recorder();
    client.subscribe('chat:r2', rec2.handler);
    socket().receive({ type: 'subscribed', id: socket().last('subscribe').id, topic: 'chat:r2', seq: 3 });
    socket().receive({ type: 'unsubscribed', topic: 'chat:r2', reason: 'membership_removed' });
    expect(rec2.events).toEqual(['subscribed:3', 'unsubscribed:membership_removed']);
    expect(client.subscribedTopics()).toEqual(['chat:secret']);
  });

  it('pings and reconnects when the pong does not come', () => {
    const { client, socket, timers, sockets } = setup();
    client.connect();
    socket().hello();
    timers.advance(25_000);
    const ping = socket().last('ping');
    socket().receive({ type: 'pong', id: ping.id });
    timers.advance(25_000);
    expect(socket().sent.filter((f) => f.type === 'ping')).toHaveLength(2);
    timers.advance(10_000);
    expect(sockets[0]!.closed).not.toBeNull();
    expect(client.getState().status).toBe('reconnecting');
    timers.advance(1000);
    expect(sockets).toHaveLength(2);
  });

  it('close() stops for good', () => {
    const { client, socket, timers, sockets } = setup();
    client.subscribe('chat:r1', {});
    socket().hello();
    client.close();
    expect(sockets[0]!.closed).toBe(1000);
    timers.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.getState().status).toBe('closed');
  });
});
