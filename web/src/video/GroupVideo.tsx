// The video lesson card on a group page: "Videostunde beitreten" when `GET /api/video/lessons` lists a
// running lesson of the group, "Videostunde starten" for those who may lead one (teachers, admins, group
// leaders), a hint otherwise. The list is asked again every 20 s while the tab is visible.
import { useEffect } from 'preact/hooks';
import { ErrorBox, Link, useLoad } from '../components';
import { formatDateTime, useI18n } from '../i18n';
import { videoApi } from './api';

const REFRESH_MS = 20_000;

export function GroupVideo({ groupId, canStart }: { groupId: string; canStart: boolean }) {
  const { lang, t } = useI18n();
  const lessons = useLoad(() => videoApi.lessons(), [groupId]);
  const reload = lessons.reload;
  useEffect(() => {
    const h = setInterval(() => {
      if (!document.hidden) reload();
    }, REFRESH_MS);
    return () => clearInterval(h);
  }, [reload]);

  const running = lessons.data?.find((l) => l.group === groupId) ?? null;
  const href = `/video/${encodeURIComponent(groupId)}`;
  return (
    <section class="card" data-testid="group-video">
      <h2>{t('video.title')}</h2>
      <p class="muted">{t('video.groupIntro')}</p>
      {lessons.error ? <ErrorBox error={lessons.error} /> : null}
      {running ? (
        <>
          <p data-testid="video-running">{t('video.running', { time: formatDateTime(lang, running.started_at), n: running.participants })}</p>
          <Link href={href} class="btn btn-primary" data-testid="video-join-link">
            {t('video.joinLesson')}
          </Link>
        </>
      ) : canStart ? (
        <Link href={href} class="btn btn-primary" data-testid="video-start-link">
          {t('video.start')}
        </Link>
      ) : (
        <p class="empty">{t('video.notRunning')}</p>
      )}
    </section>
  );
}
