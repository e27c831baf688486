// The live part of the editor page, loaded on demand (Yjs, Tiptap, CodeMirror and the board are big):
// opens the document over /yjs and shows the kind's editor (office: Tiptap, text: CodeMirror, board: the
// whiteboard) with presence, saved state, read-only and connection banners, export, the versions panel
// and the title (renamed in place by writers, see EditableTitle.tsx).
import type { Editor } from '@tiptap/core';
import { useRef, useState } from 'preact/hooks';
import type { Me } from '../api';
import { Board } from '../board';
import { useI18n } from '../i18n';
import type { LiveDocument as DocumentMeta } from './api';
import { EditableTitle } from './EditableTitle';
import { CloseBanner, Presence, SaveIndicator } from './EditorStatus';
import { ExportMenu } from './ExportMenu';
import { OfficeEditor } from './OfficeEditor';
import type { AwarenessUser } from './presenceColors';
import { TextEditor } from './TextEditor';
import { useLiveDocument, type LiveDocument, type LiveStatus } from './useLiveDocument';
import { VersionPanel } from './VersionPanel';
import './editor.css';

export function LiveEditor(props: { me: Me; meta: DocumentMeta; user: AwarenessUser; onMeta: (d: DocumentMeta) => void }) {
  const { me, meta, user } = props;
  const { t } = useI18n();
  const { live, status } = useLiveDocument(meta.id, user);
  const readOnly = meta.my_access === 'read';
  const editor = useRef<Editor | null>(null);
  const [versionsOpen, setVersionsOpen] = useState(false);

  return (
    <div class={versionsOpen ? 'doc-layout with-versions' : 'doc-layout'}>
      <section class="doc-main card" aria-labelledby="doc-title">
        <header class="doc-head">
          <div class="doc-head-title">
            <span class={`kind-icon kind-${meta.kind}`} aria-hidden="true" />
            <EditableTitle meta={meta} canEdit={!readOnly} onRenamed={props.onMeta} />
            <SaveIndicator status={status} readOnly={readOnly} />
          </div>
          <div class="doc-head-tools">
            {live && <Presence awareness={live.awareness} selfId={user.id} />}
            {live && <ExportMenu kind={meta.kind} title={meta.title} doc={live.doc} editor={() => editor.current} />}
            <button
              type="button"
              class={versionsOpen ? 'btn btn-small on' : 'btn btn-small'}
              aria-expanded={versionsOpen}
              onClick={() => setVersionsOpen((o) => !o)}
              data-testid="versions-toggle"
            >
              {versionsOpen ? t('ver.hide') : t('ver.show')}
            </button>
          </div>
        </header>
        {readOnly && (
          <div class="alert alert-warning" role="status" data-testid="read-only-banner">
            {t('doc.readOnly')}
          </div>
        )}
        <CloseBanner status={status} />
        <EditorBody
          me={me}
          meta={meta}
          live={live}
          status={status}
          user={user}
          readOnly={readOnly}
          onEditor={(e) => (editor.current = e)}
        />
      </section>
      {versionsOpen && <VersionPanel documentId={meta.id} kind={meta.kind} canWrite={!readOnly} user={user} />}
    </div>
  );
}

/**
 * The kind's editor, mounted after the first sync (so an empty editor never races the stored content)
 * and kept mounted while the connection is down, so edits made offline stay and are sent later.
 */
function EditorBody(props: {
  me: Me;
  meta: DocumentMeta;
  live: LiveDocument | null;
  status: LiveStatus;
  user: AwarenessUser;
  readOnly: boolean;
  onEditor: (e: Editor | null) => void;
}) {
  const { t } = useI18n();
  const { live, status, meta, readOnly } = props;
  if (!live || !status.synced) {
    return status.final ? null : <p class="muted doc-loading">{t('doc.loadingContent')}</p>;
  }
  // After a final close nothing more is accepted: the content stays visible but not editable.
  const locked = readOnly || status.final;
  if (meta.kind === 'office') {
    return <OfficeEditor doc={live.doc} provider={live.provider} user={props.user} readOnly={locked} onEditor={props.onEditor} />;
  }
  if (meta.kind === 'text') return <TextEditor doc={live.doc} awareness={live.awareness} readOnly={locked} />;
  const role = props.me.user.role;
  return (
    <div class="board-host" data-testid="board-host">
      <Board doc={live.doc} awareness={live.awareness} readOnly={locked} user={props.user} isTeacher={role === 'teacher' || role === 'admin'} />
    </div>
  );
}
