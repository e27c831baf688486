// The board's data model (docs/documents.md, kind `board`): element types, validation of untrusted
// entries of the shared `elements` map, drawing order, palette/widths and small helpers. Pure.

export type ElementType = 'pen' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text';

/** One drawn element as stored under its id in `doc.getMap('elements')` (plain JSON). */
export interface BoardElement {
  type: ElementType;
  points?: number[];
  x?: number;
  y?: number;
  w?: number;
  h?: number;
  color: string;
  width: number;
  text?: string;
  z: number;
  by: string;
}

/** A validated element together with its key in the map. */
export interface Placed {
  id: string;
  el: BoardElement;
}

export const ELEMENTS_KEY = 'elements';

/** The colour palette of the toolbar (first entry is the default). */
export const PALETTE: readonly string[] = [
  '#1f2933',
  '#d92d20',
  '#f79009',
  '#fdd835',
  '#12b76a',
  '#1570ef',
  '#7a5af8',
  '#ffffff',
];

/** Stroke widths offered by the toolbar (board units). */
export const WIDTHS: readonly number[] = [2, 4, 8, 16];

export const MAX_WIDTH = 100;
export const MAX_TEXT = 5000;
export const MAX_POINTS = 20000;
const TYPES: readonly string[] = ['pen', 'line', 'arrow', 'rect', 'ellipse', 'text'];
const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

export const isColor = (c: unknown): c is string => typeof c === 'string' && COLOR_RE.test(c);
const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/** Font size (board units) of a text element drawn with the given stroke width. */
export function fontSize(width: number): number {
  return Math.round(14 + width * 3);
}

/** Rounds a coordinate to one decimal, which keeps the document small. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * Validates one entry of the shared map (which any client may write) and returns a clean copy,
 * or null when it cannot be drawn. Unknown fields are dropped, widths clamped, bad colours replaced.
 */
export function toElement(raw: unknown): BoardElement | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.type !== 'string' || !TYPES.includes(r.type)) return null;
  const type = r.type as ElementType;
  const width = finite(r.width) ? Math.min(MAX_WIDTH, Math.max(0.5, r.width)) : 2;
  const el: BoardElement = {
    type,
    color: isColor(r.color) ? r.color.toLowerCase() : PALETTE[0],
    width,
    z: finite(r.z) ? r.z : 0,
    by: typeof r.by === 'string' ? r.by : '',
  };
  if (type === 'pen' || type === 'line' || type === 'arrow') {
    const p = r.points;
    if (!Array.isArray(p) || p.length < 2 || p.length % 2 !== 0 || p.length > MAX_POINTS) return null;
    if (!p.every(finite)) return null;
    if (type !== 'pen' && p.length < 4) return null;
    el.points = p.slice();
    return el;
  }
  if (!finite(r.x) || !finite(r.y)) return null;
  el.x = r.x;
  el.y = r.y;
  if (type === 'text') {
    if (typeof r.text !== 'string' || r.text.length === 0) return null;
    el.text = r.text.slice(0, MAX_TEXT);
    if (finite(r.w) && r.w > 0) el.w = r.w;
    if (finite(r.h) && r.h > 0) el.h = r.h;
    return el;
  }
  if (!finite(r.w) || !finite(r.h)) return null;
  el.w = r.w;
  el.h = r.h;
  return el;
}

/** Validated elements of the map's entries in drawing order (z, then id so all clients agree). */
export function sortedElements(entries: Iterable<[string, unknown]>): Placed[] {
  const out: Placed[] = [];
  for (const [id, raw] of entries) {
    const el = toElement(raw);
    if (el) out.push({ id, el });
  }
  out.sort((a, b) => a.el.z - b.el.z || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}

/** The z of a new element: above everything drawn so far. */
export function nextZ(elements: readonly Placed[]): number {
  let max = 0;
  for (const p of elements) if (p.el.z > max) max = p.el.z;
  return Math.floor(max) + 1;
}

/** A short random element id (base36, 12 characters). */
export function newElementId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n.toString(36).padStart(12, '0').slice(-12);
}

/** The element moved by (dx, dy), coordinates rounded. */
export function translated(el: BoardElement, dx: number, dy: number): BoardElement {
  const out: BoardElement = { ...el };
  if (el.points) out.points = el.points.map((v, i) => round1(v + (i % 2 === 0 ? dx : dy)));
  if (el.x !== undefined) out.x = round1(el.x + dx);
  if (el.y !== undefined) out.y = round1(el.y + dy);
  return out;
}
