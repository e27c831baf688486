// The dashboard's "Videostunden" card: the lessons running in my groups (`GET /api/video/lessons`), each with
// its group, since when and how many take part, and a "Beitreten" link to `/video/<group>`. Asked again every
// 20 s while the tab is visible; shown only when the school has the video module on (the dashboard decides).
import { useEffect } from 'preact/hooks';
import { ErrorBox, Link, Loading, useLoad } from '../components';
import { formatDateTime, useI18n } from '../i18n';
import { videoApi } from './api';

const REFRESH_MS = 20_000;

export function RunningLessons() {
  const { lang, t } = useI18n();
  const lessons = useLoad(() => videoApi.lessons(), []);
  const reload = lessons.reload;
  useEffect(() => {
    const h = setInterval(() => {
      if (!document.hidden) reload();
    }, REFRESH_MS);
    return () => clearInterval(h);
  }, [reload]);

  const running = [...(lessons.data ?? [])].sort((a, b) => a.started_at - b.started_at);
  return (
    <section class="card" aria-labelledby="video-lessons-title" data-testid="running-lessons">
      <h2 id="video-lessons-title">{t('video.dash.title')}</h2>
      <ErrorBox error={lessons.error} />
      {lessons.loading && !lessons.data ? (
        <Loading />
      ) : running.length === 0 ? (
        <p class="empty">{t('video.dash.none')}</p>
      ) : (
        <ul class="tile-list">
          {running.map((l) => (
            <li key={l.group} class="tile" data-testid="running-lesson" data-group={l.group}>
              <span class="tile-title">{l.title}</span>
              <span class="tile-meta muted">{t('video.running', { time: formatDateTime(lang, l.started_at), n: l.participants })}</span>
              <Link href={`/video/${encodeURIComponent(l.group)}`} class="btn btn-primary btn-small running-join" data-testid="running-lesson-join">
                {t('video.join')}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
