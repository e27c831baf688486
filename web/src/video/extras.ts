// Pure rules of the lesson's side panels beyond the video itself (chat, quick poll, invitation): which panels
// a lesson offers, when a panel is unavailable for good, what counts as new while a panel is closed, and
// which people are worth inviting.
import { ApiError, type Me, type MyGroup } from '../api';
import type { Message, Poll } from '../chatApi';

/** Refusals that mean "this panel is not for you here" (module off, not in the room/group): hide it. */
const UNAVAILABLE = new Set(['module_disabled', 'not_found', 'forbidden', 'account_restricted']);

export function panelUnavailable(err: unknown): boolean {
  return err instanceof ApiError && UNAVAILABLE.has(err.code);
}

export interface LessonExtras {
  /** The chat room of the lesson (a class or course group's room has the group's ID), or null. */
  chatRoom: string | null;
  /** The group whose quick polls the lesson shows, or null. */
  pollGroup: string | null;
  /** May create polls in that group (teachers and admins who are members, group leaders). */
  canCreatePoll: boolean;
}

/** What the lesson offers beside the video, from the school's modules and my membership (null: invited guest). */
export function lessonExtras(me: Pick<Me, 'modules' | 'user'>, group: Pick<MyGroup, 'id' | 'kind' | 'my_role'> | null): LessonExtras {
  const modules = new Set(me.modules ?? []);
  if (!group || me.user.status !== 'active') return { chatRoom: null, pollGroup: null, canCreatePoll: false };
  const hasRoom = group.kind === 'class' || group.kind === 'course';
  return {
    chatRoom: modules.has('messenger') && hasRoom ? group.id : null,
    pollGroup: modules.has('polls') ? group.id : null,
    canCreatePoll: group.my_role === 'leader' || me.user.role === 'teacher' || me.user.role === 'admin',
  };
}

/** Messages of others after `seenSeq` (what arrived while the chat panel was closed). */
export function unreadSince(messages: readonly Message[], seenSeq: number, meId: string): number {
  return messages.filter((m) => m.seq > seenSeq && m.sender_id !== meId && !m.deleted).length;
}

/** Open polls I have not voted in and do not own (the quick-poll button's badge). */
export function pollsAwaitingMe(polls: readonly Poll[], meId: string): number {
  return polls.filter((p) => p.state === 'open' && p.owner_id !== meId && !p.my_vote).length;
}

/** A person to invite: from the messenger's contacts or the address book. */
export interface Invitee {
  id: string;
  display_name: string;
  role: string;
}

/** People matching `q` (case-insensitive, on the name) who are not in the lesson already; at most `limit`. */
export function inviteCandidates(people: readonly Invitee[], q: string, present: ReadonlySet<string>, limit = 20): Invitee[] {
  const needle = q.trim().toLocaleLowerCase('de');
  return people.filter((p) => !present.has(p.id) && p.display_name.toLocaleLowerCase('de').includes(needle)).slice(0, limit);
}

/** The address of a lesson, for the invited person (they are not a member, so no group page leads there). */
export function lessonUrl(origin: string, group: string): string {
  return `${origin}/video/${encodeURIComponent(group)}`;
}
