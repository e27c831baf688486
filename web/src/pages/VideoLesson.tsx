// Page `/video/<group>`: the video lesson of one of my groups — the pre-join screen first, then the lesson.
// A guest invited from outside the group comes here by the link the moderator sent (the server's `connect`
// decides whether they may join). It owns the tab's LocalMedia (opened with the defaults: pupils start muted,
// and with the camera off when the school says so) and stops every device when it is left.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { ErrorBox, Link, Loading, useLoad } from '../components';
import { useI18n } from '../i18n';
import { videoApi } from '../video/api';
import { Lesson } from '../video/Lesson';
import { LocalMedia } from '../video/media';
import { PreJoin } from '../video/PreJoin';
import { useVideoSession } from '../video/useVideoSession';
import '../video/video.css';

/** Opens camera and microphone as the defaults say; failures stay in media.error for the pre-join screen. */
async function openDefaults(media: LocalMedia, isPupil: boolean): Promise<void> {
  let cameraOff = false;
  if (isPupil) {
    cameraOff = await videoApi.settings().then(
      (s) => s.pupil_camera_off,
      () => false,
    );
  }
  if (!isPupil) await media.setMic(true).catch(() => {});
  if (!cameraOff) await media.setCamera(true).catch(() => {});
}

export function VideoLessonPage({ me, group }: { me: Me; group: string }) {
  const { t } = useI18n();
  const groups = useLoad(() => api.myGroups(), []);
  const media = useMemo(() => new LocalMedia(), []);
  const isPupil = me.user.role === 'pupil';
  const [stage, setStage] = useState<'prejoin' | 'lesson'>('prejoin');
  const [round, setRound] = useState(0);
  const handle = useVideoSession(group, media, isPupil, stage === 'lesson', round);

  useEffect(() => {
    void openDefaults(media, isPupil);
    return () => media.stopAll();
  }, [media, isPupil]);

  const info = groups.data?.find((g) => g.id === group) ?? null;
  // Guests have no group page: their way back is the dashboard.
  const groupHref = info ? `/groups/${encodeURIComponent(group)}` : '/';
  if (groups.loading && !groups.data) return <Loading />;
  if (groups.error) return <ErrorBox error={groups.error} />;
  const title = info ? `${t('video.title')} · ${info.name}` : t('video.title');

  return (
    <div class="page video-page" data-testid="video-page">
      <p>
        <Link href={groupHref} class="back-link">
          {info ? t('video.back') : t('group.back')}
        </Link>
      </p>
      {!info && stage === 'prejoin' && <p class="muted" data-testid="video-guest">{t('video.guest')}</p>}
      {stage === 'prejoin' ? (
        <PreJoin media={media} title={title} joining={false} onJoin={() => setStage('lesson')} />
      ) : (
        <>
          <h1 class="sr-only">{title}</h1>
          <Lesson
            me={me}
            group={group}
            membership={info}
            session={handle.session}
            snap={handle.snap}
            connectError={handle.connectError}
            media={media}
            groupHref={groupHref}
            onJoinAgain={() => setRound((n) => n + 1)}
          />
        </>
      )}
    </div>
  );
}
