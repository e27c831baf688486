// Page of one of my classes, courses or groups (for its members): the way into its chat room, its video lesson
// and its quick polls.
import { useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { eventName } from '../chatApi';
import { Badge, ErrorBox, Link, Loading, useLoad } from '../components';
import { useTopic } from '../hub';
import { useI18n } from '../i18n';
import { GroupVideo } from '../video/GroupVideo';
import { PollSection } from './Polls';

export function MyGroup({ me, id }: { me: Me; id: string }) {
  const { t } = useI18n();
  const groups = useLoad(() => api.myGroups(), []);
  const [pollReload, setPollReload] = useState(0);
  const modules = new Set(me.modules ?? []);
  const pollsOn = modules.has('polls');
  const chatOn = modules.has('messenger');
  const videoOn = modules.has('video') && me.user.status === 'active';
  const group = groups.data?.find((g) => g.id === id);

  // Polls opening and closing are announced on the group topic.
  useTopic(group && pollsOn ? `group:${id}` : null, {
    message: (body) => {
      if (eventName(body) === 'poll') setPollReload((n) => n + 1);
    },
    resync: () => setPollReload((n) => n + 1),
  });

  if (groups.loading && !groups.data) return <Loading />;
  if (groups.error) return <ErrorBox error={groups.error} />;
  if (!group) {
    return (
      <section class="card narrow">
        <p>{t('group.notMember')}</p>
        <Link href="/" class="btn btn-primary">
          {t('common.toDashboard')}
        </Link>
      </section>
    );
  }
  const canCreatePoll = group.my_role === 'leader' || me.user.role === 'teacher' || me.user.role === 'admin';
  const hasRoom = group.kind === 'class' || group.kind === 'course';

  return (
    <div class="page" data-testid="my-group-page">
      <p>
        <Link href="/" class="back-link">
          {t('group.back')}
        </Link>
      </p>
      <header class="page-head">
        <h1>
          {group.name} <Badge kind={group.kind}>{t(`kind.${group.kind}`)}</Badge>
        </h1>
        <p class="muted">
          {t(`mrole.${group.my_role}`)} ·{' '}
          {group.member_count === 1 ? t('dash.memberCountOne') : t('dash.memberCount', { n: group.member_count })}
        </p>
      </header>
      {chatOn && hasRoom && (
        <section class="card">
          <h2>{t('module.messenger')}</h2>
          <p class="muted">{t('group.chatIntro')}</p>
          <Link href={`/chat/${encodeURIComponent(group.id)}`} class="btn btn-primary" data-testid="group-chat-link">
            {t('group.openChat')}
          </Link>
        </section>
      )}
      {videoOn && <GroupVideo groupId={group.id} canStart={me.user.role === 'teacher' || me.user.role === 'admin'} />}
      {pollsOn && <PollSection me={me} where={{ group_id: group.id }} canCreate={canCreatePoll} reloadKey={pollReload} />}
      {!chatOn && !pollsOn && !videoOn && <p class="empty">{t('group.nothingHere')}</p>}
    </div>
  );
}
