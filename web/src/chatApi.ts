// Typed client for the messenger (/api/chat) and quick polls (/api/polls) of docs/messenger.md, and their hub events.
import { query, request, type Role } from './api';

export type RoomKind = 'direct' | 'group' | 'class';

export interface UserRef {
  id: string;
  display_name: string;
}

export interface Reaction {
  emoji: string;
  users: string[];
}

export interface ReplyRef {
  id: string;
  sender_name: string;
  text: string;
}

export interface Message {
  id: string;
  room_id: string;
  seq: number;
  /** null when the sender's account is gone. */
  sender_id: string | null;
  sender_name: string;
  text: string;
  mentions: string[];
  reply_to: ReplyRef | null;
  reactions: Reaction[];
  created_at: number;
  edited_at: number | null;
  deleted: boolean;
}

export interface Room {
  id: string;
  kind: RoomKind;
  title: string;
  group_id: string | null;
  other_user: UserRef | null;
  muted: boolean;
  moderator: boolean;
  can_write: boolean;
  member_count: number;
  last_seq: number;
  read_seq: number;
  unread: number;
  last_message: Message | null;
}

export interface RoomMember extends UserRef {
  role: 'owner' | 'leader' | 'member';
  school_role: Role;
}

export interface RoomDetail extends Room {
  members: RoomMember[];
}

export interface MessagePage {
  messages: Message[];
  has_more: boolean;
}

export interface SearchResult extends Message {
  room_title: string;
}

export interface Contact extends UserRef {
  role: Role;
}

export type PollState = 'draft' | 'open' | 'closed';

export interface PollResults {
  counts: number[];
  voters: number;
  version: number;
}

export interface Poll {
  id: string;
  owner_id: string | null;
  owner_name: string;
  group_id: string | null;
  room_id: string | null;
  question: string;
  options: string[];
  multiple: boolean;
  anonymous: boolean;
  hide_results: boolean;
  duration_seconds: number | null;
  state: PollState;
  created_at: number;
  opened_at: number | null;
  closes_at: number | null;
  closed_at: number | null;
  results: PollResults | null;
  my_vote: number[] | null;
  voters_by_option: UserRef[][] | null;
}

/** Where a poll lives: on a group page or in a chat room. */
export type PollWhere = { group_id: string } | { room_id: string };

export interface PollInput {
  group_id?: string;
  room_id?: string;
  question: string;
  options: string[];
  multiple: boolean;
  anonymous: boolean;
  hide_results: boolean;
  duration_seconds?: number;
  open?: boolean;
}

const enc = encodeURIComponent;

export const chatApi = {
  rooms: () => request<{ rooms: Room[] }>('GET', '/api/chat/rooms'),
  room: (id: string) => request<RoomDetail>('GET', `/api/chat/rooms/${enc(id)}`),
  createRoom: (title: string, member_ids: string[]) => request<RoomDetail>('POST', '/api/chat/rooms', { title, member_ids }),
  direct: (user_id: string) => request<RoomDetail>('POST', '/api/chat/direct', { user_id }),
  setMuted: (id: string, muted: boolean) => request<Room>('PUT', `/api/chat/rooms/${enc(id)}/muted`, { muted }),
  addMembers: (id: string, user_ids: string[]) =>
    request<RoomDetail>('POST', `/api/chat/rooms/${enc(id)}/members`, { user_ids }),
  removeMember: (id: string, userId: string) =>
    request<void>('DELETE', `/api/chat/rooms/${enc(id)}/members/${enc(userId)}`),
  /** A page of history: newest first, older than `before` (or the newest messages). */
  messagesBefore: (id: string, before?: number, limit = 50) =>
    request<MessagePage>(
      'GET',
      `/api/chat/rooms/${enc(id)}/messages${query({ before: before?.toString(), limit: String(limit) })}`,
    ),
  /** Catch-up: oldest first, newer than `after`. */
  messagesAfter: (id: string, after: number, limit = 100) =>
    request<MessagePage>('GET', `/api/chat/rooms/${enc(id)}/messages${query({ after: String(after), limit: String(limit) })}`),
  send: (id: string, text: string, reply_to?: string) =>
    request<Message>('POST', `/api/chat/rooms/${enc(id)}/messages`, reply_to ? { text, reply_to } : { text }),
  edit: (messageId: string, text: string) => request<Message>('PATCH', `/api/chat/messages/${enc(messageId)}`, { text }),
  remove: (messageId: string) => request<Message>('DELETE', `/api/chat/messages/${enc(messageId)}`),
  react: (messageId: string, emoji: string, on: boolean) =>
    request<Message>('POST', `/api/chat/messages/${enc(messageId)}/reactions`, { emoji, on }),
  markRead: (id: string, seq: number) =>
    request<{ read_seq: number; unread: number }>('PUT', `/api/chat/rooms/${enc(id)}/read`, { seq }),
  search: (q: string) => request<{ results: SearchResult[] }>('GET', `/api/chat/search${query({ q })}`),
  contacts: (q: string) => request<{ users: Contact[] }>('GET', `/api/chat/contacts${query({ q })}`),
};

export const pollApi = {
  list: (where: { group_id?: string; room_id?: string }) =>
    request<{ polls: Poll[] }>('GET', `/api/polls${query(where)}`),
  get: (id: string) => request<Poll>('GET', `/api/polls/${enc(id)}`),
  create: (input: PollInput) => request<Poll>('POST', '/api/polls', input),
  open: (id: string) => request<Poll>('POST', `/api/polls/${enc(id)}/open`),
  close: (id: string) => request<Poll>('POST', `/api/polls/${enc(id)}/close`),
  remove: (id: string) => request<void>('DELETE', `/api/polls/${enc(id)}`),
  vote: (id: string, choices: number[]) => request<{ my_vote: number[] }>('PUT', `/api/polls/${enc(id)}/vote`, { choices }),
  /** The CSV of a closed poll (owner); used as a plain download link. */
  csvUrl: (id: string) => `/api/polls/${enc(id)}/results.csv`,
};

// Hub events (bodies of `message` frames)

export type ChatEvent =
  | { event: 'message'; message: Message }
  | { event: 'updated'; message: Message }
  | { event: 'room'; room: { id: string; muted: boolean; title: string } }
  | { event: 'members' }
  | { event: 'poll'; poll_id: string; state: PollState }
  | { event: 'typing' };

export type UserEvent =
  | { event: 'read'; room: string; seq: number }
  | { event: 'mention'; room: string; message: string }
  | { event: 'rooms' }
  | ResultsEvent;

export interface ResultsEvent {
  event: 'results';
  poll_id: string;
  version: number;
  voters: number;
  counts: number[];
}

export interface StateEvent {
  event: 'state';
  poll_id: string;
  state: PollState;
  results?: PollResults | null;
}

export type PollEvent = ResultsEvent | StateEvent;

/** The `event` name of a hub message body, or null when the body has none. */
export function eventName(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const e = (body as { event?: unknown }).event;
  return typeof e === 'string' ? e : null;
}
