// One quick poll: question and state, the vote form, live result bars (over the hub, applied by version),
// the countdown, and the owner's open / close / CSV / delete actions.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Me } from '../api';
import { eventName, pollApi, type Poll, type PollEvent } from '../chatApi';
import { Badge, ErrorBox, useNow } from '../components';
import { useTopic } from '../hub';
import { formatDateTime, useI18n } from '../i18n';
import { applyResults, applyState, formatCountdown, mergePoll, percentages, remainingSeconds, resultsVisible, validVote } from '../pollLogic';

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
      if (err instanceof ApiError && err.code === 'poll_closed') refetch();
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
