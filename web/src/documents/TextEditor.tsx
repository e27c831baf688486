// The text editor: CodeMirror 6 bound to the Y.Doc's Text 'text' (y-codemirror.next) with the other
// people's cursors and selections in their author colours; also a read-only view of a plain string.
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';
import type { Awareness } from 'y-protocols/awareness';
import { yCollab } from 'y-codemirror.next';
import * as Y from 'yjs';
import { useI18n } from '../i18n';

function readOnlyExtensions(readOnly: boolean): Extension[] {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}

export function TextEditor(props: { doc: Y.Doc; awareness: Awareness; readOnly: boolean }) {
  const { t } = useI18n();
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const text = props.doc.getText('text');
    const undoManager = new Y.UndoManager(text);
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text.toString(),
        extensions: [
          basicSetup,
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': t('doc.kind.text') }),
          yCollab(text, props.awareness, { undoManager }),
          ...readOnlyExtensions(props.readOnly),
        ],
      }),
    });
    return () => {
      view.destroy();
      undoManager.destroy();
    };
  }, [props.doc, props.awareness, props.readOnly]);
  return <div class="text-editor" ref={host} data-testid="text-editor" />;
}

/** A read-only CodeMirror showing a fixed text (an old version). */
export function TextView({ text }: { text: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({ doc: text, extensions: [basicSetup, EditorView.lineWrapping, ...readOnlyExtensions(true)] }),
    });
    return () => view.destroy();
  }, [text]);
  return <div class="text-editor" ref={host} data-testid="text-view" />;
}
