// Module page "Dokumente": my documents, those shared with me, and the trash (tabs), with creating,
// renaming, sharing, moving to the trash and restoring. Office documents, texts and boards share one list.
import { useState } from 'preact/hooks';
import type { Me } from '../api';
import { Badge, ErrorBox, Link, Loading, useLoad } from '../components';
import { docApi, documentHref, KIND_MODULE, KINDS, type DocumentView, type LiveDocument } from '../documents/api';
import { CreateDialog, RenameDialog } from '../documents/DocumentDialogs';
import { ShareDialog } from '../documents/ShareDialog';
import { formatDateTime, useI18n } from '../i18n';
import { navigate } from '../router';
import '../documents/list.css';

const VIEWS: readonly DocumentView[] = ['mine', 'shared', 'trash'];

export function DocumentsPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const modules = new Set(me.modules ?? []);
  const kinds = KINDS.filter((k) => modules.has(KIND_MODULE[k]));
  const [view, setView] = useState<DocumentView>('mine');
  const list = useLoad(() => docApi.list(view), [view]);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'rename' | 'share'; document: LiveDocument } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const act = async (run: () => Promise<unknown>) => {
    setError(null);
    try {
      await run();
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const docs = list.data?.documents ?? [];
  return (
    <div class="page documents-page" data-testid="documents-page">
      <header class="page-head row-between">
        <div>
          <h1>{t('doc.title')}</h1>
          <p class="muted">{t('doc.intro')}</p>
        </div>
        {kinds.length > 0 && (
          <button type="button" class="btn btn-primary" onClick={() => setDialog({ kind: 'create' })} data-testid="doc-new">
            {t('doc.new')}
          </button>
        )}
      </header>

      <section class="card">
        <div class="doc-tabs" role="tablist" aria-label={t('doc.title')}>
          {VIEWS.map((v) => (
            <button
              key={v}
              type="button"
              role="tab"
              id={`doc-tab-${v}`}
              aria-selected={view === v}
              aria-controls="doc-tab-panel"
              class={view === v ? 'doc-tab active' : 'doc-tab'}
              onClick={() => setView(v)}
              data-testid={`doc-tab-${v}`}
            >
              {t(`doc.tab.${v}`)}
            </button>
          ))}
        </div>
        <div id="doc-tab-panel" role="tabpanel" aria-labelledby={`doc-tab-${view}`}>
          <ErrorBox error={error ?? list.error} />
          {list.loading && !list.data ? (
            <Loading />
          ) : docs.length === 0 ? (
            <p class="empty">{t(view === 'mine' ? 'doc.emptyMine' : view === 'shared' ? 'doc.emptyShared' : 'doc.emptyTrash')}</p>
          ) : (
            <ul class="doc-list" data-testid="doc-list">
              {docs.map((d) => (
                <DocumentItem
                  key={d.id}
                  document={d}
                  view={view}
                  onRename={() => setDialog({ kind: 'rename', document: d })}
                  onShare={() => setDialog({ kind: 'share', document: d })}
                  onDelete={() => {
                    if (confirm(t('doc.confirmDelete', { title: d.title }))) void act(() => docApi.remove(d.id));
                  }}
                  onRestore={() => void act(() => docApi.restore(d.id))}
                />
              ))}
            </ul>
          )}
        </div>
      </section>

      {dialog?.kind === 'create' && (
        <CreateDialog kinds={kinds} onClose={() => setDialog(null)} onCreated={(d) => navigate(documentHref(d.id))} />
      )}
      {dialog?.kind === 'rename' && (
        <RenameDialog
          document={dialog.document}
          onClose={() => setDialog(null)}
          onRenamed={() => {
            setDialog(null);
            list.reload();
          }}
        />
      )}
      {dialog?.kind === 'share' && (
        <ShareDialog
          me={me}
          document={dialog.document}
          onClose={() => setDialog(null)}
          onSaved={() => {
            setDialog(null);
            list.reload();
          }}
        />
      )}
    </div>
  );
}

function DocumentItem(props: {
  document: LiveDocument;
  view: DocumentView;
  onRename: () => void;
  onShare: () => void;
  onDelete: () => void;
  onRestore: () => void;
}) {
  const { t, lang } = useI18n();
  const d = props.document;
  const owner = d.my_access === 'owner';
  const inTrash = props.view === 'trash';
  return (
    <li class="doc-item" data-testid="doc-item" data-doc-id={d.id} data-doc-title={d.title} data-kind={d.kind}>
      <span class={`kind-icon kind-${d.kind}`} aria-hidden="true" />
      <span class="doc-item-main">
        {inTrash ? (
          <strong>{d.title}</strong>
        ) : (
          <Link href={documentHref(d.id)} class="doc-item-title" data-testid="doc-open">
            {d.title}
          </Link>
        )}
        <span class="muted small">
          {t(`doc.kind.${d.kind}`)}
          {!owner && ` · ${t('doc.owner', { name: d.owner_name })}`}
          {' · '}
          {inTrash && d.deleted_at
            ? t('doc.deletedAt', { when: formatDateTime(lang, d.deleted_at) })
            : t('doc.changed', { when: formatDateTime(lang, d.updated_at) })}
        </span>
      </span>
      <span class="badges">
        {!owner && <Badge kind={d.my_access === 'read' ? 'status-inactive' : 'leader'}>{t(`doc.access.${d.my_access}`)}</Badge>}
        {owner && (d.shares?.length ?? 0) > 0 && <Badge>{t('doc.sharedCount', { n: d.shares!.length })}</Badge>}
      </span>
      <span class="doc-item-actions">
        {inTrash ? (
          owner && (
            <button type="button" class="btn btn-small" onClick={props.onRestore} data-testid="doc-restore">
              {t('doc.restore')}
            </button>
          )
        ) : (
          <>
            {d.my_access !== 'read' && (
              <button type="button" class="btn btn-small" onClick={props.onRename} data-testid="doc-rename">
                {t('doc.rename')}
              </button>
            )}
            {owner && (
              <button type="button" class="btn btn-small" onClick={props.onShare} data-testid="doc-share">
                {t('doc.share')}
              </button>
            )}
            {owner && (
              <button type="button" class="btn btn-small btn-danger-outline" onClick={props.onDelete} data-testid="doc-delete">
                {t('doc.delete')}
              </button>
            )}
          </>
        )}
      </span>
    </li>
  );
}
