// Pure logic of quick polls: applying live results by version, percentages, countdown, and the create form's checks.
import type { Poll, PollResults, PollState, ResultsEvent, StateEvent } from './chatApi';
import type { MessageKey } from './i18n';

export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 10;
export const MAX_QUESTION = 500;
export const MAX_OPTION = 200;
export const MIN_DURATION = 10;
export const MAX_DURATION = 24 * 60 * 60;

/**
 * Applies a live `results` event: events for other polls and events older than the shown results
 * are ignored. An event with hidden counts (`[]`) never replaces counts already shown (the owner
 * gets the same version with counts on the user topic); it only updates the number of voters.
 */
export function applyResults(poll: Poll, ev: Pick<ResultsEvent, 'poll_id' | 'version' | 'voters' | 'counts'>): Poll {
  if (ev.poll_id !== poll.id) return poll;
  const cur = poll.results;
  const hasCounts = (r: { counts: number[] } | null | undefined) => !!r && r.counts.length > 0;
  if (cur) {
    if (ev.version < cur.version) return poll;
    if (ev.version === cur.version && (hasCounts(cur) || !hasCounts(ev))) return poll;
    if (hasCounts(cur) && !hasCounts(ev)) {
      if (ev.voters === cur.voters) return poll;
      return { ...poll, results: { ...cur, voters: ev.voters } };
    }
  }
  return { ...poll, results: { counts: [...ev.counts], voters: ev.voters, version: ev.version } };
}

/** Applies a live `state` event (opened/closed); a closing carries the final results. */
export function applyState(poll: Poll, ev: Pick<StateEvent, 'poll_id' | 'state' | 'results'>, now = Date.now()): Poll {
  if (ev.poll_id !== poll.id) return poll;
  let next: Poll = { ...poll, state: ev.state };
  if (ev.state === 'closed' && poll.state !== 'closed') next.closed_at = poll.closed_at ?? now;
  if (ev.state === 'open' && poll.state === 'draft' && !poll.opened_at) {
    next.opened_at = now;
    if (poll.duration_seconds && !poll.closes_at) next.closes_at = now + poll.duration_seconds * 1000;
  }
  if (ev.results) {
    // Final results replace whatever was shown, unless they are older.
    if (!poll.results || ev.results.version >= poll.results.version || ev.state === 'closed') {
      const r = ev.results;
      next = { ...next, results: { counts: [...r.counts], voters: r.voters, version: r.version } };
    }
  }
  return next;
}

/** A fresh copy of the poll from the server wins unless its results are older than the shown ones. */
export function mergePoll(shown: Poll | undefined, fresh: Poll): Poll {
  if (!shown || !shown.results || !fresh.results) return fresh;
  if (fresh.results.version < shown.results.version && fresh.state === shown.state) {
    return { ...fresh, results: shown.results };
  }
  return fresh;
}

/** Whole percent of voters per option (0 when nobody voted). */
export function percentages(results: Pick<PollResults, 'counts' | 'voters'>): number[] {
  const denom = results.voters > 0 ? results.voters : 0;
  return results.counts.map((c) => (denom ? Math.round((c / denom) * 100) : 0));
}

/** Whether results can be shown (not hidden, counts present). */
export function resultsVisible(poll: Poll): boolean {
  return !!poll.results && poll.results.counts.length === poll.options.length;
}

/** Seconds until the poll closes (never negative); null without a countdown. */
export function remainingSeconds(poll: Pick<Poll, 'state' | 'closes_at'>, now: number): number | null {
  if (poll.state !== 'open' || !poll.closes_at) return null;
  return Math.max(0, Math.ceil((poll.closes_at - now) / 1000));
}

/** `m:ss`, or `h:mm:ss` from one hour. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Whether a set of choices is a valid vote for the poll. */
export function validVote(poll: Pick<Poll, 'multiple' | 'options'>, choices: readonly number[]): boolean {
  const inRange = choices.every((c) => Number.isInteger(c) && c >= 0 && c < poll.options.length);
  const distinct = new Set(choices).size === choices.length;
  if (!inRange || !distinct) return false;
  return poll.multiple ? choices.length >= 1 : choices.length === 1;
}

export function stateLabel(state: PollState): MessageKey {
  return `poll.state.${state}`;
}

export interface PollDraft {
  question: string;
  options: string[];
  multiple: boolean;
  anonymous: boolean;
  hideResults: boolean;
  /** Seconds as typed (empty: no countdown). */
  duration: string;
}

export function emptyDraft(): PollDraft {
  return { question: '', options: ['', ''], multiple: false, anonymous: true, hideResults: false, duration: '' };
}

/** The first problem of a draft (a message key), or null when it can be sent. */
export function draftProblem(d: PollDraft): MessageKey | null {
  const q = d.question.trim();
  if (!q) return 'poll.err.question';
  if (Array.from(q).length > MAX_QUESTION) return 'poll.err.questionLong';
  const opts = d.options.map((o) => o.trim()).filter(Boolean);
  if (opts.length < MIN_OPTIONS) return 'poll.err.fewOptions';
  if (opts.length > MAX_OPTIONS) return 'poll.err.manyOptions';
  if (opts.some((o) => Array.from(o).length > MAX_OPTION)) return 'poll.err.optionLong';
  if (new Set(opts.map((o) => o.toLocaleLowerCase('de'))).size !== opts.length) return 'poll.err.duplicate';
  if (d.duration.trim()) {
    const n = Number(d.duration.trim());
    if (!Number.isInteger(n) || n < MIN_DURATION || n > MAX_DURATION) return 'poll.err.duration';
  }
  return null;
}

/** The request body of a valid draft. */
export function draftToInput(d: PollDraft, where: { group_id?: string; room_id?: string }, open: boolean) {
  const duration = d.duration.trim() ? Number(d.duration.trim()) : undefined;
  return {
    ...where,
    question: d.question.trim(),
    options: d.options.map((o) => o.trim()).filter(Boolean),
    multiple: d.multiple,
    anonymous: d.anonymous,
    hide_results: d.hideResults,
    ...(duration !== undefined ? { duration_seconds: duration } : {}),
    open,
  };
}
