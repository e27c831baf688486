// Wire protocol of the real-time hub (docs/hub-protocol.md): server frames and their parser, HubError,
// close codes, reconnect backoff and per-topic seq tracking. Pure: no socket, no timers, no DOM.
import { ApiError } from './api';

// ---------------------------------------------------------------------------------------------
// Frames

export interface HelloFrame {
  type: 'hello';
  protocol: number;
  user_id: string;
  heartbeat_ms: number;
}
export interface SubscribedFrame {
  type: 'subscribed';
  id: number;
  topic: string;
  seq: number;
  online?: string[];
}
export interface MessageFrame {
  type: 'message';
  topic: string;
  /** 0 on topics without numbering (poll:…). */
  seq: number;
  from: string;
  at: number;
  body: unknown;
}
export interface AckFrame {
  type: 'ack';
  id: number;
  seq?: number;
  /** The result of a request on a service topic (e.g. the SDP answer on `video:`). */
  body?: unknown;
}
export interface ErrorFrame {
  type: 'error';
  id: number;
  code: string;
  message: string;
  message_de: string;
}
export interface PresenceFrame {
  type: 'presence';
  topic: string;
  joined?: string[];
  left?: string[];
}
export interface ResyncFrame {
  type: 'resync';
  topic: string;
  seq: number;
}
export interface UnsubscribedFrame {
  type: 'unsubscribed';
  topic: string;
  reason: string;
}
export interface PongFrame {
  type: 'pong';
  id: number;
}
/** A server push to this one connection (never stored, never replayed), e.g. on `video:` topics. */
export interface SignalFrame {
  type: 'signal';
  topic: string;
  body: unknown;
}
export type ServerFrame =
  | HelloFrame
  | SubscribedFrame
  | MessageFrame
  | AckFrame
  | ErrorFrame
  | PresenceFrame
  | ResyncFrame
  | UnsubscribedFrame
  | PongFrame
  | SignalFrame;

const FRAME_TYPES = new Set(['hello', 'subscribed', 'message', 'ack', 'error', 'presence', 'resync', 'unsubscribed', 'pong', 'signal']);

/** Parses one text frame; anything that is not a JSON object with a known `type` gives null. */
export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !FRAME_TYPES.has(type)) return null;
  return value as ServerFrame;
}

/** A refused hub request; shown like an HTTP error (German `message_de` or English `message`). */
export class HubError extends ApiError {
  constructor(code: string, message: string, messageDe?: string) {
    super(0, code, message, messageDe);
    this.name = 'HubError';
  }
}

/** The error of a request that cannot be answered because the connection is gone. */
export function disconnectedError(): HubError {
  return new HubError(
    'disconnected',
    'The live connection is interrupted. Please try again in a moment.',
    'Die Live-Verbindung ist unterbrochen. Bitte gleich noch einmal versuchen.',
  );
}

// ---------------------------------------------------------------------------------------------
// Pure helpers: close codes, backoff, sequence numbers

/** Close codes after which reconnecting cannot help until the user acts (docs/hub-protocol.md). */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  4401, // unauthenticated: session ended
  4403, // account restricted / inactive / initial password
  4406, // no hub module switched on
  4409, // too many connections of this user
  4429, // sustained flooding
  1009, // frame too big: sending it again would fail again
]);

/**
 * True when the client should reconnect after the socket closed with `code`: after a slow-consumer
 * close (4408), a server shutdown (1001), a heartbeat timeout (4000) and network errors (1006, …).
 */
export function shouldReconnect(code: number): boolean {
  return !FINAL_CLOSE_CODES.has(code);
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

/**
 * Delay before reconnect attempt number `attempt` (0 = first): exponential from 0.5 s, capped at
 * 30 s, with "equal jitter" (half fixed, half random) so that a restarted server is not stormed.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempt, 16)));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(exp / 2 + (exp / 2) * r);
}

/** The highest sequence number seen per topic; drops duplicates (at-least-once delivery, replays). */
export class SeqTracker {
  private readonly last = new Map<string, number>();

  get(topic: string): number | undefined {
    return this.last.get(topic);
  }

  set(topic: string, seq: number): void {
    this.last.set(topic, seq);
  }

  forget(topic: string): void {
    this.last.delete(topic);
  }

  /**
   * Records a delivered message; false when it was already seen (seq not above the last one).
   * Messages without numbering (seq 0, non-persistent topics) are always new.
   */
  accept(topic: string, seq: number): boolean {
    if (!seq || seq <= 0) return true;
    const prev = this.last.get(topic);
    if (prev !== undefined && seq <= prev) return false;
    this.last.set(topic, seq);
    return true;
  }
}
