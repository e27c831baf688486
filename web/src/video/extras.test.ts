// Unit tests for the rules of the lesson's side panels (extras.ts): which panels a lesson offers, when a
// refusal hides a panel, the chat and poll badges, invitation candidates and the lesson's link.
import { describe, expect, it } from 'vitest';
import { ApiError, type Me, type MyGroup } from '../api';
import type { Message, Poll } from '../chatApi';
import { HubError } from '../hubProtocol';
import { inviteCandidates, lessonExtras, lessonUrl, panelUnavailable, pollsAwaitingMe, unreadSince } from './extras';

const me = (modules: string[], role = 'teacher', status = 'active') => ({ modules, user: { id: 'me', role, status } }) as unknown as Pick<Me, 'modules' | 'user'>;
const group = (kind: MyGroup['kind'], my_role: MyGroup['my_role'] = 'member') => ({ id: 'g1', kind, my_role });
const msg = (seq: number, sender: string, deleted = false) => ({ id: `m${seq}`, seq, sender_id: sender, deleted }) as Message;
const poll = (id: string, state: Poll['state'], owner: string, my_vote: number[] | null = null) => ({ id, state, owner_id: owner, my_vote }) as Poll;

describe('lessonExtras', () => {
  it('offers the class room as chat and the group’s polls when the modules are on', () => {
    expect(lessonExtras(me(['video', 'messenger', 'polls']), group('class'))).toEqual({ chatRoom: 'g1', pollGroup: 'g1', canCreatePoll: true });
    expect(lessonExtras(me(['video', 'messenger', 'polls'], 'pupil'), group('course'))).toEqual({ chatRoom: 'g1', pollGroup: 'g1', canCreatePoll: false });
    expect(lessonExtras(me(['video', 'polls'], 'pupil'), group('custom', 'leader'))).toEqual({ chatRoom: null, pollGroup: 'g1', canCreatePoll: true });
  });

  it('offers nothing without the modules, to guests and to restricted accounts', () => {
    expect(lessonExtras(me(['video']), group('class'))).toEqual({ chatRoom: null, pollGroup: null, canCreatePoll: true });
    expect(lessonExtras(me(['video', 'messenger', 'polls']), null).chatRoom).toBeNull();
    expect(lessonExtras(me(['video', 'messenger', 'polls'], 'pupil', 'restricted'), group('class')).pollGroup).toBeNull();
  });
});

describe('panelUnavailable', () => {
  it('hides a panel on module_disabled and not-mine refusals only', () => {
    expect(panelUnavailable(new ApiError(403, 'module_disabled', 'off'))).toBe(true);
    expect(panelUnavailable(new ApiError(404, 'not_found', 'no'))).toBe(true);
    expect(panelUnavailable(new HubError('forbidden', 'no'))).toBe(true);
    expect(panelUnavailable(new ApiError(429, 'rate_limited', 'slow'))).toBe(false);
    expect(panelUnavailable(new Error('network'))).toBe(false);
  });
});

describe('badges', () => {
  it('counts others’ messages after the seen one', () => {
    const list = [msg(1, 'a'), msg(2, 'me'), msg(3, 'b'), msg(4, 'c', true), msg(5, 'a')];
    expect(unreadSince(list, 2, 'me')).toBe(2);
    expect(unreadSince(list, 5, 'me')).toBe(0);
  });

  it('counts open polls of others that I have not voted in', () => {
    const polls = [poll('1', 'open', 't'), poll('2', 'open', 't', [0]), poll('3', 'closed', 't'), poll('4', 'draft', 't'), poll('5', 'open', 'me')];
    expect(pollsAwaitingMe(polls, 'me')).toBe(1);
  });
});

describe('invitation', () => {
  const people = [
    { id: 'u1', display_name: 'Anna Berg', role: 'teacher' },
    { id: 'u2', display_name: 'Bernd Öztürk', role: 'teacher' },
    { id: 'u3', display_name: 'Clara Brandt', role: 'pupil' },
  ];
  it('filters by name and leaves out who is present', () => {
    expect(inviteCandidates(people, 'b', new Set(['u1'])).map((p) => p.id)).toEqual(['u2', 'u3']);
    expect(inviteCandidates(people, ' ÖZT ', new Set()).map((p) => p.id)).toEqual(['u2']);
    expect(inviteCandidates(people, '', new Set(), 2).length).toBe(2);
  });

  it('links to the lesson page', () => {
    expect(lessonUrl('https://schule.example', 'a b')).toBe('https://schule.example/video/a%20b');
  });
});
