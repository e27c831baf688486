// Pure logic of the messenger: merging message pages by seq, room list updates and unread badges,
// mention highlighting, typing indicator bookkeeping and the composer's limits. No DOM, no network.
import type { Message, Room } from './chatApi';

export const MAX_MESSAGE_CHARS = 4000;
export const TYPING_SEND_INTERVAL_MS = 3000;
export const TYPING_SHOW_MS = 5000;
/** The fixed reaction emoji offered in the UI. */
export const REACTION_EMOJI = ['👍', '❤️', '😂', '😮', '🎉', '✅'] as const;

// ---------------------------------------------------------------------------------------------
// Message lists (ascending by seq, no duplicates)

/** Prefers the more advanced of two copies of the same message (a deletion is final). */
function newer(existing: Message, incoming: Message): Message {
  if (existing.deleted && !incoming.deleted) return existing;
  if ((existing.edited_at ?? 0) > (incoming.edited_at ?? 0) && !incoming.deleted) return existing;
  return incoming;
}

/**
 * Merges messages (a page of history, a catch-up page, live events) into a list sorted by seq.
 * A seq present in both keeps one copy (the incoming one unless the existing one is further along).
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const bySeq = new Map<number, Message>();
  for (const m of existing) bySeq.set(m.seq, m);
  for (const m of incoming) {
    const old = bySeq.get(m.seq);
    bySeq.set(m.seq, old ? newer(old, m) : m);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Replaces a message by id (edited, deleted, reactions changed); unknown ids change nothing. */
export function applyUpdate(list: readonly Message[], msg: Message): Message[] {
  const i = list.findIndex((m) => m.id === msg.id);
  if (i < 0) return list as Message[];
  const next = [...list];
  next[i] = newer(list[i]!, msg);
  return next;
}

export function oldestSeq(list: readonly Message[]): number | null {
  return list.length ? list[0]!.seq : null;
}

export function newestSeq(list: readonly Message[]): number {
  return list.length ? list[list.length - 1]!.seq : 0;
}

/** The seqs missing between the oldest and newest message of the list (should be none). */
export function missingSeqs(list: readonly Message[]): number[] {
  const missing: number[] = [];
  for (let i = 1; i < list.length; i++) {
    for (let s = list[i - 1]!.seq + 1; s < list[i]!.seq; s++) missing.push(s);
  }
  return missing;
}

/**
 * True when a live message cannot simply be appended: something between the newest message we
 * have and it is missing, so the client should catch up with `messages?after=`.
 */
export function needsCatchUp(list: readonly Message[], incomingSeq: number): boolean {
  if (list.length === 0) return false;
  return incomingSeq > newestSeq(list) + 1;
}

// ---------------------------------------------------------------------------------------------
// Room list and unread badges

/** Newest activity first; rooms without messages after those with, by title. */
export function sortRooms(rooms: readonly Room[]): Room[] {
  return [...rooms].sort(
    (a, b) =>
      (b.last_message?.created_at ?? -1) - (a.last_message?.created_at ?? -1) ||
      a.title.localeCompare(b.title, 'de', { numeric: true }),
  );
}

/**
 * A new message arrived in a room: it becomes the last message; messages of others count as
 * unread unless the room is being viewed, my own ones mean I have read everything up to them.
 */
export function roomAfterMessage(room: Room, msg: Message, meId: string, viewing: boolean): Room {
  if (msg.seq <= room.last_seq) {
    // Already counted (a replay or the HTTP answer came first); keep the newest copy shown.
    if (room.last_message && room.last_message.id === msg.id) return { ...room, last_message: msg };
    return room;
  }
  const base = { ...room, last_seq: msg.seq, last_message: msg };
  if (msg.sender_id === meId || viewing) return { ...base, read_seq: msg.seq, unread: 0 };
  // Messages since the read marker, at most: own messages in between are never unread.
  return { ...base, unread: Math.min(room.unread + 1, msg.seq - room.read_seq) };
}

/** The read marker moved (this or another device); it never moves back. */
export function roomAfterRead(room: Room, seq: number): Room {
  if (seq <= room.read_seq) return room;
  const unread = seq >= room.last_seq ? 0 : Math.min(room.unread, room.last_seq - seq);
  return { ...room, read_seq: seq, unread };
}

/** An edit or deletion of the room's last message shows in the preview. */
export function roomAfterUpdate(room: Room, msg: Message): Room {
  if (room.last_message?.id !== msg.id) return room;
  return { ...room, last_message: msg };
}

/** The room's settings changed (a `room` event, or the server said it is muted): only moderators write in a muted room. */
export function roomAfterSettings<R extends Room>(room: R, settings: { muted: boolean; title: string }): R {
  return { ...room, muted: settings.muted, title: settings.title, can_write: room.moderator || !settings.muted };
}

export function applyToRoom(rooms: readonly Room[], roomId: string, fn: (r: Room) => Room): Room[] {
  let changed = false;
  const next = rooms.map((r) => {
    if (r.id !== roomId) return r;
    const n = fn(r);
    if (n !== r) changed = true;
    return n;
  });
  return changed ? next : (rooms as Room[]);
}

export function totalUnread(rooms: readonly Room[]): number {
  return rooms.reduce((sum, r) => sum + Math.max(0, r.unread), 0);
}

/** The text of an unread badge: nothing for 0, "99+" above 99. */
export function unreadBadge(n: number): string {
  if (!n || n <= 0) return '';
  return n > 99 ? '99+' : String(n);
}

// ---------------------------------------------------------------------------------------------
// Text

export interface TextPart {
  text: string;
  /** The login named by an `@login` word. */
  mention?: string;
}

const MENTION = /(^|[^\w@.])@([A-Za-z0-9][A-Za-z0-9._-]*)/g;

/** Splits a message text into plain parts and `@login` mentions (trailing dots are not part of a login). */
export function splitMentions(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(MENTION)) {
    let login = m[2]!;
    while (/[._-]$/.test(login)) login = login.slice(0, -1);
    const start = m.index! + m[1]!.length;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: `@${login}`, mention: login });
    last = start + 1 + login.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** The characters of a text as the server counts them (Unicode code points, after trimming). */
export function charCount(text: string): number {
  return Array.from(text.trim()).length;
}

export interface ComposerCheck {
  count: number;
  remaining: number;
  tooLong: boolean;
  empty: boolean;
  /** Show the counter only when getting close to the limit. */
  showCounter: boolean;
}

export function checkComposer(text: string, max = MAX_MESSAGE_CHARS): ComposerCheck {
  const count = charCount(text);
  return { count, remaining: max - count, tooLong: count > max, empty: count === 0, showCounter: count >= max * 0.8 };
}

/** Whether a click on a reaction chip turns my reaction on (true) or off. */
export function reactionTurnsOn(msg: Message, emoji: string, meId: string): boolean {
  return !(msg.reactions ?? []).some((r) => r.emoji === emoji && r.users.includes(meId));
}

// ---------------------------------------------------------------------------------------------
// Typing indicator

/** userId → time the last typing event arrived. */
export type TypingMap = ReadonlyMap<string, number>;

export function typingSeen(map: TypingMap, userId: string, now: number): Map<string, number> {
  const next = new Map(map);
  next.set(userId, now);
  return next;
}

export function typingStopped(map: TypingMap, userId: string): TypingMap {
  if (!map.has(userId)) return map;
  const next = new Map(map);
  next.delete(userId);
  return next;
}

/** The users still typing at `now` (seen within the last 5 s), oldest first. */
export function typingActive(map: TypingMap, now: number, showMs = TYPING_SHOW_MS): string[] {
  return [...map.entries()]
    .filter(([, at]) => now - at < showMs)
    .sort((a, b) => a[1] - b[1])
    .map(([id]) => id);
}

/** Whether a typing event may be published now (at most every 3 s). */
export function mayPublishTyping(lastSent: number | null, now: number, interval = TYPING_SEND_INTERVAL_MS): boolean {
  return lastSent === null || now - lastSent >= interval;
}
