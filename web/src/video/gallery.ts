// The lesson's layout as pure functions of the latest `state`: the gallery tiles (me first, one per
// participant of my room), the spotlight for a screen share, pagination with nine tiles per page, the
// `view` heights (only what is shown gets a height above 0), the hand queue and the round-robin split
// into breakout rooms.
import type { VideoParticipant, VideoState, VideoTrack } from './protocol';

export const PAGE_SIZE = 9;

export interface Tile {
  participant: VideoParticipant;
  /** The participant's camera track (remote participants), or null. */
  camera: VideoTrack | null;
  audio: VideoTrack | null;
  isMe: boolean;
}

export interface Layout {
  /** A screen share shown big, or null. */
  spotlight: { track: VideoTrack; participant: VideoParticipant | null } | null;
  tiles: Tile[];
}

/** Tiles and spotlight: me first, then the others of my room in the server's order. */
export function buildLayout(state: VideoState): Layout {
  const meId = state.me.participant;
  const room = state.me.room;
  const byParticipant = (kind: string) => {
    const m = new Map<number, VideoTrack>();
    for (const t of state.tracks) if (t.kind === kind && !m.has(t.participant)) m.set(t.participant, t);
    return m;
  };
  const cameras = byParticipant('camera');
  const audios = byParticipant('audio');
  const people = state.participants.filter((p) => p.room === room || p.id === meId);
  const me = people.filter((p) => p.id === meId);
  const others = people.filter((p) => p.id !== meId);
  const tiles = [...me, ...others].map((p) => ({
    participant: p,
    camera: p.id === meId ? null : (cameras.get(p.id) ?? null),
    audio: p.id === meId ? null : (audios.get(p.id) ?? null),
    isMe: p.id === meId,
  }));
  const screen = [...state.tracks].filter((t) => t.kind === 'screen').sort((a, b) => a.id - b.id)[0];
  const spotlight = screen ? { track: screen, participant: state.participants.find((p) => p.id === screen.participant) ?? null } : null;
  return { spotlight, tiles };
}

export function pageCount(items: number, size = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(items / size));
}

/** The page number kept within range after tiles came or went. */
export function clampPage(page: number, items: number, size = PAGE_SIZE): number {
  return Math.min(Math.max(0, page), pageCount(items, size) - 1);
}

export function pageSlice<T>(items: readonly T[], page: number, size = PAGE_SIZE): T[] {
  const p = clampPage(page, items.length, size);
  return items.slice(p * size, p * size + size);
}

/**
 * The `view` tiles: every remote video track of the state with the height it is shown at (device pixels,
 * rounded), 0 when it is not on screen (another page, no measurement yet, or the tab is hidden).
 */
export function viewTiles(state: VideoState, shown: ReadonlyMap<number, number>, hidden: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of state.tracks) {
    if (t.kind === 'audio') continue;
    const h = shown.get(t.id) ?? 0;
    out[String(t.id)] = hidden ? 0 : Math.max(0, Math.round(h));
  }
  return out;
}

/** True when two `view` maps are equal (nothing to send). */
export function sameView(a: Record<string, number> | null, b: Record<string, number>): boolean {
  if (!a) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

/** Raised hands, the earliest first (ties by participant id). */
export function handQueue(participants: readonly VideoParticipant[]): VideoParticipant[] {
  return participants.filter((p) => p.hand !== null).sort((a, b) => (a.hand ?? 0) - (b.hand ?? 0) || a.id - b.id);
}

/** The 1-based place of a participant in the hand queue, or null. */
export function handPosition(participants: readonly VideoParticipant[], id: number): number | null {
  const i = handQueue(participants).findIndex((p) => p.id === id);
  return i < 0 ? null : i + 1;
}

/** Splits participants round-robin into `rooms` breakout rooms (empty rooms are left out). */
export function roundRobin(ids: readonly number[], rooms: number): number[][] {
  const n = Math.max(1, Math.floor(rooms));
  const out: number[][] = Array.from({ length: n }, () => []);
  ids.forEach((id, i) => out[i % n]!.push(id));
  return out.filter((r) => r.length > 0);
}

/** The participants a moderator splits into breakout rooms: everybody joined who is not a moderator. */
export function breakoutCandidates(participants: readonly VideoParticipant[]): number[] {
  return participants.filter((p) => p.role !== 'moderator').map((p) => p.id);
}
