// Quick polls ("Schnellumfragen") inside a chat room or on a group page: list, create dialog, vote card,
// live bar chart (results over the hub, applied by version), countdown, and the owner's open/close/CSV.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Me } from '../api';
import { eventName, pollApi, type Poll, type PollEvent, type PollInput } from '../chatApi';
import { Badge, ErrorBox, Loading, Modal, useNow } from '../components';
import { useTopic } from '../hub';
import { formatDateTime, useI18n } from '../i18n';
import {
  applyResults,
  applyState,
  draftProblem,
  draftToInput,
  emptyDraft,
  formatCountdown,
  MAX_DURATION,
  MAX_OPTIONS,
  MIN_DURATION,
  MIN_OPTIONS,
  mergePoll,
  percentages,
  remainingSeconds,
  resultsVisible,
  validVote,
  type PollDraft,
} from '../pollLogic';

type Where = { group_id: string } | { room_id: string };

/** Open polls and drafts first (newest first), then closed ones. */
export function orderPolls(polls: readonly Poll[]): Poll[] {
  const rank = { open: 0, draft: 1, closed: 2 } as const;
  return [...polls].sort((a, b) => rank[a.state] - rank[b.state] || b.created_at - a.created_at);
}

const CLOSED_SHOWN = 3;

export function PollSection(props: { me: Me; where: Where; canCreate: boolean; reloadKey: number; compact?: boolean }) {
  const { me, where, canCreate, reloadKey, compact } = props;
  const { t } = useI18n();
  const [polls, setPolls] = useState<Poll[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [allClosed, setAllClosed] = useState(false);
  const whereKey = 'group_id' in where ? `g:${where.group_id}` : `r:${where.room_id}`;

  const load = useCallback(() => {
    pollApi.list(where).then(
      (r) => {
        setPolls((cur) => r.polls.map((p) => mergePoll(cur?.find((c) => c.id === p.id), p)));
        setError(null);
      },
      (e) => setError(e),
    );
  }, [whereKey]);
  useEffect(load, [load, reloadKey]);

  const replace = useCallback((p: Poll) => setPolls((ps) => (ps ? ps.map((x) => (x.id === p.id ? p : x)) : ps)), []);
  const remove = useCallback((id: string) => setPolls((ps) => (ps ? ps.filter((x) => x.id !== id) : ps)), []);

  const ordered = orderPolls(polls ?? []);
  const closed = ordered.filter((p) => p.state === 'closed');
  const active = ordered.filter((p) => p.state !== 'closed');
  const shown = [...active, ...(allClosed ? closed : closed.slice(0, compact ? 1 : CLOSED_SHOWN))];

  if (compact && polls !== null && polls.length === 0 && !canCreate && !error) return null;

  return (
    <section class={compact ? 'poll-section compact' : 'poll-section card'} aria-labelledby={`polls-${whereKey}`} data-testid="poll-section">
      <div class="poll-section-head">
        <h2 id={`polls-${whereKey}`}>
          {t('poll.title')} {polls && polls.length > 0 && <span class="muted">({polls.length})</span>}
        </h2>
        {canCreate && (
          <button type="button" class="btn btn-small btn-primary" onClick={() => setCreating(true)} data-testid="poll-create">
            {t('poll.create')}
          </button>
        )}
      </div>
      <ErrorBox error={error} />
      {polls === null && !error ? (
        <Loading />
      ) : polls && polls.length === 0 ? (
        compact ? null : <p class="empty">{t('poll.none')}</p>
      ) : (
        <div class="poll-list">
          {shown.map((p) => (
            <PollCard key={p.id} me={me} poll={p} onChanged={replace} onDeleted={() => remove(p.id)} />
          ))}
          {closed.length > shown.length - active.length && (
            <button type="button" class="btn btn-link btn-small" onClick={() => setAllClosed(true)}>
              {t('poll.showClosed', { n: closed.length })}
            </button>
          )}
        </div>
      )}
      {creating && (
        <PollDialog
          where={where}
          onClose={() => setCreating(false)}
          onCreated={(p) => {
            setCreating(false);
            setPolls((ps) => [p, ...(ps ?? []).filter((x) => x.id !== p.id)]);
          }}
        />
      )}
    </section>
  );
}

// =============================================================================================
// One poll

export function PollCard(props: { me: Me; poll: Poll; onChanged: (p: Poll) => void; onDeleted: () => void }) {
  const { me, onChanged, onDeleted } = props;
  const { t, lang } = useI18n();
  const [poll, setPoll] = useState<Poll>(props.poll);
  const pollRef = useRef(poll);
  pollRef.current = poll;
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [choices, setChoices] = useState<number[]>(props.poll.my_vote ?? []);
  const [voted, setVoted] = useState(false);
  const isOwner = poll.owner_id === me.user.id;

  // A new copy from the list (reload) replaces ours unless our live results are newer.
  useEffect(() => {
    setPoll((cur) => (cur === props.poll ? cur : mergePoll(cur, props.poll)));
  }, [props.poll]);

  const update = (fn: (p: Poll) => Poll) => setPoll(fn);

  const refetch = useCallback(() => {
    pollApi.get(pollRef.current.id).then(
      (fresh) => setPoll((cur) => mergePoll(cur, fresh)),
      () => {
        // The list reload will tell (e.g. the poll was deleted).
      },
    );
  }, []);

  const live = poll.state === 'open';
  useTopic(live ? `poll:${poll.id}` : null, {
    message: (body) => {
      const ev = body as PollEvent;
      if (eventName(body) === 'results' && ev.event === 'results') update((p) => applyResults(p, ev));
      else if (eventName(body) === 'state' && ev.event === 'state') {
        update((p) => applyState(p, ev));
        if (ev.state === 'closed') refetch();
      }
    },
    subscribed: () => refetch(),
    resync: () => refetch(),
  });
  // With hidden results the owner gets the counts on the own user topic.
  useTopic(live && isOwner && poll.hide_results ? `user:${me.user.id}` : null, {
    message: (body) => {
      const ev = body as PollEvent;
      if (eventName(body) === 'results' && ev.event === 'results' && ev.poll_id === pollRef.current.id) update((p) => applyResults(p, ev));
    },
  });

  // Tell the list about our state (so that ordering follows opened/closed).
  const lastState = useRef(poll.state);
  useEffect(() => {
    if (lastState.current !== poll.state) {
      lastState.current = poll.state;
      onChanged(poll);
    }
  }, [poll, onChanged]);

  // Countdown; at zero the server closes the poll: ask again if no event came.
  const now = useNow(1000, live && !!poll.closes_at);
  const remaining = remainingSeconds(poll, now);
  useEffect(() => {
    if (remaining !== 0) return;
    const timer = setTimeout(refetch, 2000);
    return () => clearTimeout(timer);
  }, [remaining, refetch]);

  const act = async (fn: () => Promise<Poll | void>) => {
    setBusy(true);
    setError(null);
    try {
      const p = await fn();
      if (p) setPoll((cur) => mergePoll(cur, p));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const vote = async (e: Event) => {
    e.preventDefault();
    if (!validVote(poll, choices)) return;
    setBusy(true);
    setError(null);
    try {
      const r = await pollApi.vote(poll.id, choices);
      setPoll((p) => ({ ...p, my_vote: r.my_vote }));
      setVoted(true);
    } catch (err) {
      setError(err);
      if (err instanceof Error && (err as { code?: string }).code === 'poll_closed') refetch();
    } finally {
      setBusy(false);
    }
  };

  const toggle = (i: number) => {
    setVoted(false);
    if (poll.multiple) setChoices((c) => (c.includes(i) ? c.filter((x) => x !== i) : [...c, i].sort((a, b) => a - b)));
    else setChoices([i]);
  };

  const showResults = resultsVisible(poll);
  const pct = poll.results ? percentages(poll.results) : [];
  const voters = poll.results?.voters ?? null;
  const canVote = poll.state === 'open';
  const changed = (poll.my_vote ?? []).join(',') !== choices.join(',');

  return (
    <article class={`poll-card poll-${poll.state}`} data-testid="poll-card" data-poll-id={poll.id} data-state={poll.state} aria-labelledby={`pq-${poll.id}`}>
      <header class="poll-head">
        <h3 id={`pq-${poll.id}`} class="poll-question" data-testid="poll-question">
          {poll.question}
        </h3>
        <div class="poll-meta small muted">
          <Badge kind={`poll-${poll.state}`}>{t(`poll.state.${poll.state}`)}</Badge>
          <span>{t('poll.by', { name: isOwner ? t('chat.you') : poll.owner_name })}</span>
          <span>{poll.multiple ? t('poll.multiple') : t('poll.single')}</span>
          <span>{poll.anonymous ? t('poll.anonymous') : t('poll.named')}</span>
          {remaining !== null && (
            <span class="poll-countdown" data-testid="poll-countdown" role="timer">
              {t('poll.remaining', { time: formatCountdown(remaining) })}
            </span>
          )}
          {poll.state === 'closed' && poll.closed_at && <span>{t('poll.closedAt', { at: formatDateTime(lang, poll.closed_at) })}</span>}
        </div>
      </header>

      {canVote && (
        <form class="poll-vote" onSubmit={vote} data-testid="poll-vote-form">
          <fieldset>
            <legend class="sr-only">{poll.question}</legend>
            {poll.options.map((o, i) => (
              <label key={i} class="check poll-option" data-testid="poll-vote-option" data-index={i}>
                <input
                  type={poll.multiple ? 'checkbox' : 'radio'}
                  name={`vote-${poll.id}`}
                  value={String(i)}
                  checked={choices.includes(i)}
                  onChange={() => toggle(i)}
                />
                <span>{o}</span>
              </label>
            ))}
          </fieldset>
          <div class="row poll-vote-actions">
            <button type="submit" class="btn btn-primary btn-small" disabled={busy || !validVote(poll, choices) || (!changed && !!poll.my_vote)} data-testid="poll-vote">
              {poll.my_vote ? t('poll.changeVote') : t('poll.vote')}
            </button>
            {poll.my_vote && (
              <span class="muted small" data-testid="poll-my-vote" role="status">
                {voted ? t('poll.voteSaved') : t('poll.youVoted')}
              </span>
            )}
          </div>
        </form>
      )}

      {poll.state !== 'draft' &&
        (showResults ? (
          <ResultBars poll={poll} pct={pct} />
        ) : (
          <p class="muted small" data-testid="poll-hidden">
            {poll.state === 'closed' ? t('poll.noResults') : t('poll.hiddenUntilClose')}
          </p>
        ))}
      {poll.state !== 'draft' && voters !== null && (
        <p class="muted small" data-testid="poll-voters-count" data-voters={voters}>
          {voters === 1 ? t('poll.votersOne') : t('poll.voters', { n: voters })}
        </p>
      )}
      {poll.state === 'draft' && <p class="muted small">{t('poll.draftHint')}</p>}

      {isOwner && poll.voters_by_option && poll.state === 'closed' && !poll.anonymous && (
        <details class="poll-voters" data-testid="poll-voters">
          <summary>{t('poll.whoVoted')}</summary>
          <ul>
            {poll.options.map((o, i) => (
              <li key={i}>
                <strong>{o}:</strong> {(poll.voters_by_option?.[i] ?? []).map((u) => u.display_name).join(', ') || '–'}
              </li>
            ))}
          </ul>
        </details>
      )}

      <ErrorBox error={error} />
      {isOwner && (
        <div class="row poll-owner">
          {poll.state === 'draft' && (
            <button type="button" class="btn btn-primary btn-small" disabled={busy} onClick={() => act(() => pollApi.open(poll.id))} data-testid="poll-open">
              {t('poll.open')}
            </button>
          )}
          {poll.state === 'open' && (
            <button type="button" class="btn btn-small" disabled={busy} onClick={() => act(() => pollApi.close(poll.id))} data-testid="poll-close">
              {t('poll.close')}
            </button>
          )}
          {poll.state === 'closed' && (
            <a class="btn btn-small" href={pollApi.csvUrl(poll.id)} download data-testid="poll-csv">
              {t('poll.csv')}
            </a>
          )}
          {poll.state !== 'open' && (
            <button
              type="button"
              class="btn btn-small btn-danger-outline"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  await pollApi.remove(poll.id);
                  onDeleted();
                })
              }
              data-testid="poll-delete"
            >
              {t('poll.delete')}
            </button>
          )}
        </div>
      )}
    </article>
  );
}

function ResultBars({ poll, pct }: { poll: Poll; pct: number[] }) {
  const { t } = useI18n();
  const counts = poll.results?.counts ?? [];
  const max = Math.max(0, ...counts);
  return (
    <ul class="poll-bars" data-testid="poll-results" aria-label={t('poll.results')}>
      {poll.options.map((o, i) => {
        const count = counts[i] ?? 0;
        const mine = poll.my_vote?.includes(i) ?? false;
        return (
          <li key={i} class={count > 0 && count === max ? 'poll-bar lead' : 'poll-bar'} data-testid="poll-bar" data-index={i} data-count={count}>
            <div class="poll-bar-label">
              <span>
                {o}
                {mine && <span class="sr-only"> ({t('poll.yourChoice')})</span>}
                {mine && <span aria-hidden="true"> ✓</span>}
              </span>
              <span class="poll-bar-num" data-testid="poll-bar-count">
                {count} · {pct[i] ?? 0} %
              </span>
            </div>
            <Bar percent={pct[i] ?? 0} />
          </li>
        );
      })}
    </ul>
  );
}

/** A bar whose width is a CSS custom property set from script (CSP-safe), so it animates smoothly. */
function Bar({ percent }: { percent: number }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    ref.current?.style.setProperty('--pct', `${Math.max(0, Math.min(100, percent))}%`);
  }, [percent]);
  return (
    <div class="poll-bar-track" aria-hidden="true">
      <div class="poll-bar-fill" ref={ref} />
    </div>
  );
}

// =============================================================================================
// Create dialog

function PollDialog({ where, onClose, onCreated }: { where: Where; onClose: () => void; onCreated: (p: Poll) => void }) {
  const { t } = useI18n();
  const [d, setD] = useState<PollDraft>(emptyDraft);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<PollDraft>) => {
    setProblem(null);
    setD((cur) => ({ ...cur, ...patch }));
  };
  const setOption = (i: number, value: string) => set({ options: d.options.map((o, j) => (j === i ? value : o)) });

  const submit = async (open: boolean) => {
    const p = draftProblem(d);
    if (p) {
      setProblem(t(p, { min: MIN_OPTIONS, max: MAX_OPTIONS, dmin: MIN_DURATION, dmax: MAX_DURATION }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const input: PollInput = draftToInput(d, where, open);
      onCreated(await pollApi.create(input));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={t('poll.create')} onClose={onClose} data-testid="poll-dialog" wide>
      <form
        class="poll-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit(true);
        }}
      >
        <div class="field">
          <label for="poll-question">{t('poll.question')}</label>
          <textarea id="poll-question" rows={2} maxLength={500} value={d.question} onInput={(e) => set({ question: e.currentTarget.value })} data-testid="poll-question-input" />
        </div>
        <fieldset class="poll-options-edit">
          <legend>{t('poll.options')}</legend>
          {d.options.map((o, i) => (
            <div key={i} class="option-row">
              <label class="sr-only" for={`poll-opt-${i}`}>
                {t('poll.optionN', { n: i + 1 })}
              </label>
              <input
                id={`poll-opt-${i}`}
                maxLength={200}
                value={o}
                placeholder={t('poll.optionN', { n: i + 1 })}
                onInput={(e) => setOption(i, e.currentTarget.value)}
                data-testid="poll-option-input"
              />
              {d.options.length > MIN_OPTIONS && (
                <button
                  type="button"
                  class="btn btn-ghost btn-small"
                  aria-label={t('poll.removeOption', { n: i + 1 })}
                  onClick={() => set({ options: d.options.filter((_, j) => j !== i) })}
                >
                  ×
                </button>
              )}
            </div>
          ))}
          {d.options.length < MAX_OPTIONS && (
            <button type="button" class="btn btn-small" onClick={() => set({ options: [...d.options, ''] })} data-testid="poll-add-option">
              {t('poll.addOption')}
            </button>
          )}
        </fieldset>
        <fieldset class="poll-settings">
          <legend>{t('poll.settings')}</legend>
          <label class="check">
            <input type="radio" name="poll-multiple" checked={!d.multiple} onChange={() => set({ multiple: false })} />
            {t('poll.single')}
          </label>
          <label class="check">
            <input type="radio" name="poll-multiple" checked={d.multiple} onChange={() => set({ multiple: true })} />
            {t('poll.multiple')}
          </label>
          <label class="check">
            <input type="checkbox" checked={d.anonymous} onChange={(e) => set({ anonymous: e.currentTarget.checked })} />
            {t('poll.anonymousLong')}
          </label>
          <label class="check">
            <input type="checkbox" checked={d.hideResults} onChange={(e) => set({ hideResults: e.currentTarget.checked })} />
            {t('poll.hideResultsLong')}
          </label>
          <div class="field">
            <label for="poll-duration">{t('poll.duration')}</label>
            <input
              id="poll-duration"
              type="number"
              inputMode="numeric"
              min={MIN_DURATION}
              max={MAX_DURATION}
              step={1}
              value={d.duration}
              placeholder={t('poll.durationPlaceholder')}
              onInput={(e) => set({ duration: e.currentTarget.value })}
              data-testid="poll-duration"
            />
          </div>
        </fieldset>
        {problem && (
          <div class="alert alert-error" role="alert" data-testid="error">
            {problem}
          </div>
        )}
        <ErrorBox error={error} />
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="button" class="btn" disabled={busy} onClick={() => submit(false)} data-testid="poll-save-draft">
            {t('poll.saveDraft')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="poll-start">
            {t('poll.startNow')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
