// The editor's side panel "Versionen": stored versions (automatic and named), naming the current state,
// viewing an old version read-only, restoring one, and "Bearbeitet von" (who edited, most recent first).
// Loaded when the panel opens, after naming/restoring, and every 30 s (or on focus) while the page is visible.
import { useState } from 'preact/hooks';
import { ErrorBox, Loading, Notice, useLoad } from '../components';
import { formatDateTime, useI18n } from '../i18n';
import { docApi, type DocumentKind, type Version } from './api';
import type { AwarenessUser } from './presenceColors';
import { useVisibleRefresh } from './visibleRefresh';
import { VersionViewer } from './VersionViewer';

export function VersionPanel(props: { documentId: string; kind: DocumentKind; canWrite: boolean; user: AwarenessUser }) {
  const { t, lang } = useI18n();
  const versions = useLoad(() => docApi.versions(props.documentId), [props.documentId]);
  const authors = useLoad(() => docApi.authors(props.documentId), [props.documentId]);
  const [name, setName] = useState('');
  const [viewing, setViewing] = useState<Version | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState(false);
  const [busy, setBusy] = useState(false);
  useVisibleRefresh(
    () => {
      versions.reload();
      authors.reload();
    },
    30_000,
    [props.documentId],
  );

  const act = async (run: () => Promise<unknown>, after?: () => void) => {
    setBusy(true);
    setError(null);
    setNotice(false);
    try {
      await run();
      after?.();
      versions.reload();
      authors.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const restore = (v: Version) => {
    if (!confirm(t('ver.confirmRestore'))) return;
    void act(
      () => docApi.restoreVersion(props.documentId, v.id),
      () => {
        setViewing(null);
        setNotice(true);
      },
    );
  };

  const list = versions.data?.versions ?? [];
  return (
    <aside class="version-panel card" aria-labelledby="versions-title" data-testid="version-panel">
      <h2 id="versions-title">{t('ver.title')}</h2>
      {props.canWrite && (
        <form
          class="row version-name"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() => docApi.nameVersion(props.documentId, name.trim()), () => setName(''));
          }}
        >
          <input
            aria-label={t('ver.name')}
            placeholder={t('ver.namePlaceholder')}
            maxLength={200}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            data-testid="version-name-input"
          />
          <button type="submit" class="btn btn-small" disabled={busy || name.trim() === ''} data-testid="version-name">
            {t('ver.name')}
          </button>
        </form>
      )}
      {notice && <Notice>{t('ver.restored')}</Notice>}
      <ErrorBox error={error ?? versions.error} />
      {versions.loading && !versions.data ? (
        <Loading />
      ) : list.length === 0 ? (
        <p class="empty">{t('ver.none')}</p>
      ) : (
        <ul class="version-list" data-testid="version-list">
          {list.map((v) => (
            <li key={v.id} data-testid="version" data-version-id={v.id}>
              <span class="version-main">
                <strong>{v.name ?? formatDateTime(lang, v.created_at)}</strong>
                <span class="muted small">
                  {v.name ? formatDateTime(lang, v.created_at) : t('ver.auto')}
                  {v.created_by && ` · ${t('ver.by', { name: v.created_by.name })}`}
                </span>
              </span>
              <span class="row">
                <button type="button" class="btn btn-small" onClick={() => setViewing(v)} data-testid="version-view">
                  {t('ver.view')}
                </button>
                {props.canWrite && (
                  <button type="button" class="btn btn-small" disabled={busy} onClick={() => restore(v)} data-testid="version-restore">
                    {t('ver.restore')}
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}

      <h3>{t('ver.authors')}</h3>
      <ErrorBox error={authors.error} />
      {authors.data && authors.data.authors.length === 0 && <p class="empty">{t('ver.noAuthors')}</p>}
      {authors.data && authors.data.authors.length > 0 && (
        <ul class="author-list" data-testid="author-list">
          {authors.data.authors.map((a) => (
            <li key={a.user_id} data-testid="author">
              <strong>{a.name}</strong>
              <span class="muted small">{t('ver.authorLine', { n: a.updates, when: formatDateTime(lang, a.last_edit_at) })}</span>
            </li>
          ))}
        </ul>
      )}

      {viewing && (
        <VersionViewer
          documentId={props.documentId}
          kind={props.kind}
          version={viewing}
          user={props.user}
          canRestore={props.canWrite}
          onRestore={() => restore(viewing)}
          onClose={() => setViewing(null)}
        />
      )}
    </aside>
  );
}
