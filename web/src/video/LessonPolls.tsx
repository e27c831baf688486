// The lesson's "Schnellumfrage" panel: the quick polls of the lesson's group, drawn by the polls' own
// PollSection (create as teacher — question and options —, open, vote, live results). It stays mounted for
// the whole lesson and follows the group topic (`group:<id>`, where polls opening and closing are announced),
// so the control bar can point pupils to a poll that was just started; it reports itself unavailable when
// the polls module is off (403 module_disabled) or the group is not mine.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Me } from '../api';
import { eventName, pollApi } from '../chatApi';
import { ErrorBox } from '../components';
import { useTopic } from '../hub';
import { useI18n } from '../i18n';
import { PollSection } from '../pages/Polls';
import { panelUnavailable, pollsAwaitingMe } from './extras';

export function LessonPolls(props: {
  me: Me;
  groupId: string;
  canCreate: boolean;
  open: boolean;
  onAwaiting: (n: number) => void;
  onUnavailable: () => void;
}) {
  const { me, groupId, canCreate, open, onAwaiting, onUnavailable } = props;
  const { t } = useI18n();
  const [reload, setReload] = useState(0);
  const [error, setError] = useState<unknown>(null);

  // The open polls that wait for my vote (the button's badge); asked again on every announcement.
  const count = useCallback(() => {
    pollApi.list({ group_id: groupId }).then(
      (r) => {
        setError(null);
        onAwaiting(pollsAwaitingMe(r.polls, me.user.id));
      },
      (err) => (panelUnavailable(err) ? onUnavailable() : setError(err)),
    );
  }, [groupId, me.user.id, onAwaiting, onUnavailable]);
  useEffect(count, [count, reload, open]);

  useTopic(`group:${groupId}`, {
    message: (body) => {
      if (eventName(body) === 'poll') setReload((n) => n + 1);
    },
    resync: () => setReload((n) => n + 1),
  });

  if (!open) return null;
  return (
    <aside class="vpanel lesson-polls" data-testid="video-polls">
      <ErrorBox error={error} />
      <PollSection me={me} where={{ group_id: groupId }} canCreate={canCreate} reloadKey={reload} compact />
      {!canCreate && <p class="muted small">{t('video.polls.pupilHint')}</p>}
    </aside>
  );
}
