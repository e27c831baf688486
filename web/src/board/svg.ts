// SVG export, pure: the validated elements as one standalone SVG document sized to their bounds
// (plus margin, white background). Text is XML-escaped; colours and numbers come validated from model.ts.
import { arrowHead, boardBounds } from './geometry';
import { type BoardElement, type Placed } from './model';
import { FONT_FAMILY, penPath, textLines } from './render';

export const EXPORT_MARGIN = 20;

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
    // Characters XML 1.0 does not allow at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

/** A number as short SVG text (at most two decimals). */
export const num = (n: number): string => String(Math.round(n * 100) / 100);

function penD(pts: readonly number[]): string {
  return penPath(pts)
    .map((c) => (c.op === 'Q' ? `Q${num(c.cx)} ${num(c.cy)} ${num(c.x)} ${num(c.y)}` : `${c.op}${num(c.x)} ${num(c.y)}`))
    .join(' ');
}

function polyD(pts: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i + 1 < pts.length; i += 2) parts.push(`${i === 0 ? 'M' : 'L'}${num(pts[i])} ${num(pts[i + 1])}`);
  return parts.join(' ');
}

/** One element as an SVG fragment. */
export function elementSvg(el: BoardElement): string {
  const stroke = `fill="none" stroke="${el.color}" stroke-width="${num(el.width)}" stroke-linecap="round" stroke-linejoin="round"`;
  const pts = el.points ?? [];
  switch (el.type) {
    case 'pen':
      if (pts.length === 2) return `<circle cx="${num(pts[0])}" cy="${num(pts[1])}" r="${num(el.width / 2)}" fill="${el.color}"/>`;
      return `<path d="${penD(pts)}" ${stroke}/>`;
    case 'line':
      return `<path d="${polyD(pts)}" ${stroke}/>`;
    case 'arrow': {
      const n = pts.length;
      const [l, t, r] = arrowHead(pts[n - 4], pts[n - 3], pts[n - 2], pts[n - 1], el.width);
      return `<path d="${polyD(pts)} ${polyD([l.x, l.y, t.x, t.y, r.x, r.y])}" ${stroke}/>`;
    }
    case 'rect': {
      const x = Math.min(el.x ?? 0, (el.x ?? 0) + (el.w ?? 0));
      const y = Math.min(el.y ?? 0, (el.y ?? 0) + (el.h ?? 0));
      return `<rect x="${num(x)}" y="${num(y)}" width="${num(Math.abs(el.w ?? 0))}" height="${num(Math.abs(el.h ?? 0))}" ${stroke}/>`;
    }
    case 'ellipse': {
      const w = el.w ?? 0;
      const h = el.h ?? 0;
      return `<ellipse cx="${num((el.x ?? 0) + w / 2)}" cy="${num((el.y ?? 0) + h / 2)}" rx="${num(Math.abs(w) / 2)}" ry="${num(Math.abs(h) / 2)}" ${stroke}/>`;
    }
    case 'text': {
      const { lines, size, lineHeight } = textLines(el);
      const x = num(el.x ?? 0);
      const spans = lines
        .map((line, i) => `<tspan x="${x}" y="${num((el.y ?? 0) + i * lineHeight + lineHeight / 2)}">${escapeXml(line)}</tspan>`)
        .join('');
      return `<text font-family="${escapeXml(FONT_FAMILY)}" font-size="${num(size)}" fill="${el.color}" dominant-baseline="central" xml:space="preserve">${spans}</text>`;
    }
  }
}

/** The elements (in drawing order) as a standalone SVG document. */
export function elementsToSvg(elements: readonly Placed[], margin = EXPORT_MARGIN): string {
  const b = boardBounds(elements) ?? { x: 0, y: 0, w: 0, h: 0 };
  const x = Math.floor(b.x - margin);
  const y = Math.floor(b.y - margin);
  const w = Math.ceil(b.w + 2 * margin);
  const h = Math.ceil(b.h + 2 * margin);
  const body = elements.map(({ el }) => elementSvg(el)).join('\n');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="${x} ${y} ${w} ${h}">\n` +
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#ffffff"/>\n` +
    (body ? body + '\n' : '') +
    '</svg>\n'
  );
}
