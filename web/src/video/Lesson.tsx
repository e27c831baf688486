// The lesson view after "Beitreten": connection and waiting-room banners, the session's error and notices,
// the gallery, the control bar and the side panels (participants, chat, quick poll, moderation); the final
// screens after leaving, removal and the end. Chat and quick poll stay mounted while the lesson runs (their
// badges count what came while closed) and disappear when the school has their module off.
import { useCallback, useState } from 'preact/hooks';
import type { Me, MyGroup } from '../api';
import { Link, Loading } from '../components';
import { useI18n } from '../i18n';
import { Controls, type Panel } from './Controls';
import { videoErrorText } from './errors';
import { lessonExtras } from './extras';
import { Gallery } from './Gallery';
import { LessonChat } from './LessonChat';
import { LessonPolls } from './LessonPolls';
import type { LocalMedia } from './media';
import { ModeratorPanel } from './ModeratorPanel';
import { Participants } from './Participants';
import { useMediaVersion } from './PreJoin';
import type { Phase, SessionSnapshot, VideoSession } from './session';

function ErrorLine({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  const { lang, t } = useI18n();
  return (
    <div class="alert alert-error video-alert" role="alert" data-testid="video-error">
      <span>{videoErrorText(error, lang, t)}</span>
      {onDismiss && (
        <button type="button" class="btn btn-ghost btn-small" aria-label={t('video.dismiss')} onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}

/** What is left to show after the lesson is over for this tab. */
function Finished({ phase, error, groupHref, onJoinAgain }: { phase: Phase; error: unknown; groupHref: string; onJoinAgain: () => void }) {
  const { t } = useI18n();
  const text = phase === 'ended' ? t('video.ended') : phase === 'removed' ? t('video.removed') : phase === 'left' ? t('video.left') : null;
  return (
    <section class="card narrow" data-testid="video-finished" data-phase={phase}>
      {text && <p data-testid="video-final-text">{text}</p>}
      {error ? <ErrorLine error={error} /> : null}
      <div class="row">
        {phase !== 'removed' && (
          <button type="button" class="btn btn-primary" onClick={onJoinAgain} data-testid="video-join-again">
            {t('video.joinAgain')}
          </button>
        )}
        <Link href={groupHref} class="btn">
          {groupHref === '/' ? t('group.back') : t('video.back')}
        </Link>
      </div>
    </section>
  );
}

export function Lesson(props: {
  me: Me;
  group: string;
  /** My membership of the lesson's group; null for a guest invited from outside the group. */
  membership: MyGroup | null;
  session: VideoSession | null;
  snap: SessionSnapshot | null;
  connectError: unknown;
  media: LocalMedia;
  groupHref: string;
  onJoinAgain: () => void;
}) {
  const { t } = useI18n();
  const { session, snap, media } = props;
  const [panel, setPanel] = useState<Panel>(null);
  const extras = lessonExtras(props.me, props.membership);
  const [chatOff, setChatOff] = useState(false);
  const [pollsOff, setPollsOff] = useState(false);
  const [chatUnread, setChatUnread] = useState(0);
  const [pollsAwaiting, setPollsAwaiting] = useState(0);
  const closeIf = (p: Panel) => setPanel((cur) => (cur === p ? null : cur));
  const hideChat = useCallback(() => {
    setChatOff(true);
    closeIf('chat');
  }, []);
  const hidePolls = useCallback(() => {
    setPollsOff(true);
    closeIf('polls');
  }, []);
  useMediaVersion(media);

  if (props.connectError) return <Finished phase="failed" error={props.connectError} groupHref={props.groupHref} onJoinAgain={props.onJoinAgain} />;
  if (!session || !snap || snap.phase === 'connecting') return <Loading />;
  if (['ended', 'removed', 'left', 'failed'].includes(snap.phase)) return <Finished phase={snap.phase} error={snap.error} groupHref={props.groupHref} onJoinAgain={props.onJoinAgain} />;

  const state = snap.state;
  const moderator = (state?.me.role ?? snap.role) === 'moderator';
  const mediaTrouble = snap.connection === 'failed' || snap.connection === 'disconnected';
  const leave = () => void session.leave();
  const chatRoom = chatOff ? null : extras.chatRoom;
  const pollGroup = pollsOff ? null : extras.pollGroup;

  return (
    <div class="lesson" data-testid="video-lesson" data-phase={snap.phase} data-connection={snap.connection}>
      {(snap.phase === 'reconnecting' || snap.phase === 'rejoin' || mediaTrouble) && (
        <div class="alert alert-warning" role="status" data-testid="video-reconnecting">
          {t('video.reconnecting')}
        </div>
      )}
      {snap.phase === 'waiting' && (
        <div class="alert alert-warning" role="status" data-testid="video-waiting-notice">
          {t('video.waiting')}
        </div>
      )}
      {state && state.me.room > 0 && <p class="muted">{t('video.breakoutYou', { n: state.me.room })}</p>}
      {snap.error ? <ErrorLine error={snap.error} onDismiss={() => session.dismiss()} /> : null}
      {snap.notice && (
        <div class="alert alert-warning video-alert" role="status" data-testid="video-notice">
          <span>{t(snap.notice)}</span>
          <button type="button" class="btn btn-ghost btn-small" aria-label={t('video.dismiss')} onClick={() => session.dismiss()}>
            ×
          </button>
        </div>
      )}
      <div class={panel ? 'lesson-main with-panel' : 'lesson-main'}>
        {state && snap.phase !== 'waiting' ? <Gallery session={session} state={state} media={media} tracksVersion={snap.tracksVersion} /> : <div class="gallery" />}
        {panel === 'participants' && state && <Participants session={session} state={state} />}
        {chatRoom && <LessonChat me={props.me} roomId={chatRoom} open={panel === 'chat'} onUnread={setChatUnread} onUnavailable={hideChat} />}
        {pollGroup && <LessonPolls me={props.me} groupId={pollGroup} canCreate={extras.canCreatePoll} open={panel === 'polls'} onAwaiting={setPollsAwaiting} onUnavailable={hidePolls} />}
        {panel === 'moderation' && state && moderator && <ModeratorPanel session={session} state={state} me={props.me} groupId={props.group} />}
      </div>
      <Controls
        session={session}
        state={state}
        media={media}
        moderator={moderator}
        chat={chatRoom ? { badge: chatUnread } : null}
        polls={pollGroup ? { badge: pollsAwaiting } : null}
        panel={panel}
        onPanel={setPanel}
        onLeave={leave}
      />
    </div>
  );
}
