// Whether the local edits of a live document are stored on the server. The server stores every update
// before it echoes it to all connections (the sender too), so a local change counts as saved once an
// update received back covers it: its structs reach our own clock and its delete set covers our deletions.
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';

/** y-websocket message types (first varuint of a frame) and sync sub-types (second varuint). */
const MESSAGE_SYNC = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

/** A deleted range of one client's structs: [clock, clock + len). */
export interface DeletedRange {
  client: number;
  clock: number;
  len: number;
}

/**
 * The Yjs update carried by one y-websocket frame when it is a SyncStep2 or an Update; null for
 * anything else (SyncStep1, awareness, auth) or a frame that cannot be read.
 */
export function syncUpdateOfFrame(frame: Uint8Array): Uint8Array | null {
  try {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return null;
    const syncType = decoding.readVarUint(decoder);
    if (syncType !== SYNC_STEP_2 && syncType !== SYNC_UPDATE) return null;
    return decoding.readVarUint8Array(decoder);
  } catch {
    return null;
  }
}

/**
 * How far an update reaches for one client: the end clock of that client's structs in it, or 0.
 * This is `Y.parseUpdateMeta(...).to`, not the state vector of the update: an incremental update's
 * state vector is empty for a client whose structs do not start at clock 0.
 */
export function clockReachedBy(update: Uint8Array, client: number): number {
  return Y.parseUpdateMeta(update).to.get(client) ?? 0;
}

/** The deletions an update carries, as ranges. */
export function deletionsOf(update: Uint8Array): DeletedRange[] {
  const out: DeletedRange[] = [];
  for (const [client, items] of Y.decodeUpdate(update).ds.clients) {
    for (const item of items) if (item.len > 0) out.push({ client, clock: item.clock, len: item.len });
  }
  return out;
}

/** The parts of `pending` that `covered` does not cover (ranges are split where needed). */
export function subtractRanges(pending: readonly DeletedRange[], covered: readonly DeletedRange[]): DeletedRange[] {
  let rest = [...pending];
  for (const c of covered) {
    const cEnd = c.clock + c.len;
    const next: DeletedRange[] = [];
    for (const p of rest) {
      const pEnd = p.clock + p.len;
      if (p.client !== c.client || pEnd <= c.clock || cEnd <= p.clock) {
        next.push(p);
        continue;
      }
      if (p.clock < c.clock) next.push({ client: p.client, clock: p.clock, len: c.clock - p.clock });
      if (cEnd < pEnd) next.push({ client: p.client, clock: cEnd, len: pEnd - cEnd });
    }
    rest = next;
  }
  return rest;
}

/**
 * Tracks the local changes of one document (one client id) until the server has echoed them.
 * Feed it every local update (`localChange`) and every update received over the socket
 * (`received`); `unsaved` says whether something local is not stored yet.
 */
export class SaveTracker {
  private readonly client: number;
  /** The clock our own structs must reach to be saved. */
  private wantedClock = 0;
  /** The clock the server has echoed for our own structs. */
  private savedClock = 0;
  private pendingDeletions: DeletedRange[] = [];

  constructor(client: number) {
    this.client = client;
  }

  localChange(update: Uint8Array): void {
    this.wantedClock = Math.max(this.wantedClock, clockReachedBy(update, this.client));
    this.pendingDeletions.push(...deletionsOf(update));
  }

  received(update: Uint8Array): void {
    this.savedClock = Math.max(this.savedClock, clockReachedBy(update, this.client));
    if (this.pendingDeletions.length > 0) {
      this.pendingDeletions = subtractRanges(this.pendingDeletions, deletionsOf(update));
    }
  }

  get unsaved(): boolean {
    return this.savedClock < this.wantedClock || this.pendingDeletions.length > 0;
  }
}

export type SaveState = 'saved' | 'saving' | 'offline';

/** The indicator's state: offline while not connected, else saving until every local change is echoed. */
export function saveStateOf(connected: boolean, unsaved: boolean): SaveState {
  if (!connected) return 'offline';
  return unsaved ? 'saving' : 'saved';
}
