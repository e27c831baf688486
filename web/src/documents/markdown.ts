// Markdown export of an office document: walks the ProseMirror JSON of the Tiptap editor
// (StarterKit nodes and marks plus tables as GitHub-flavoured Markdown tables).

/** A ProseMirror node as `editor.getJSON()` gives it. */
export interface PmNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: PmNode[];
  marks?: { type: string; attrs?: Record<string, unknown> }[];
  text?: string;
}

/** Escapes characters that would start Markdown syntax inside running text. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]#<>|~])/g, '\\$1').replace(/^(\d+)\. /, '$1\\. ').replace(/^([-+]) /, '\\$1 ');
}

const MARK_WRAP: Record<string, string> = { bold: '**', italic: '*', strike: '~~', code: '`' };

function inline(nodes: PmNode[] | undefined): string {
  let out = '';
  for (const n of nodes ?? []) {
    if (n.type === 'hardBreak') {
      out += '  \n';
      continue;
    }
    if (n.type !== 'text' || !n.text) continue;
    const marks = n.marks ?? [];
    const isCode = marks.some((m) => m.type === 'code');
    let text = isCode ? n.text : escapeMarkdown(n.text);
    for (const m of marks) {
      const wrap = MARK_WRAP[m.type];
      if (wrap) text = `${wrap}${text}${wrap}`;
    }
    const link = marks.find((m) => m.type === 'link');
    if (link && typeof link.attrs?.href === 'string') text = `[${text}](${link.attrs.href})`;
    out += text;
  }
  return out;
}

function indentLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : prefix + line))
    .join('\n');
}

function listItems(list: PmNode, ordered: boolean): string {
  const start = typeof list.attrs?.start === 'number' ? list.attrs.start : 1;
  return (list.content ?? [])
    .map((item, i) => {
      const marker = ordered ? `${start + i}. ` : '- ';
      const body = blocks(item.content, true);
      return marker + indentLines(body, ' '.repeat(marker.length));
    })
    .join('\n');
}

function cellText(cell: PmNode): string {
  return (cell.content ?? [])
    .map((p) => inline(p.content))
    .join(' ')
    .replace(/\n/g, ' ');
}

function table(node: PmNode): string {
  const rows = (node.content ?? []).map((row) => (row.content ?? []).map(cellText));
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => r.length));
  const line = (cells: string[]) => `| ${Array.from({ length: width }, (_, i) => cells[i] ?? '').join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head!), `|${' --- |'.repeat(width)}`, ...body.map(line)].join('\n');
}

function block(node: PmNode): string {
  switch (node.type) {
    case 'paragraph':
      return inline(node.content);
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(node.attrs?.level ?? 1)));
      return `${'#'.repeat(level)} ${inline(node.content)}`;
    }
    case 'bulletList':
      return listItems(node, false);
    case 'orderedList':
      return listItems(node, true);
    case 'blockquote':
      return blocks(node.content)
        .split('\n')
        .map((l) => (l ? `> ${l}` : '>'))
        .join('\n');
    case 'codeBlock': {
      const lang = typeof node.attrs?.language === 'string' ? node.attrs.language : '';
      const code = (node.content ?? []).map((t) => t.text ?? '').join('');
      return `\`\`\`${lang}\n${code}\n\`\`\``;
    }
    case 'horizontalRule':
      return '---';
    case 'table':
      return table(node);
    default:
      return node.content ? blocks(node.content) : inline([node]);
  }
}

/** Blocks separated by blank lines (tight: single newlines, as inside list items). */
function blocks(nodes: PmNode[] | undefined, tight = false): string {
  return (nodes ?? []).map(block).join(tight ? '\n' : '\n\n');
}

/** The whole document as Markdown, ending with one newline. */
export function toMarkdown(doc: PmNode): string {
  const body = blocks(doc.content).replace(/\n{3,}/g, '\n\n').trim();
  return body ? `${body}\n` : '';
}
