// The board's tools and the pure part of drawing with them: starting, extending and finishing a
// draft element from pointer positions (board coordinates), plus the German toolbar labels.
import { type Point, simplify } from './geometry';
import { type BoardElement, type ElementType, round1 } from './model';

export type Tool = 'select' | 'pan' | 'pen' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text' | 'eraser' | 'laser';

export const TOOL_LABELS: Record<Tool, string> = {
  select: 'Auswählen',
  pan: 'Verschieben',
  pen: 'Stift',
  line: 'Linie',
  arrow: 'Pfeil',
  rect: 'Rechteck',
  ellipse: 'Ellipse',
  text: 'Text',
  eraser: 'Radierer',
  laser: 'Laserpointer',
};

export const TOOL_ICONS: Record<Tool, string> = {
  select: '⬉',
  pan: '✥',
  pen: '✎',
  line: '╱',
  arrow: '➚',
  rect: '▭',
  ellipse: '◯',
  text: 'T',
  eraser: '⌫',
  laser: '◉',
};

/** Tools that create elements (shown only when the board is writable). */
export const DRAW_TOOLS: readonly Tool[] = ['select', 'pen', 'line', 'arrow', 'rect', 'ellipse', 'text', 'eraser'];

export type ShapeType = Exclude<ElementType, 'text'>;

/** An element being drawn: its type, style and the raw pointer positions. */
export interface Draft {
  type: ShapeType;
  color: string;
  width: number;
  /** pen: every accepted position; shapes: [start, current]. */
  pts: number[];
}

export const isShapeTool = (t: Tool): t is ShapeType =>
  t === 'pen' || t === 'line' || t === 'arrow' || t === 'rect' || t === 'ellipse';

export function startDraft(type: ShapeType, p: Point, color: string, width: number): Draft {
  return { type, color, width, pts: type === 'pen' ? [p.x, p.y] : [p.x, p.y, p.x, p.y] };
}

/**
 * The draft extended to p. A pen keeps positions at least `minStep` apart (board units);
 * shapes move their second corner. Returns the same draft when nothing changed.
 */
export function extendDraft(d: Draft, p: Point, minStep: number): Draft {
  const n = d.pts.length;
  if (d.type === 'pen') {
    if (Math.hypot(p.x - d.pts[n - 2], p.y - d.pts[n - 1]) < minStep) return d;
    return { ...d, pts: [...d.pts, p.x, p.y] };
  }
  if (d.pts[2] === p.x && d.pts[3] === p.y) return d;
  return { ...d, pts: [d.pts[0], d.pts[1], p.x, p.y] };
}

/**
 * The element to store for a finished draft, or null when it is too small to keep (a click
 * with a shape tool). `tolerance` is the pen simplification epsilon in board units.
 */
export function finishDraft(d: Draft, z: number, by: string, tolerance: number): BoardElement | null {
  const base = { color: d.color, width: d.width, z, by };
  const [x0, y0, x1, y1] = d.pts;
  if (d.type === 'pen') {
    const pts = simplify(d.pts, tolerance);
    return { type: 'pen', points: pts.length >= 4 ? pts : [round1(x0), round1(y0)], ...base };
  }
  if (Math.hypot(x1 - x0, y1 - y0) < Math.max(2, tolerance * 2)) return null;
  if (d.type === 'line' || d.type === 'arrow') {
    return { type: d.type, points: [x0, y0, x1, y1].map(round1), ...base };
  }
  return {
    type: d.type,
    x: round1(Math.min(x0, x1)),
    y: round1(Math.min(y0, y1)),
    w: round1(Math.abs(x1 - x0)),
    h: round1(Math.abs(y1 - y0)),
    ...base,
  };
}

/** The draft as an element for the live preview (not simplified, not stored). */
export function draftElement(d: Draft): BoardElement {
  const [x0, y0, x1, y1] = d.pts;
  const base = { color: d.color, width: d.width, z: 0, by: '' };
  if (d.type === 'pen' || d.type === 'line' || d.type === 'arrow') return { type: d.type, points: d.pts, ...base };
  return { type: d.type, x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0), ...base };
}
