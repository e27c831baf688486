// Unit tests for the Markdown export of office documents.
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, toMarkdown, type PmNode } from './markdown';

const text = (t: string, ...marks: string[]): PmNode => ({ type: 'text', text: t, marks: marks.map((type) => ({ type })) });
const p = (...content: PmNode[]): PmNode => ({ type: 'paragraph', content });

describe('toMarkdown', () => {
  it('writes headings, paragraphs and marks', () => {
    const doc: PmNode = {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [text('Wandertag')] },
        p(text('Wir gehen '), text('morgen', 'bold'), text(' in den '), text('Zoo', 'italic'), text('.')),
        p(),
      ],
    };
    expect(toMarkdown(doc)).toBe('## Wandertag\n\nWir gehen **morgen** in den *Zoo*.\n');
  });

  it('writes nested bullet and numbered lists', () => {
    const item = (...content: PmNode[]): PmNode => ({ type: 'listItem', content });
    const doc: PmNode = {
      type: 'doc',
      content: [
        {
          type: 'bulletList',
          content: [
            item(p(text('Essen')), { type: 'orderedList', attrs: { start: 1 }, content: [item(p(text('Brot'))), item(p(text('Apfel')))] }),
            item(p(text('Trinken'))),
          ],
        },
      ],
    };
    expect(toMarkdown(doc)).toBe('- Essen\n  1. Brot\n  2. Apfel\n- Trinken\n');
  });

  it('writes tables with a header row', () => {
    const cell = (type: string, t: string): PmNode => ({ type, content: [p(text(t))] });
    const doc: PmNode = {
      type: 'doc',
      content: [
        {
          type: 'table',
          content: [
            { type: 'tableRow', content: [cell('tableHeader', 'Name'), cell('tableHeader', 'Note')] },
            { type: 'tableRow', content: [cell('tableCell', 'Max'), cell('tableCell', '1|2')] },
          ],
        },
      ],
    };
    expect(toMarkdown(doc)).toBe('| Name | Note |\n| --- | --- |\n| Max | 1\\|2 |\n');
  });

  it('keeps code verbatim and escapes syntax in text', () => {
    const doc: PmNode = {
      type: 'doc',
      content: [p(text('a*b', 'code'), text(' und *c*')), { type: 'codeBlock', attrs: { language: 'js' }, content: [text('let x = 1;')] }],
    };
    expect(toMarkdown(doc)).toBe('`a*b` und \\*c\\*\n\n```js\nlet x = 1;\n```\n');
  });

  it('is empty for an empty document', () => {
    expect(toMarkdown({ type: 'doc', content: [p()] })).toBe('');
  });
});

describe('escapeMarkdown', () => {
  it('escapes list markers at the start only', () => {
    expect(escapeMarkdown('1. Platz')).toBe('1\\. Platz');
    expect(escapeMarkdown('- a - b')).toBe('\\- a - b');
  });
});
