// Shows one stored version read-only: its Yjs update is applied to a fresh Y.Doc that only this
// viewer uses, and rendered with the kind's editor (office, text) or the board in read-only mode.
import type { Editor } from '@tiptap/core';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { Board } from '../board';
import { ErrorBox, Loading, Modal } from '../components';
import { formatDateTime, useI18n } from '../i18n';
import { docApi, type DocumentKind, type Version } from './api';
import { createOfficeEditor } from './OfficeEditor';
import type { AwarenessUser } from './presenceColors';
import { TextView } from './TextEditor';

export function VersionViewer(props: {
  documentId: string;
  kind: DocumentKind;
  version: Version;
  user: AwarenessUser;
  canRestore: boolean;
  onRestore: () => void;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const [doc, setDoc] = useState<Y.Doc | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let alive = true;
    let loaded: Y.Doc | null = null;
    docApi.versionContent(props.documentId, props.version.id).then(
      (update) => {
        if (!alive) return;
        loaded = new Y.Doc();
        try {
          Y.applyUpdate(loaded, update);
          setDoc(loaded);
        } catch (err) {
          setError(err);
        }
      },
      (err) => alive && setError(err),
    );
    return () => {
      alive = false;
      loaded?.destroy();
    };
  }, [props.documentId, props.version.id]);

  const title = props.version.name ?? t('ver.viewTitle', { when: formatDateTime(lang, props.version.created_at) });
  return (
    <Modal title={title} onClose={props.onClose} data-testid="version-viewer" wide>
      <ErrorBox error={error} />
      {!doc && !error && <Loading />}
      {doc && (
        <div class="version-content">
          {props.kind === 'office' && <OfficeView doc={doc} />}
          {props.kind === 'text' && <TextView text={doc.getText('text').toString()} />}
          {props.kind === 'board' && <BoardView doc={doc} user={props.user} />}
        </div>
      )}
      <div class="form-actions">
        <button type="button" class="btn" onClick={props.onClose}>
          {t('doc.closeView')}
        </button>
        {props.canRestore && (
          <button type="button" class="btn btn-primary" onClick={props.onRestore} data-testid="version-restore-open">
            {t('ver.restore')}
          </button>
        )}
      </div>
    </Modal>
  );
}

function OfficeView({ doc }: { doc: Y.Doc }) {
  const { t } = useI18n();
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const editor: Editor = createOfficeEditor({ element: host.current, doc, editable: false, label: t('doc.kind.office') });
    return () => editor.destroy();
  }, [doc]);
  return <div class="office-page office-page-compact" ref={host} data-testid="version-office" />;
}

function BoardView({ doc, user }: { doc: Y.Doc; user: AwarenessUser }) {
  // The viewer's own awareness: nobody else sees it, it only satisfies the component.
  const awareness = useMemo(() => new Awareness(doc), [doc]);
  useEffect(() => () => awareness.destroy(), [awareness]);
  return (
    <div class="version-board">
      <Board doc={doc} awareness={awareness} readOnly user={user} isTeacher={false} />
    </div>
  );
}
