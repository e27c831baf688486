// Test doubles shared by the video unit tests (session.test.ts, lessonHub.test.ts): a fake RTCPeerConnection
// (mids in creation order, offers named after the transceiver count), a fake hub that answers requests per op
// and pushes signals, and `flush` for pending promise chains. Not a test file itself (vitest runs *.test.ts).
import type { HubState, PublishAck, TopicHandler } from '../hubCore';
import type { HubLike } from './session';

export class FakeTransceiver {
  mid: string | null = null;
  sender = { track: null as unknown, replaceTrack: async (t: unknown) => void (this.sender.track = t) };
  receiver = { track: { id: Math.random() } };
  constructor(
    readonly kind: string,
    public direction: string,
  ) {}
}

export class FakePeer {
  transceivers: FakeTransceiver[] = [];
  signalingState = 'stable';
  connectionState = 'new';
  localDescription: { type: string; sdp: string } | null = null;
  remote: string[] = [];
  closed = false;
  onicecandidate: ((e: unknown) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  private nextMid = 0;
  addTransceiver(kind: unknown, init: { direction: string }) {
    const t = new FakeTransceiver(typeof kind === 'string' ? kind : 'track', init.direction);
    this.transceivers.push(t);
    return t;
  }
  async createOffer() {
    return { type: 'offer', sdp: `offer-${this.transceivers.length}` };
  }
  async setLocalDescription(d: { type: string; sdp?: string }) {
    if (d.type === 'rollback') {
      this.signalingState = 'stable';
      return;
    }
    for (const t of this.transceivers) if (t.mid === null) t.mid = String(this.nextMid++);
    this.localDescription = { type: 'offer', sdp: d.sdp ?? '' };
    this.signalingState = 'have-local-offer';
  }
  async setRemoteDescription(d: { sdp: string }) {
    this.remote.push(d.sdp);
    this.signalingState = 'stable';
  }
  setConnection(state: string) {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
  close() {
    this.closed = true;
  }
}

export type Body = Record<string, unknown>;

export class FakeHub implements HubLike {
  requests: Body[] = [];
  handler: TopicHandler | null = null;
  /** Answers per op (a function may throw a HubError). */
  answers: Record<string, (b: Body) => unknown> = {
    join: () => ({ participant: 1, status: 'joined', role: 'participant' }),
    offer: (b) => ({ sdp: `answer-to-${b.sdp}` }),
  };
  state: HubState = { status: 'open', closeCode: null, userId: 'u1' };
  async publish(_topic: string, body: unknown): Promise<PublishAck> {
    const b = body as Body;
    this.requests.push(b);
    const answer = this.answers[String(b.op)];
    return { body: answer ? answer(b) : undefined };
  }
  subscribe(_topic: string, handler: TopicHandler) {
    this.handler = handler;
    return () => (this.handler = null);
  }
  getState() {
    return this.state;
  }
  onState() {
    return () => {};
  }
  push(body: Body) {
    this.handler?.signal?.(body, { type: 'signal', topic: 'video:g', body });
  }
  subscribed() {
    this.handler?.subscribed?.({ type: 'subscribed', id: 1, topic: 'video:g', seq: 0 });
  }
  ops(op: string) {
    return this.requests.filter((r) => r.op === op);
  }
}

export const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

