// The moderation panel (role moderator): the waiting room (admit, deny, admit all), mute all, whether pupils
// may unmute themselves, lock and waiting-room switches, breakout rooms (N rooms, filled round-robin; start,
// visit, end), inviting people from outside the group (InvitePanel) and ending the lesson for everyone.
import { useMemo, useState } from 'preact/hooks';
import type { Me } from '../api';
import { useI18n } from '../i18n';
import { breakoutCandidates, roundRobin } from './gallery';
import { InvitePanel } from './InvitePanel';
import type { VideoState } from './protocol';
import type { VideoSession } from './session';

function Switch({ label, checked, onChange, testId }: { label: string; checked: boolean; onChange: (v: boolean) => void; testId: string }) {
  return (
    <label class="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} data-testid={testId} />
      <span>{label}</span>
    </label>
  );
}

export function ModeratorPanel({ session, state, me, groupId }: { session: VideoSession; state: VideoState; me: Me; groupId: string }) {
  const { t } = useI18n();
  const present = useMemo(() => new Set(state.participants.map((p) => p.user)), [state.participants]);
  const [rooms, setRooms] = useState(2);
  const [confirmEnd, setConfirmEnd] = useState(false);
  const act = (body: Record<string, unknown>) => void session.moderate(body).catch(() => {});
  const lesson = state.lesson;
  const candidates = breakoutCandidates(state.participants);

  return (
    <aside class="vpanel" data-testid="video-moderation">
      <section>
        <h2>{t('video.mod.waiting')}</h2>
        {state.waiting.length === 0 ? (
          <p class="muted small">{t('video.mod.noneWaiting')}</p>
        ) : (
          <>
            <ul class="plain-list person-list" data-testid="video-waiting">
              {state.waiting.map((w) => (
                <li key={w.id} class="person" data-testid="video-waiting-entry" data-name={w.name}>
                  <span class="person-name">{w.name}</span>
                  <span class="row">
                    <button type="button" class="btn btn-small btn-primary" onClick={() => act({ op: 'admit', participant: w.id })} data-testid="video-admit">
                      {t('video.mod.admit')}
                    </button>
                    <button type="button" class="btn btn-small" onClick={() => act({ op: 'deny', participant: w.id })} data-testid="video-deny">
                      {t('video.mod.deny')}
                    </button>
                  </span>
                </li>
              ))}
            </ul>
            <button type="button" class="btn btn-small" onClick={() => act({ op: 'admit_all' })} data-testid="video-admit-all">
              {t('video.mod.admitAll')}
            </button>
          </>
        )}
      </section>

      <section>
        <h2>{t('video.mod.settings')}</h2>
        <p>
          <button type="button" class="btn" onClick={() => act({ op: 'mute_all' })} data-testid="video-mute-all">
            {t('video.mod.muteAll')}
          </button>
        </p>
        <div class="stack">
          <Switch label={t('video.mod.allowUnmute')} checked={lesson.pupils_may_unmute} onChange={(v) => act({ op: 'allow_unmute', allowed: v })} testId="video-allow-unmute" />
          <Switch label={t('video.mod.lock')} checked={lesson.locked} onChange={(v) => act({ op: 'lock', locked: v })} testId="video-lock" />
          <Switch label={t('video.mod.waitingRoom')} checked={lesson.waiting_room} onChange={(v) => act({ op: 'waiting_room', enabled: v })} testId="video-waiting-room" />
        </div>
      </section>

      <section>
        <h2>{t('video.mod.breakout')}</h2>
        {lesson.breakout_rooms > 0 ? (
          <>
            <p>{t('video.mod.breakoutRunning', { n: lesson.breakout_rooms })}</p>
            <div class="row wrap">
              {state.me.room > 0 && (
                <button type="button" class="btn btn-small" onClick={() => act({ op: 'visit', room: 0 })}>
                  {t('video.mod.mainRoom')}
                </button>
              )}
              {Array.from({ length: lesson.breakout_rooms }, (_, i) => i + 1)
                .filter((r) => r !== state.me.room)
                .map((r) => (
                  <button key={r} type="button" class="btn btn-small" onClick={() => act({ op: 'visit', room: r })} data-testid="video-visit">
                    {t('video.mod.visit', { n: r })}
                  </button>
                ))}
            </div>
            <p>
              <button type="button" class="btn" onClick={() => act({ op: 'breakout_end' })} data-testid="video-breakout-end">
                {t('video.mod.breakoutEnd')}
              </button>
            </p>
          </>
        ) : candidates.length === 0 ? (
          <p class="muted small">{t('video.mod.breakoutNobody')}</p>
        ) : (
          <div class="row">
            <label class="field inline">
              <span>{t('video.mod.breakoutCount')}</span>
              <input type="number" min={2} max={Math.max(2, candidates.length)} value={rooms} onInput={(e) => setRooms(Math.max(1, Number(e.currentTarget.value) || 1))} data-testid="video-breakout-count" />
            </label>
            <button type="button" class="btn" onClick={() => act({ op: 'breakout', rooms: roundRobin(candidates, rooms) })} data-testid="video-breakout-start">
              {t('video.mod.breakoutStart')}
            </button>
          </div>
        )}
      </section>

      <InvitePanel session={session} me={me} groupId={groupId} present={present} />

      <section>
        {confirmEnd ? (
          <div class="confirm" role="group">
            <span>{t('video.mod.confirmEnd')}</span>
            <button type="button" class="btn btn-danger" onClick={() => act({ op: 'end' })} data-testid="video-end-confirm">
              {t('video.mod.end')}
            </button>
            <button type="button" class="btn" onClick={() => setConfirmEnd(false)}>
              {t('common.cancel')}
            </button>
          </div>
        ) : (
          <button type="button" class="btn btn-danger-outline" onClick={() => setConfirmEnd(true)} data-testid="video-end">
            {t('video.mod.end')}
          </button>
        )}
      </section>
    </aside>
  );
}
