// Planning of the receiving m-lines (recvonly transceivers) of the one RTCPeerConnection: which slot carries
// which remote track, which slots fall free when tracks go, and which free slot of the same media kind a new
// track reuses before a new transceiver is added (so the SDP does not grow with every track that came and
// went). Also builds the `publish` and `receive` maps of an offer. Pure: slots are plain data here; peer.ts
// applies a plan to real transceivers.
import { mediaKindOf, type MediaKind, type PublishKind, type VideoTrack } from './protocol';

/** A receiving m-line: `key` is local and stable (the mid is only known after setLocalDescription). */
export interface RecvSlot {
  key: number;
  kind: MediaKind;
  /** The remote track it receives, or null while inactive. */
  trackId: number | null;
}

export interface SlotPlan {
  /** Slots that go inactive (their track left). */
  release: number[];
  /** Free slots (inactive, or released by this plan) that now receive another track. */
  reuse: { key: number; trackId: number }[];
  /** Tracks that need a new recvonly transceiver. */
  create: { kind: MediaKind; trackId: number }[];
}

/** True when the plan changes nothing (no negotiation needed for the receive side). */
export function planIsEmpty(plan: SlotPlan): boolean {
  return plan.release.length === 0 && plan.reuse.length === 0 && plan.create.length === 0;
}

/**
 * Plans the receive slots for the wanted remote tracks: slots keep their track while it stays; slots whose
 * track left are released; each new track (in id order) takes the free slot of its kind with the lowest key,
 * else gets a new transceiver.
 */
export function planSlots(slots: readonly RecvSlot[], wanted: readonly VideoTrack[]): SlotPlan {
  const wantedIds = new Set(wanted.map((t) => t.id));
  const held = new Set<number>();
  const release: number[] = [];
  const free: Record<MediaKind, number[]> = { audio: [], video: [] };
  for (const slot of [...slots].sort((a, b) => a.key - b.key)) {
    if (slot.trackId !== null && wantedIds.has(slot.trackId) && !held.has(slot.trackId)) {
      held.add(slot.trackId);
      continue;
    }
    if (slot.trackId !== null) release.push(slot.key);
    free[slot.kind].push(slot.key);
  }
  const reuse: SlotPlan['reuse'] = [];
  const create: SlotPlan['create'] = [];
  for (const track of [...wanted].sort((a, b) => a.id - b.id)) {
    if (held.has(track.id)) continue;
    held.add(track.id);
    const kind = mediaKindOf(track.kind);
    const key = free[kind].shift();
    if (key !== undefined) reuse.push({ key, trackId: track.id });
    else create.push({ kind, trackId: track.id });
  }
  // A released slot that is reused at once is not released first (no needless inactive round trip).
  const reused = new Set(reuse.map((r) => r.key));
  return { release: release.filter((k) => !reused.has(k)), reuse, create };
}

/** The slots after a plan was applied; new slots get keys from `nextKey` upwards. */
export function applyPlan(slots: readonly RecvSlot[], plan: SlotPlan, nextKey: number): RecvSlot[] {
  const released = new Set(plan.release);
  const reused = new Map(plan.reuse.map((r) => [r.key, r.trackId]));
  const out = slots.map((s) => {
    if (reused.has(s.key)) return { ...s, trackId: reused.get(s.key) ?? null };
    if (released.has(s.key)) return { ...s, trackId: null };
    return { ...s };
  });
  plan.create.forEach((c, i) => out.push({ key: nextKey + i, kind: c.kind, trackId: c.trackId }));
  return out;
}

/** A sending m-line: what it carries, its mid (null before the first offer) and whether it is in use. */
export interface SendSlot {
  kind: PublishKind;
  mid: string | null;
  active: boolean;
}

/**
 * The `publish` and `receive` maps of an offer: every active sending m-line with a mid, and every receive
 * slot with a track and a mid (`midOf` resolves a slot key to its transceiver's mid).
 */
export function offerMaps(
  send: readonly SendSlot[],
  recv: readonly RecvSlot[],
  midOf: (key: number) => string | null,
): { publish: Record<string, PublishKind>; receive: Record<string, number> } {
  const publish: Record<string, PublishKind> = {};
  for (const s of send) if (s.active && s.mid !== null) publish[s.mid] = s.kind;
  const receive: Record<string, number> = {};
  for (const r of recv) {
    const mid = midOf(r.key);
    if (r.trackId !== null && mid !== null) receive[mid] = r.trackId;
  }
  return { publish, receive };
}
