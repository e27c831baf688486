// The editor header's live parts: who is in the document now (avatars in author colours), the
// "gespeichert / wird gespeichert … / offline" indicator, and the banner for a closed connection.
import { useEffect, useState } from 'preact/hooks';
import type { Awareness } from 'y-protocols/awareness';
import { initials } from '../components';
import { useI18n } from '../i18n';
import { closeMessageKey } from './closeCodes';
import { presentUsers, type AwarenessUser } from './presenceColors';
import { saveStateOf } from './saveTracking';
import type { LiveStatus } from './useLiveDocument';

export function Presence({ awareness, selfId }: { awareness: Awareness; selfId: string }) {
  const { t } = useI18n();
  const [users, setUsers] = useState<AwarenessUser[]>([]);
  useEffect(() => {
    const update = () => setUsers(presentUsers(awareness.getStates().values(), selfId));
    update();
    awareness.on('change', update);
    return () => awareness.off('change', update);
  }, [awareness, selfId]);
  return (
    <ul class="presence" aria-label={t('doc.presence')} data-testid="presence" data-count={users.length}>
      {users.map((u) => {
        const label = u.id === selfId ? t('doc.you', { name: u.name }) : u.name;
        return (
          <li key={u.id} class="presence-avatar" style={{ background: u.color }} title={label} data-testid="presence-user" data-user-id={u.id}>
            <span aria-hidden="true">{initials(u.name)}</span>
            <span class="sr-only">{label}</span>
          </li>
        );
      })}
    </ul>
  );
}

export function SaveIndicator({ status, readOnly }: { status: LiveStatus; readOnly: boolean }) {
  const { t } = useI18n();
  if (readOnly) {
    return (
      <span class="save-state save-readonly" data-testid="save-state" data-state="readonly">
        {t('doc.access.read')}
      </span>
    );
  }
  if (status.connection === 'connecting' && !status.synced && status.closeCode === null) {
    return (
      <span class="save-state save-connecting" role="status" data-testid="save-state" data-state="connecting">
        {t('doc.state.connecting')}
      </span>
    );
  }
  const state = saveStateOf(status.connection === 'connected', status.unsaved);
  const text =
    state === 'offline' ? t(status.unsaved ? 'doc.state.offlineUnsaved' : 'doc.state.offline') : t(`doc.state.${state}`);
  return (
    <span class={`save-state save-${state}`} role="status" aria-live="polite" data-testid="save-state" data-state={state}>
      <span class="save-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

/** The message for the last close of the connection; final closes offer reloading the page. */
export function CloseBanner({ status }: { status: LiveStatus }) {
  const { t } = useI18n();
  if (status.closeCode === null) return null;
  const key = closeMessageKey(status.closeCode);
  if (!key) return null;
  return (
    <div class={status.final ? 'alert alert-error doc-closed' : 'alert alert-warning doc-closed'} role="alert" data-testid="doc-closed" data-code={status.closeCode}>
      <span>{t(key, { code: status.closeCode })}</span>
      {status.final && (
        <button type="button" class="btn btn-small" onClick={() => location.reload()}>
          {t('doc.reload')}
        </button>
      )}
    </div>
  );
}
