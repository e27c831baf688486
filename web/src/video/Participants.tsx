// The participants panel: the hand queue (earliest hand first) and everybody in the lesson with muted icons
// and room; moderators get the per-person actions (mute, camera off, let speak, lower hand, remove).
import { useState } from 'preact/hooks';
import { Avatar, Badge } from '../components';
import { useI18n } from '../i18n';
import { handQueue } from './gallery';
import { CameraIcon, HandIcon, MicIcon } from './icons';
import type { VideoParticipant, VideoState } from './protocol';
import type { VideoSession } from './session';

function PersonActions({ session, p }: { session: VideoSession; p: VideoParticipant }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const act = (body: Record<string, unknown>) => () => void session.moderate(body).catch(() => {});
  if (confirming) {
    return (
      <div class="confirm" role="group">
        <span class="small">{t('video.mod.confirmRemove', { name: p.name })}</span>
        <button type="button" class="btn btn-small btn-danger" onClick={act({ op: 'remove', participant: p.id })} data-testid="video-remove-confirm">
          {t('video.mod.remove')}
        </button>
        <button type="button" class="btn btn-small" onClick={() => setConfirming(false)}>
          {t('common.cancel')}
        </button>
      </div>
    );
  }
  return (
    <div class="person-actions">
      {!p.audio_muted && (
        <button type="button" class="btn btn-small" onClick={act({ op: 'mute_participant', participant: p.id, kind: 'audio' })} data-testid="video-mute-person">
          {t('video.mod.mute')}
        </button>
      )}
      {!p.video_muted && (
        <button type="button" class="btn btn-small" onClick={act({ op: 'mute_participant', participant: p.id, kind: 'video' })}>
          {t('video.mod.cameraOff')}
        </button>
      )}
      {(p.hand !== null || p.audio_muted) && (
        <button type="button" class="btn btn-small" onClick={act({ op: 'allow_speak', participant: p.id })} data-testid="video-allow-speak">
          {t('video.mod.allowSpeak')}
        </button>
      )}
      {p.hand !== null && (
        <button type="button" class="btn btn-small" onClick={act({ op: 'lower_hand', participant: p.id })} data-testid="video-lower-hand">
          {t('video.mod.lowerHand')}
        </button>
      )}
      <button type="button" class="btn btn-small btn-danger-outline" onClick={() => setConfirming(true)} data-testid="video-remove">
        {t('video.mod.remove')}
      </button>
    </div>
  );
}

export function Participants({ session, state }: { session: VideoSession; state: VideoState }) {
  const { t } = useI18n();
  const moderator = state.me.role === 'moderator';
  const hands = handQueue(state.participants);
  const name = (p: VideoParticipant) => (p.id === state.me.participant ? t('video.you', { name: p.name }) : p.name);

  return (
    <aside class="vpanel" data-testid="video-participants">
      <h2>{t('video.hands')}</h2>
      {hands.length === 0 ? (
        <p class="muted small">{t('video.noHands')}</p>
      ) : (
        <ol class="hand-queue" data-testid="video-hand-queue">
          {hands.map((p) => (
            <li key={p.id} data-testid="video-hand-entry" data-name={p.name}>
              <HandIcon /> <span>{name(p)}</span>
              {moderator && p.id !== state.me.participant && (
                <span class="row">
                  <button type="button" class="btn btn-small" onClick={() => void session.moderate({ op: 'allow_speak', participant: p.id }).catch(() => {})}>
                    {t('video.mod.allowSpeak')}
                  </button>
                  <button type="button" class="btn btn-small" onClick={() => void session.moderate({ op: 'lower_hand', participant: p.id }).catch(() => {})}>
                    {t('video.mod.lowerHand')}
                  </button>
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      <h2>{t('video.participants')}</h2>
      <ul class="plain-list person-list">
        {state.participants.map((p) => (
          <li key={p.id} class="person" data-testid="video-participant" data-name={p.name} data-participant={p.id}>
            <div class="person-head">
              <Avatar name={p.name} small />
              <span class="person-name">{name(p)}</span>
              {p.role === 'moderator' && <Badge kind="leader">{t('video.moderator')}</Badge>}
              {p.room > 0 && <Badge>{t('video.roomN', { n: p.room })}</Badge>}
              {p.audio_muted && (
                <span class="vtile-icon" title={t('video.icon.audioMuted')} data-testid="person-audio-muted">
                  <MicIcon off />
                </span>
              )}
              {p.video_muted && (
                <span class="vtile-icon" title={t('video.icon.videoMuted')}>
                  <CameraIcon off />
                </span>
              )}
              {p.hand !== null && (
                <span class="vtile-icon hand" title={t('video.icon.hand')} data-testid="person-hand">
                  <HandIcon />
                </span>
              )}
            </div>
            {moderator && p.id !== state.me.participant && p.role !== 'moderator' && <PersonActions session={session} p={p} />}
          </li>
        ))}
      </ul>
    </aside>
  );
}
