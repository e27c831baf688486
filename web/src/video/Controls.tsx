// The lesson's control bar: microphone, camera, screen share, raise hand, the side panels (participants, chat
// and quick poll when the lesson offers them — with a badge for what came while closed —, moderation), and
// leave. Refusals (e.g. `video_unmute_not_allowed`) surface as the session's error.
import { useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { CameraIcon, ChatIcon, HandIcon, LeaveIcon, MicIcon, PeopleIcon, PollIcon, ScreenIcon } from './icons';
import type { LocalMedia } from './media';
import type { VideoState } from './protocol';
import type { VideoSession } from './session';

export type Panel = 'participants' | 'chat' | 'polls' | 'moderation' | null;

/** A side panel the lesson offers beside participants and moderation, with its badge (0: none). */
export interface ExtraPanel {
  badge: number;
}

export function Controls(props: {
  session: VideoSession;
  state: VideoState | null;
  media: LocalMedia;
  moderator: boolean;
  chat: ExtraPanel | null;
  polls: ExtraPanel | null;
  panel: Panel;
  onPanel: (p: Panel) => void;
  onLeave: () => void;
}) {
  const { t } = useI18n();
  const { session, state, media } = props;
  const [busy, setBusy] = useState<string | null>(null);
  const run = (what: string, fn: () => Promise<void>) => async () => {
    setBusy(what);
    try {
      await fn();
    } catch {
      // Shown by the session (its error) or the media (its error).
    } finally {
      setBusy(null);
    }
  };
  const me = state?.participants.find((p) => p.id === state.me.participant) ?? null;
  const handUp = me?.hand != null;
  const count = state?.participants.length ?? 0;
  const toggle = (p: Panel) => props.onPanel(props.panel === p ? null : p);

  return (
    <div class="controls" role="toolbar" aria-label={t('video.ctl.label')} data-testid="video-controls">
      <button type="button" class={media.micOn ? 'btn ctl on' : 'btn ctl off'} aria-pressed={media.micOn} disabled={busy === 'mic'} onClick={run('mic', () => session.setMic(!media.micOn))} data-testid="video-mic">
        <MicIcon off={!media.micOn} /> {media.micOn ? t('video.micOn') : t('video.micOff')}
      </button>
      <button type="button" class={media.cameraOn ? 'btn ctl on' : 'btn ctl off'} aria-pressed={media.cameraOn} disabled={busy === 'camera'} onClick={run('camera', () => session.setCamera(!media.cameraOn))} data-testid="video-camera">
        <CameraIcon off={!media.cameraOn} /> {media.cameraOn ? t('video.cameraOn') : t('video.cameraOff')}
      </button>
      <button type="button" class={media.screen ? 'btn ctl on' : 'btn ctl'} aria-pressed={media.screen !== null} disabled={busy === 'screen'} onClick={run('screen', async () => (media.screen ? session.stopScreen() : session.startScreen()))} data-testid="video-share">
        <ScreenIcon /> {media.screen ? t('video.ctl.shareStop') : t('video.ctl.shareStart')}
      </button>
      <button type="button" class={handUp ? 'btn ctl on' : 'btn ctl'} aria-pressed={handUp} disabled={busy === 'hand' || !state} onClick={run('hand', () => session.raiseHand(!handUp))} data-testid="video-hand">
        <HandIcon /> {handUp ? t('video.ctl.lowerHand') : t('video.ctl.raiseHand')}
      </button>
      <span class="controls-sep" />
      <button type="button" class={props.panel === 'participants' ? 'btn ctl on' : 'btn ctl'} aria-pressed={props.panel === 'participants'} onClick={() => toggle('participants')} data-testid="video-participants-toggle">
        <PeopleIcon /> {t('video.ctl.participants', { n: count })}
      </button>
      {props.chat && (
        <button type="button" class={props.panel === 'chat' ? 'btn ctl on' : 'btn ctl'} aria-pressed={props.panel === 'chat'} onClick={() => toggle('chat')} data-testid="video-chat-toggle">
          <ChatIcon /> {t('video.chat.title')}
          {props.chat.badge > 0 && (
            <span class="nav-badge" data-testid="video-chat-badge" aria-label={t('video.chat.unread', { n: props.chat.badge })}>
              {props.chat.badge}
            </span>
          )}
        </button>
      )}
      {props.polls && (
        <button type="button" class={props.panel === 'polls' ? 'btn ctl on' : 'btn ctl'} aria-pressed={props.panel === 'polls'} onClick={() => toggle('polls')} data-testid="video-polls-toggle">
          <PollIcon /> {t('video.polls.title')}
          {props.polls.badge > 0 && (
            <span class="nav-badge" data-testid="video-polls-badge" aria-label={t('video.polls.awaiting', { n: props.polls.badge })}>
              {props.polls.badge}
            </span>
          )}
        </button>
      )}
      {props.moderator && (
        <button type="button" class={props.panel === 'moderation' ? 'btn ctl on' : 'btn ctl'} aria-pressed={props.panel === 'moderation'} onClick={() => toggle('moderation')} data-testid="video-moderation-toggle">
          {t('video.ctl.moderation')}
          {state && state.waiting.length > 0 && <span class="nav-badge">{state.waiting.length}</span>}
        </button>
      )}
      <button type="button" class="btn btn-danger ctl" onClick={props.onLeave} data-testid="video-leave">
        <LeaveIcon /> {t('video.ctl.leave')}
      </button>
    </div>
  );
}
