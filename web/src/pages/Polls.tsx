// Quick polls ("Schnellumfragen") inside a chat room or on a group page: the list of polls (open and drafts
// first, a few closed ones) with the create button; one poll is a PollCard, creating one is the PollDialog.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Me } from '../api';
import { pollApi, type Poll, type PollWhere } from '../chatApi';
import { ErrorBox, Loading } from '../components';
import { useI18n } from '../i18n';
import { mergePoll } from '../pollLogic';
import { PollCard } from '../polls/PollCard';
import { PollDialog } from '../polls/PollDialog';

/** Open polls and drafts first (newest first), then closed ones. */
export function orderPolls(polls: readonly Poll[]): Poll[] {
  const rank = { open: 0, draft: 1, closed: 2 } as const;
  return [...polls].sort((a, b) => rank[a.state] - rank[b.state] || b.created_at - a.created_at);
}

const CLOSED_SHOWN = 3;

export function PollSection(props: { me: Me; where: PollWhere; canCreate: boolean; reloadKey: number; compact?: boolean }) {
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
