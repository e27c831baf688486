// Admin page "Protokoll": the school's audit log, newest first, with "ältere laden" paging.
import { useEffect, useState } from 'preact/hooks';
import { api, type AuditEntry } from '../api';
import { auditActionKey, auditSummary, auditTarget } from '../auditFormat';
import { ErrorBox, Loading } from '../components';
import { formatDateTime, useI18n } from '../i18n';

const PAGE = 100;

/** Appends an older page, skipping entries already shown (those sharing the boundary millisecond). */
export function appendPage(shown: AuditEntry[], older: AuditEntry[]): AuditEntry[] {
  const seen = new Set(shown.map((e) => e.id));
  return [...shown, ...older.filter((e) => !seen.has(e.id))];
}

export function Audit() {
  const { t, lang } = useI18n();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = async (before?: number) => {
    setBusy(true);
    setError(null);
    try {
      const page = await api.audit({ before, limit: PAGE });
      setEntries((old) => (before === undefined || !old ? page : appendPage(old, page)));
      setMore(page.length === PAGE);
      return page;
    } catch (err) {
      setError(err);
      return null;
    } finally {
      setBusy(false);
    }
  };
  /**
   * The server answers entries with `at < before`. Asking with the last time + 1 and dropping
   * the entries already shown keeps entries that share the last millisecond; only when a whole
   * page shares it does paging step past that millisecond.
   */
  const loadOlder = async () => {
    const shown = entries ?? [];
    const last = shown[shown.length - 1];
    if (!last) return;
    const page = await load(last.at + 1);
    if (page && page.length === PAGE && appendPage(shown, page).length === shown.length) await load(last.at);
  };
  useEffect(() => {
    void load();
  }, []);

  // Names of users and groups for the "target" column; without them the IDs are shown.
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    Promise.all([api.users(), api.groups()]).then(
      ([users, groups]) =>
        setNames(new Map([...users.map((u) => [u.id, u.display_name] as const), ...groups.map((g) => [g.id, g.name] as const)])),
      () => {},
    );
  }, []);

  return (
    <div class="page" data-testid="audit-page">
      <header class="page-head">
        <h1>{t('audit.title')}</h1>
        <p class="muted">{t('audit.intro')}</p>
      </header>
      <section class="card">
        <ErrorBox error={error} />
        {entries === null ? (
          busy && <Loading />
        ) : (
          <div class="table-wrap">
            <table class="table table-compact" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.target')}</th>
                  <th scope="col">{t('audit.summary')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => {
                  const key = auditActionKey(e.action);
                  const target = auditTarget(e.target_id, names, t);
                  return (
                    <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                      <td class="nowrap">{formatDateTime(lang, e.at)}</td>
                      <td>{e.actor_login || <span class="muted">{t('audit.system')}</span>}</td>
                      <td class="audit-action">
                        {key ? t(key) : e.action}
                        {key && <div class="muted mono">{e.action}</div>}
                      </td>
                      <td title={e.target_id ?? ''}>
                        {target ?? <span class="muted mono ellipsis">{e.target_id ?? '–'}</span>}
                      </td>
                      <td class="audit-summary" title={e.summary}>
                        {auditSummary(e, t)}
                      </td>
                    </tr>
                  );
                })}
                {entries.length === 0 && (
                  <tr>
                    <td colSpan={5} class="empty">
                      {t('audit.empty')}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        )}
        {entries && entries.length > 0 && (
          <div class="form-actions">
            {more ? (
              <button type="button" class="btn" disabled={busy} onClick={loadOlder}>
                {t('audit.more')}
              </button>
            ) : (
              <span class="muted small">{t('audit.end')}</span>
            )}
          </div>
        )}
      </section>
    </div>
  );
}
