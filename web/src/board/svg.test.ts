// Tests of the SVG export: escaping, element markup, viewBox from bounds with margin, white background.
import { describe, expect, it } from 'vitest';
import { sortedElements } from './model';
import { elementSvg, elementsToSvg, escapeXml } from './svg';

const base = { color: '#112233', width: 2, z: 0, by: 'u' };

describe('escapeXml', () => {
  it('escapes markup and drops forbidden characters', () => {
    expect(escapeXml(`<script>&"'</script>`)).toBe('&lt;script&gt;&amp;&quot;&#39;&lt;/script&gt;');
    expect(escapeXml('a\u0000b\u0007c')).toBe('abc');
  });
});

describe('elementSvg', () => {
  it('renders each type', () => {
    expect(elementSvg({ type: 'pen', points: [1, 1], ...base })).toBe('<circle cx="1" cy="1" r="1" fill="#112233"/>');
    expect(elementSvg({ type: 'pen', points: [0, 0, 10, 0, 10, 10], ...base })).toContain('d="M0 0 Q10 0 10 5 L10 10"');
    expect(elementSvg({ type: 'line', points: [0, 0, 5, 5], ...base })).toContain('d="M0 0 L5 5"');
    expect(elementSvg({ type: 'arrow', points: [0, 0, 100, 0], ...base }).match(/M/g)?.length).toBe(2);
    expect(elementSvg({ type: 'rect', x: 10, y: 10, w: -5, h: 5, ...base })).toContain('<rect x="5" y="10" width="5" height="5"');
    expect(elementSvg({ type: 'ellipse', x: 0, y: 0, w: 10, h: 4, ...base })).toContain('cx="5" cy="2" rx="5" ry="2"');
  });

  it('escapes text content, one tspan per line', () => {
    const svg = elementSvg({ type: 'text', x: 0, y: 0, text: '<b>Tom & "Jerry"</b>\nzwei', ...base });
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;');
    expect(svg.match(/<tspan/g)?.length).toBe(2);
  });
});

describe('elementsToSvg', () => {
  it('sizes the document to the bounds plus margin with a white background', () => {
    const els = sortedElements([['a', { type: 'rect', x: 0, y: 0, w: 100, h: 50, ...base }]]);
    const svg = elementsToSvg(els, 20);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="142" height="92" viewBox="-21 -21 142 92">/);
    expect(svg).toContain('fill="#ffffff"');
  });

  it('neutralises hostile map entries', () => {
    const els = sortedElements([['a', { type: 'text', x: 0, y: 0, text: '</text><script>alert(1)</script>', color: '"/><script>', width: 2, z: 0, by: 'x' }]]);
    const svg = elementsToSvg(els);
    expect(svg).not.toContain('<script');
  });

  it('exports an empty board as a small white picture', () => {
    expect(elementsToSvg([], 20)).toContain('width="40" height="40"');
  });
});
