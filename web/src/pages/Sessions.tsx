// Page "Meine Sitzungen": the signed-in devices of the current user, each of which can be ended.
import { useState } from 'preact/hooks';
import { api, type Session } from '../api';
import { Badge, ErrorBox, Loading, useLoad } from '../components';
import { formatDateTime, useI18n } from '../i18n';

/** A short human description of a User-Agent string, e.g. "Firefox · Windows". */
export function describeUserAgent(ua: string | null): string | null {
  if (!ua) return null;
  const browser =
    /Edg\//.test(ua) ? 'Edge'
    : /OPR\//.test(ua) ? 'Opera'
    : /Firefox\//.test(ua) ? 'Firefox'
    : /(Chrome|Chromium|HeadlessChrome)\//.test(ua) ? 'Chrome'
    : /Safari\//.test(ua) ? 'Safari'
    : null;
  const os =
    /Android/.test(ua) ? 'Android'
    : /iPhone|iPad|iPod/.test(ua) ? 'iOS'
    : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X|Macintosh/.test(ua) ? 'macOS'
    : /CrOS/.test(ua) ? 'ChromeOS'
    : /Linux/.test(ua) ? 'Linux'
    : null;
  if (!browser && !os) return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
  return [browser, os].filter(Boolean).join(' · ');
}

export function Sessions({ onCurrentRevoked }: { onCurrentRevoked: () => void }) {
  const { t, lang } = useI18n();
  const sessions = useLoad(() => api.mySessions(), []);
  const [actionError, setActionError] = useState<unknown>(null);

  const revoke = async (s: Session) => {
    setActionError(null);
    try {
      await api.revokeMySession(s.id);
      if (s.current) {
        onCurrentRevoked();
        return;
      }
    } catch (err) {
      setActionError(err);
    }
    sessions.reload();
  };

  const list = [...(sessions.data ?? [])].sort(
    (a, b) => Number(b.current) - Number(a.current) || b.last_seen_at - a.last_seen_at,
  );

  return (
    <div class="page" data-testid="sessions-page">
      <header class="page-head">
        <h1>{t('sessions.title')}</h1>
        <p class="muted">{t('sessions.intro')}</p>
      </header>
      <section class="card">
        <ErrorBox error={sessions.error} />
        <ErrorBox error={actionError} />
        {sessions.loading && !sessions.data ? (
          <Loading />
        ) : (
          <div class="table-wrap">
            <table class="table" data-testid="session-list">
              <thead>
                <tr>
                  <th scope="col">{t('sessions.device')}</th>
                  <th scope="col">{t('sessions.created')}</th>
                  <th scope="col">{t('sessions.lastSeen')}</th>
                  <th scope="col">{t('sessions.expires')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.id} data-testid="session-row">
                    <td>
                      <span title={s.user_agent ?? undefined}>
                        {describeUserAgent(s.user_agent) ?? t('sessions.unknownDevice')}
                      </span>{' '}
                      {s.current && <Badge kind="current">{t('sessions.current')}</Badge>}
                    </td>
                    <td>{formatDateTime(lang, s.created_at)}</td>
                    <td>{formatDateTime(lang, s.last_seen_at)}</td>
                    <td>{formatDateTime(lang, s.expires_at)}</td>
                    <td>
                      <div class="actions">
                        <button type="button" class="btn btn-small btn-danger-outline" onClick={() => revoke(s)}>
                          {t('sessions.revoke')}
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
                {sessions.data && sessions.data.length === 0 && (
                  <tr>
                    <td colSpan={5} class="empty">
                      {t('sessions.empty')}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
