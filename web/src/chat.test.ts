// Unit tests for the messenger's and the polls' pure logic: merging pages by seq, unread badges,
// mentions, typing, composer limits, results by version, countdown and the poll form's checks.
import { describe, expect, it } from 'vitest';
import { roomInitials, roomTitle } from './chat/format';
import type { Message, Poll, Room } from './chatApi';
import {
  applyUpdate,
  checkComposer,
  mayPublishTyping,
  mergeMessages,
  missingSeqs,
  needsCatchUp,
  newestSeq,
  oldestSeq,
  reactionTurnsOn,
  roomAfterMessage,
  roomAfterRead,
  roomAfterSettings,
  roomAfterUpdate,
  sortRooms,
  splitMentions,
  totalUnread,
  typingActive,
  typingSeen,
  unreadBadge,
} from './chatLogic';
import { orderPolls } from './pages/Polls';
import {
  applyResults,
  applyState,
  draftProblem,
  draftToInput,
  emptyDraft,
  formatCountdown,
  mergePoll,
  percentages,
  remainingSeconds,
  resultsVisible,
  validVote,
} from './pollLogic';

const msg = (seq: number, over: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  room_id: 'r1',
  seq,
  sender_id: 'other',
  sender_name: 'Anna',
  text: `Nachricht ${seq}`,
  mentions: [],
  reply_to: null,
  reactions: [],
  created_at: 1_795_000_000_000 + seq * 1000,
  edited_at: null,
  deleted: false,
  ...over,
});

const room = (over: Partial<Room> = {}): Room => ({
  id: 'r1',
  kind: 'class',
  title: '5a',
  group_id: 'r1',
  other_user: null,
  muted: false,
  moderator: false,
  can_write: true,
  member_count: 3,
  last_seq: 10,
  read_seq: 10,
  unread: 0,
  last_message: null,
  ...over,
});

const seqs = (list: Message[]) => list.map((m) => m.seq);

describe('merging message pages', () => {
  it('merges pages by seq without duplicates, ascending', () => {
    const newest = [msg(10), msg(9), msg(8)].reverse();
    const older = [msg(7), msg(6), msg(5)].reverse();
    const live = [msg(11), msg(10)];
    let list = mergeMessages([], newest);
    list = mergeMessages(list, live);
    list = mergeMessages(list, older);
    expect(seqs(list)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(missingSeqs(list)).toEqual([]);
    expect(oldestSeq(list)).toBe(5);
    expect(newestSeq(list)).toBe(11);
    expect(newestSeq([])).toBe(0);
    expect(oldestSeq([])).toBeNull();
  });

  it('detects gaps that need a catch-up', () => {
    const list = mergeMessages([], [msg(1), msg(2), msg(5)]);
    expect(missingSeqs(list)).toEqual([3, 4]);
    expect(needsCatchUp(mergeMessages([], [msg(1), msg(2)]), 3)).toBe(false);
    expect(needsCatchUp(mergeMessages([], [msg(1), msg(2)]), 4)).toBe(true);
    expect(needsCatchUp([], 40)).toBe(false);
  });

  it('keeps the more advanced copy of a message', () => {
    const deleted = msg(3, { deleted: true, text: '' });
    expect(mergeMessages([deleted], [msg(3)])[0]!.deleted).toBe(true);
    const edited = msg(3, { edited_at: 5, text: 'neu' });
    expect(mergeMessages([edited], [msg(3)])[0]!.text).toBe('neu');
    expect(mergeMessages([msg(3)], [edited])[0]!.text).toBe('neu');
    const list = [msg(1), msg(2)];
    expect(applyUpdate(list, msg(2, { text: 'geändert', edited_at: 9 }))[1]!.text).toBe('geändert');
    expect(applyUpdate(list, msg(7))).toBe(list);
  });
});

describe('room list and unread badges', () => {
  it('counts messages of others, not my own, and not while viewing', () => {
    let r = room();
    r = roomAfterMessage(r, msg(11), 'me', false);
    r = roomAfterMessage(r, msg(12), 'me', false);
    expect(r).toMatchObject({ last_seq: 12, unread: 2, read_seq: 10 });
    expect(r.last_message?.seq).toBe(12);
    // A replay of 12 changes nothing.
    expect(roomAfterMessage(r, msg(12), 'me', false).unread).toBe(2);
    // My own message: I have read everything before it.
    const mine = roomAfterMessage(r, msg(13, { sender_id: 'me' }), 'me', false);
    expect(mine).toMatchObject({ unread: 0, read_seq: 13 });
    expect(roomAfterMessage(r, msg(13), 'me', true)).toMatchObject({ unread: 0, read_seq: 13 });
  });

  it('never counts more than the messages after the read marker', () => {
    const r = roomAfterMessage(room({ unread: 5, read_seq: 8, last_seq: 10 }), msg(11), 'me', false);
    expect(r.unread).toBe(3);
  });

  it('moves the read marker forward only', () => {
    const r = room({ last_seq: 20, read_seq: 10, unread: 10 });
    expect(roomAfterRead(r, 15)).toMatchObject({ read_seq: 15, unread: 5 });
    expect(roomAfterRead(r, 25)).toMatchObject({ read_seq: 25, unread: 0 });
    expect(roomAfterRead(r, 5)).toBe(r);
  });

  it('only lets moderators write in a muted room', () => {
    const muted = roomAfterSettings(room({ can_write: true }), { muted: true, title: 'Neu' });
    expect(muted).toMatchObject({ muted: true, title: 'Neu', can_write: false });
    expect(roomAfterSettings(room({ moderator: true }), { muted: true, title: 'x' }).can_write).toBe(true);
    expect(roomAfterSettings(muted, { muted: false, title: 'Neu' }).can_write).toBe(true);
  });

  it('shows edits of the last message and formats badges', () => {
    const r = room({ last_message: msg(10) });
    expect(roomAfterUpdate(r, msg(10, { deleted: true, text: '' })).last_message?.deleted).toBe(true);
    expect(roomAfterUpdate(r, msg(9))).toBe(r);
    expect(unreadBadge(0)).toBe('');
    expect(unreadBadge(7)).toBe('7');
    expect(unreadBadge(100)).toBe('99+');
    expect(totalUnread([room({ unread: 2 }), room({ id: 'r2', unread: 3 })])).toBe(5);
  });

  it('sorts by newest activity and names direct chats after the other person', () => {
    const rooms = [
      room({ id: 'a', title: 'Chor', last_message: null }),
      room({ id: 'b', title: '5a', last_message: msg(1) }),
      room({ id: 'c', title: '6b', last_message: msg(2) }),
    ];
    expect(sortRooms(rooms).map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(roomTitle({ kind: 'direct', title: '', other_user: { id: 'x', display_name: 'Max' } })).toBe('Max');
    expect(roomInitials('5a')).toBe('5A');
    expect(roomInitials('Theater AG')).toBe('TA');
    expect(roomInitials('')).toBe('');
  });
});

describe('text helpers', () => {
  it('finds @mentions but not e-mail addresses', () => {
    expect(splitMentions('Hallo @max.mueller, schau mal.')).toEqual([
      { text: 'Hallo ' },
      { text: '@max.mueller', mention: 'max.mueller' },
      { text: ', schau mal.' },
    ]);
    expect(splitMentions('@anna.')).toEqual([{ text: '@anna', mention: 'anna' }, { text: '.' }]);
    expect(splitMentions('mail@example.org')).toEqual([{ text: 'mail@example.org' }]);
    expect(splitMentions('')).toEqual([]);
  });

  it('counts characters like the server and flags the limit', () => {
    expect(checkComposer('  hi  ')).toMatchObject({ count: 2, empty: false, tooLong: false });
    expect(checkComposer('   ').empty).toBe(true);
    expect(checkComposer('😀'.repeat(4000))).toMatchObject({ count: 4000, tooLong: false, showCounter: true });
    expect(checkComposer('x'.repeat(4001))).toMatchObject({ tooLong: true, remaining: -1 });
  });

  it('throttles and expires typing hints', () => {
    expect(mayPublishTyping(null, 0)).toBe(true);
    expect(mayPublishTyping(1000, 3999)).toBe(false);
    expect(mayPublishTyping(1000, 4000)).toBe(true);
    let m = typingSeen(new Map(), 'a', 1000);
    m = typingSeen(m, 'b', 2000);
    expect(typingActive(m, 3000)).toEqual(['a', 'b']);
    expect(typingActive(m, 6500)).toEqual(['b']);
    expect(typingActive(m, 7000)).toEqual([]);
  });

  it('toggles reactions', () => {
    const m = msg(1, { reactions: [{ emoji: '👍', users: ['me'] }] });
    expect(reactionTurnsOn(m, '👍', 'me')).toBe(false);
    expect(reactionTurnsOn(m, '🎉', 'me')).toBe(true);
  });
});

const poll = (over: Partial<Poll> = {}): Poll => ({
  id: 'p1',
  owner_id: 'teacher',
  owner_name: 'Frau Lehrer',
  group_id: 'g1',
  room_id: null,
  question: 'Ausflug?',
  options: ['Ja', 'Nein'],
  multiple: false,
  anonymous: true,
  hide_results: false,
  duration_seconds: null,
  state: 'open',
  created_at: 1,
  opened_at: 2,
  closes_at: null,
  closed_at: null,
  results: { counts: [0, 0], voters: 0, version: 3 },
  my_vote: null,
  voters_by_option: null,
  ...over,
});

describe('poll results by version', () => {
  it('applies newer results and ignores older ones and other polls', () => {
    let p = poll();
    p = applyResults(p, { poll_id: 'p1', version: 5, voters: 1, counts: [1, 0] });
    expect(p.results).toEqual({ counts: [1, 0], voters: 1, version: 5 });
    expect(applyResults(p, { poll_id: 'p1', version: 4, voters: 0, counts: [0, 0] })).toBe(p);
    expect(applyResults(p, { poll_id: 'p1', version: 5, voters: 1, counts: [1, 0] })).toBe(p);
    expect(applyResults(p, { poll_id: 'p2', version: 9, voters: 9, counts: [9, 0] })).toBe(p);
    expect(applyResults(p, { poll_id: 'p1', version: 6, voters: 2, counts: [1, 1] }).results?.counts).toEqual([1, 1]);
  });

  it('hidden counts never replace shown counts (owner gets both events)', () => {
    const owner = poll({ hide_results: true, results: { counts: [1, 0], voters: 1, version: 5 } });
    const hidden = applyResults(owner, { poll_id: 'p1', version: 6, voters: 2, counts: [] });
    expect(hidden.results).toEqual({ counts: [1, 0], voters: 2, version: 5 });
    const full = applyResults(hidden, { poll_id: 'p1', version: 6, voters: 2, counts: [1, 1] });
    expect(full.results).toEqual({ counts: [1, 1], voters: 2, version: 6 });
    // A pupil with hidden results: voters only.
    const pupil = applyResults(poll({ hide_results: true, results: null }), { poll_id: 'p1', version: 2, voters: 4, counts: [] });
    expect(pupil.results).toEqual({ counts: [], voters: 4, version: 2 });
    expect(resultsVisible(pupil)).toBe(false);
    expect(resultsVisible(full)).toBe(true);
  });

  it('switches state and takes the final results', () => {
    const p = poll({ results: { counts: [3, 1], voters: 4, version: 9 } });
    const closed = applyState(p, { poll_id: 'p1', state: 'closed', results: { counts: [3, 2], voters: 5, version: 10 } }, 99);
    expect(closed).toMatchObject({ state: 'closed', closed_at: 99, results: { counts: [3, 2], version: 10 } });
    const draft = poll({ state: 'draft', opened_at: null, duration_seconds: 60, results: null });
    expect(applyState(draft, { poll_id: 'p1', state: 'open' }, 1000)).toMatchObject({ state: 'open', opened_at: 1000, closes_at: 61_000 });
  });

  it('keeps live results newer than a reloaded copy', () => {
    const shown = poll({ results: { counts: [2, 0], voters: 2, version: 8 } });
    const stale = poll({ results: { counts: [1, 0], voters: 1, version: 6 } });
    expect(mergePoll(shown, stale).results?.version).toBe(8);
    const fresh = poll({ results: { counts: [2, 1], voters: 3, version: 9 } });
    expect(mergePoll(shown, fresh).results?.version).toBe(9);
  });

  it('computes percentages, countdown and valid votes', () => {
    expect(percentages({ counts: [1, 2], voters: 3 })).toEqual([33, 67]);
    expect(percentages({ counts: [0, 0], voters: 0 })).toEqual([0, 0]);
    expect(percentages({ counts: [2, 2, 1], voters: 3 })).toEqual([67, 67, 33]);
    expect(remainingSeconds({ state: 'open', closes_at: 10_500 }, 0)).toBe(11);
    expect(remainingSeconds({ state: 'open', closes_at: 10_500 }, 20_000)).toBe(0);
    expect(remainingSeconds({ state: 'open', closes_at: null }, 0)).toBeNull();
    expect(formatCountdown(65)).toBe('1:05');
    expect(formatCountdown(3725)).toBe('1:02:05');
    expect(validVote(poll(), [1])).toBe(true);
    expect(validVote(poll(), [0, 1])).toBe(false);
    expect(validVote(poll(), [2])).toBe(false);
    expect(validVote(poll({ multiple: true }), [0, 1])).toBe(true);
    expect(validVote(poll({ multiple: true }), [1, 1])).toBe(false);
    expect(validVote(poll({ multiple: true }), [])).toBe(false);
  });

  it('orders open polls and drafts before closed ones', () => {
    const list = [poll({ id: 'a', state: 'closed', created_at: 5 }), poll({ id: 'b', state: 'draft', created_at: 1 }), poll({ id: 'c', state: 'open', created_at: 2 })];
    expect(orderPolls(list).map((p) => p.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('poll form', () => {
  it('checks question, options and countdown', () => {
    const d = emptyDraft();
    expect(draftProblem(d)).toBe('poll.err.question');
    expect(draftProblem({ ...d, question: 'Q', options: ['Ja', ' '] })).toBe('poll.err.fewOptions');
    expect(draftProblem({ ...d, question: 'Q', options: ['Ja', 'ja'] })).toBe('poll.err.duplicate');
    expect(draftProblem({ ...d, question: 'Q', options: Array.from({ length: 11 }, (_, i) => `O${i}`) })).toBe('poll.err.manyOptions');
    expect(draftProblem({ ...d, question: 'Q', options: ['Ja', 'Nein'], duration: '5' })).toBe('poll.err.duration');
    expect(draftProblem({ ...d, question: 'Q', options: ['Ja', 'Nein'], duration: '86401' })).toBe('poll.err.duration');
    expect(draftProblem({ ...d, question: 'Q', options: ['Ja', 'Nein', ''], duration: '60' })).toBeNull();
  });

  it('builds the request body', () => {
    const d = { ...emptyDraft(), question: ' Ausflug? ', options: ['Ja', '', 'Nein '], duration: '60' };
    expect(draftToInput(d, { room_id: 'r1' }, true)).toEqual({
      room_id: 'r1',
      question: 'Ausflug?',
      options: ['Ja', 'Nein'],
      multiple: false,
      anonymous: true,
      hide_results: false,
      duration_seconds: 60,
      open: true,
    });
    expect(draftToInput({ ...d, duration: '' }, { group_id: 'g' }, false)).not.toHaveProperty('duration_seconds');
  });
});
