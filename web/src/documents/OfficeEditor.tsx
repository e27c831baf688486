// The office editor: a framework-agnostic Tiptap editor mounted into a div, bound to the Y.Doc's
// XmlFragment 'default' (Collaboration) with the other people's carets (CollaborationCaret), and its toolbar.
import { Editor, type Extensions } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { TableKit } from '@tiptap/extension-table';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { useI18n, type MessageKey } from '../i18n';
import type { AwarenessUser } from './presenceColors';

/** Creates a Tiptap editor on `doc` in `element`; with a provider, remote carets are shown too. */
export function createOfficeEditor(opts: {
  element: HTMLElement;
  doc: Y.Doc;
  provider?: WebsocketProvider;
  user?: AwarenessUser;
  editable: boolean;
  label: string;
}): Editor {
  const extensions: Extensions = [
    StarterKit.configure({ undoRedo: false, link: { openOnClick: false } }),
    TableKit.configure({ table: { resizable: false } }),
    Collaboration.configure({ document: opts.doc, field: 'default' }),
  ];
  if (opts.provider && opts.user) {
    extensions.push(CollaborationCaret.configure({ provider: opts.provider, user: opts.user }));
  }
  return new Editor({
    element: opts.element,
    extensions,
    editable: opts.editable,
    editorProps: {
      attributes: { class: 'office-content', 'aria-label': opts.label, 'aria-multiline': 'true', role: 'textbox' },
    },
  });
}

export function OfficeEditor(props: {
  doc: Y.Doc;
  provider: WebsocketProvider;
  user: AwarenessUser;
  readOnly: boolean;
  onEditor: (editor: Editor | null) => void;
}) {
  const { t } = useI18n();
  const host = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<Editor | null>(null);

  useEffect(() => {
    if (!host.current) return;
    const e = createOfficeEditor({
      element: host.current,
      doc: props.doc,
      provider: props.provider,
      user: props.user,
      editable: !props.readOnly,
      label: t('doc.kind.office'),
    });
    setEditor(e);
    props.onEditor(e);
    return () => {
      props.onEditor(null);
      setEditor(null);
      e.destroy();
    };
  }, [props.doc, props.provider]);

  useEffect(() => editor?.setEditable(!props.readOnly), [editor, props.readOnly]);

  return (
    <div class="office-editor" data-testid="office-editor">
      {editor && !props.readOnly && <OfficeToolbar editor={editor} />}
      <div class="office-page" ref={host} data-testid="office-content" />
    </div>
  );
}

type Action = { key: MessageKey; label: string; active?: () => boolean; run: () => void };

/** Headings, bold/italic, lists and tables; buttons show whether they apply at the cursor. */
function OfficeToolbar({ editor }: { editor: Editor }) {
  const { t } = useI18n();
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    editor.on('transaction', rerender);
    return () => {
      editor.off('transaction', rerender);
    };
  }, [editor]);

  const chain = () => editor.chain().focus();
  const groups: Action[][] = [
    [
      { key: 'tb.paragraph', label: '¶', active: () => editor.isActive('paragraph'), run: () => chain().setParagraph().run() },
      ...([1, 2, 3] as const).map((level) => ({
        key: `tb.h${level}` as MessageKey,
        label: `H${level}`,
        active: () => editor.isActive('heading', { level }),
        run: () => chain().toggleHeading({ level }).run(),
      })),
    ],
    [
      { key: 'tb.bold', label: 'B', active: () => editor.isActive('bold'), run: () => chain().toggleBold().run() },
      { key: 'tb.italic', label: 'I', active: () => editor.isActive('italic'), run: () => chain().toggleItalic().run() },
    ],
    [
      { key: 'tb.bullets', label: '•', active: () => editor.isActive('bulletList'), run: () => chain().toggleBulletList().run() },
      { key: 'tb.numbers', label: '1.', active: () => editor.isActive('orderedList'), run: () => chain().toggleOrderedList().run() },
    ],
    editor.isActive('table')
      ? [
          { key: 'tb.addRow', label: '+≡', run: () => chain().addRowAfter().run() },
          { key: 'tb.addColumn', label: '+‖', run: () => chain().addColumnAfter().run() },
          { key: 'tb.deleteTable', label: '✕▦', run: () => chain().deleteTable().run() },
        ]
      : [{ key: 'tb.table', label: '▦', run: () => chain().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run() }],
  ];

  return (
    <div class="office-toolbar" role="toolbar" aria-label={t('tb.label')} data-testid="office-toolbar">
      {groups.map((group, i) => (
        <div class="office-toolbar-group" key={i}>
          {group.map((a) => {
            const pressed = a.active?.();
            return (
              <button
                key={a.key}
                type="button"
                class={pressed ? 'tb-btn on' : 'tb-btn'}
                title={t(a.key)}
                aria-label={t(a.key)}
                aria-pressed={a.active ? pressed : undefined}
                onMouseDown={(e) => e.preventDefault()}
                onClick={a.run}
                data-testid={`tb-${a.key.slice(3)}`}
              >
                {a.label}
              </button>
            );
          })}
        </div>
      ))}
    </div>
  );
}
