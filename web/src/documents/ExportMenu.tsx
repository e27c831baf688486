// The editor's export menu: office → HTML, Markdown, PDF (print view); text → .txt/.md; board → PNG/SVG.
// Every file is made in the browser from the live document; nothing is requested from anywhere.
import type { Editor } from '@tiptap/core';
import { useRef, useState } from 'preact/hooks';
import type * as Y from 'yjs';
import { exportBoardPng, exportBoardSvg } from '../board';
import { ErrorBox } from '../components';
import { useI18n, type MessageKey } from '../i18n';
import type { DocumentKind } from './api';
import { downloadBlob, downloadText, fileName, htmlDocument, printHtml } from './exportFiles';
import { toMarkdown, type PmNode } from './markdown';

type ExportAction = { key: MessageKey; run: () => void | Promise<void> };

export function ExportMenu(props: { kind: DocumentKind; title: string; doc: Y.Doc; editor: () => Editor | null }) {
  const { t, lang } = useI18n();
  const menu = useRef<HTMLDetailsElement>(null);
  const [error, setError] = useState<unknown>(null);
  const { kind, title, doc } = props;

  const office = (make: (e: Editor) => void) => () => {
    const editor = props.editor();
    if (editor) make(editor);
  };
  const actions: ExportAction[] =
    kind === 'office'
      ? [
          { key: 'exp.html', run: office((e) => downloadText(htmlDocument(title, e.getHTML(), lang), fileName(title, 'html'), 'text/html')) },
          { key: 'exp.markdown', run: office((e) => downloadText(toMarkdown(e.getJSON() as PmNode), fileName(title, 'md'), 'text/markdown')) },
          { key: 'exp.pdf', run: office((e) => printHtml(htmlDocument(title, e.getHTML(), lang))) },
        ]
      : kind === 'text'
        ? [
            { key: 'exp.txt', run: () => downloadText(doc.getText('text').toString(), fileName(title, 'txt'), 'text/plain') },
            { key: 'exp.md', run: () => downloadText(doc.getText('text').toString(), fileName(title, 'md'), 'text/markdown') },
          ]
        : [
            { key: 'exp.png', run: async () => downloadBlob(await exportBoardPng(doc), fileName(title, 'png')) },
            {
              key: 'exp.svg',
              run: () => downloadBlob(new Blob([exportBoardSvg(doc)], { type: 'image/svg+xml' }), fileName(title, 'svg')),
            },
          ];

  const run = async (a: ExportAction) => {
    if (menu.current) menu.current.open = false;
    setError(null);
    try {
      await a.run();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <details class="export-menu" ref={menu} data-testid="export-menu">
      <summary class="btn btn-small">{t('exp.title')}</summary>
      <div class="menu">
        {actions.map((a) => (
          <button key={a.key} type="button" class="menu-item" onClick={() => run(a)} data-testid={`export-${a.key.slice(4)}`}>
            {t(a.key)}
          </button>
        ))}
      </div>
      <ErrorBox error={error} />
    </details>
  );
}
