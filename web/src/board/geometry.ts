// Board geometry, pure: the view transform (pan/zoom), element bounds, hit-testing for the eraser
// and selection, arrow heads, ellipse outlines and pen-stroke simplification.
import { type BoardElement, fontSize, type Placed, round1 } from './model';

export interface Point {
  x: number;
  y: number;
}
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
/** screen = board * zoom + (x, y), in CSS pixels relative to the canvas. */
export interface View {
  x: number;
  y: number;
  zoom: number;
}

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 8;
export const IDENTITY: View = { x: 0, y: 0, zoom: 1 };

export const toBoard = (v: View, p: Point): Point => ({ x: (p.x - v.x) / v.zoom, y: (p.y - v.y) / v.zoom });
export const toScreen = (v: View, p: Point): Point => ({ x: p.x * v.zoom + v.x, y: p.y * v.zoom + v.y });

/** The view zoomed to `zoom` (clamped) keeping the screen point `at` over the same board point. */
export function zoomAt(v: View, zoom: number, at: Point): View {
  const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
  const b = toBoard(v, at);
  return { zoom: z, x: at.x - b.x * z, y: at.y - b.y * z };
}

export const panBy = (v: View, dx: number, dy: number): View => ({ ...v, x: v.x + dx, y: v.y + dy });

/** The view showing `r` centred in a viewport of the given size (zoom at most 1). */
export function fitView(r: Rect | null, width: number, height: number, margin = 40): View {
  if (!r || width <= 0 || height <= 0) return IDENTITY;
  const zoom = Math.min(1, Math.max(MIN_ZOOM, Math.min((width - 2 * margin) / Math.max(r.w, 1), (height - 2 * margin) / Math.max(r.h, 1))));
  return { zoom, x: width / 2 - (r.x + r.w / 2) * zoom, y: height / 2 - (r.y + r.h / 2) * zoom };
}

/** Estimated size of a text element when it carries no measured w/h. */
export function textSize(el: BoardElement): { w: number; h: number } {
  const size = fontSize(el.width);
  const lines = (el.text ?? '').split('\n');
  const longest = lines.reduce((m, l) => Math.max(m, l.length), 0);
  return { w: el.w ?? Math.max(size * 0.6 * longest, size * 0.5), h: el.h ?? lines.length * size * 1.25 };
}

/** Points of an arrow head at the end of (x0,y0)→(x1,y1): [left, tip, right]. */
export function arrowHead(x0: number, y0: number, x1: number, y1: number, width: number): [Point, Point, Point] {
  const len = Math.max(10, width * 3);
  const a = Math.atan2(y1 - y0, x1 - x0);
  const spread = Math.PI / 7;
  return [
    { x: x1 - len * Math.cos(a - spread), y: y1 - len * Math.sin(a - spread) },
    { x: x1, y: y1 },
    { x: x1 - len * Math.cos(a + spread), y: y1 - len * Math.sin(a + spread) },
  ];
}

/** The outline of an ellipse (inside the rect x,y,w,h) as a closed polyline [x0,y0,…]. */
export function ellipsePoints(x: number, y: number, w: number, h: number, steps = 48): number[] {
  const cx = x + w / 2;
  const cy = y + h / 2;
  const out: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = (i / steps) * Math.PI * 2;
    out.push(cx + (Math.abs(w) / 2) * Math.cos(t), cy + (Math.abs(h) / 2) * Math.sin(t));
  }
  return out;
}

/** The rect with non-negative width and height. */
export const normRect = (x: number, y: number, w: number, h: number): Rect => ({
  x: w < 0 ? x + w : x,
  y: h < 0 ? y + h : y,
  w: Math.abs(w),
  h: Math.abs(h),
});

/** Bounds of one element including half its stroke (and arrow heads). */
export function elementBounds(el: BoardElement): Rect {
  const pad = el.width / 2;
  if (el.type === 'text') {
    const s = textSize(el);
    return { x: el.x ?? 0, y: el.y ?? 0, w: s.w, h: s.h };
  }
  let pts: number[];
  if (el.points) {
    pts = el.points.slice();
    if (el.type === 'arrow') {
      const n = pts.length;
      for (const p of arrowHead(pts[n - 4], pts[n - 3], pts[n - 2], pts[n - 1], el.width)) pts.push(p.x, p.y);
    }
  } else {
    const r = normRect(el.x ?? 0, el.y ?? 0, el.w ?? 0, el.h ?? 0);
    pts = [r.x, r.y, r.x + r.w, r.y + r.h];
  }
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 1 < pts.length; i += 2) {
    minX = Math.min(minX, pts[i]);
    maxX = Math.max(maxX, pts[i]);
    minY = Math.min(minY, pts[i + 1]);
    maxY = Math.max(maxY, pts[i + 1]);
  }
  return { x: minX - pad, y: minY - pad, w: maxX - minX + 2 * pad, h: maxY - minY + 2 * pad };
}

/** Bounds of all elements, or null for an empty board. */
export function boardBounds(elements: readonly Placed[]): Rect | null {
  if (elements.length === 0) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const { el } of elements) {
    const b = elementBounds(el);
    minX = Math.min(minX, b.x);
    minY = Math.min(minY, b.y);
    maxX = Math.max(maxX, b.x + b.w);
    maxY = Math.max(maxY, b.y + b.h);
  }
  return { x: minX, y: minY, w: maxX - minX, h: maxY - minY };
}

/** Distance from p to the segment a–b. */
export function distToSegment(p: Point, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((p.x - ax) * dx + (p.y - ay) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(p.x - (ax + t * dx), p.y - (ay + t * dy));
}

/** Distance from p to a polyline [x0,y0,x1,y1,…] (a single point counts as a dot). */
export function distToPolyline(p: Point, pts: readonly number[]): number {
  if (pts.length < 2) return Infinity;
  if (pts.length < 4) return Math.hypot(p.x - pts[0], p.y - pts[1]);
  let best = Infinity;
  for (let i = 0; i + 3 < pts.length; i += 2) {
    best = Math.min(best, distToSegment(p, pts[i], pts[i + 1], pts[i + 2], pts[i + 3]));
  }
  return best;
}

/** True when the circle at p with the given radius touches the element's stroke (or a text's box). */
export function hitElement(el: BoardElement, p: Point, radius: number): boolean {
  const tol = radius + el.width / 2;
  switch (el.type) {
    case 'pen':
    case 'line':
      return distToPolyline(p, el.points ?? []) <= tol;
    case 'arrow': {
      const pts = el.points ?? [];
      if (distToPolyline(p, pts) <= tol) return true;
      const n = pts.length;
      const [l, t, r] = arrowHead(pts[n - 4], pts[n - 3], pts[n - 2], pts[n - 1], el.width);
      return distToPolyline(p, [l.x, l.y, t.x, t.y, r.x, r.y]) <= tol;
    }
    case 'rect': {
      const r = normRect(el.x ?? 0, el.y ?? 0, el.w ?? 0, el.h ?? 0);
      const outline = [r.x, r.y, r.x + r.w, r.y, r.x + r.w, r.y + r.h, r.x, r.y + r.h, r.x, r.y];
      return distToPolyline(p, outline) <= tol;
    }
    case 'ellipse':
      return distToPolyline(p, ellipsePoints(el.x ?? 0, el.y ?? 0, el.w ?? 0, el.h ?? 0)) <= tol;
    case 'text': {
      const b = elementBounds(el);
      return p.x >= b.x - radius && p.x <= b.x + b.w + radius && p.y >= b.y - radius && p.y <= b.y + b.h + radius;
    }
  }
}

/** Ids of the elements touched by an eraser of the given radius moved from `from` to `to`. */
export function eraserHits(elements: readonly Placed[], from: Point, to: Point, radius: number): string[] {
  const dist = Math.hypot(to.x - from.x, to.y - from.y);
  const steps = Math.max(1, Math.ceil(dist / Math.max(radius, 0.5)));
  const samples: Point[] = [];
  for (let i = 0; i <= steps; i++) {
    samples.push({ x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps });
  }
  const hits: string[] = [];
  for (const { id, el } of elements) {
    const b = elementBounds(el);
    const near = samples.filter(
      (s) => s.x >= b.x - radius && s.x <= b.x + b.w + radius && s.y >= b.y - radius && s.y <= b.y + b.h + radius,
    );
    if (near.some((s) => hitElement(el, s, radius))) hits.push(id);
  }
  return hits;
}

/** The topmost element under p, or null. */
export function topmostAt(elements: readonly Placed[], p: Point, radius: number): Placed | null {
  for (let i = elements.length - 1; i >= 0; i--) {
    if (hitElement(elements[i].el, p, radius)) return elements[i];
  }
  return null;
}

/** Ramer–Douglas–Peucker simplification of a polyline [x0,y0,…], coordinates rounded to 0.1. */
export function simplify(pts: readonly number[], epsilon: number): number[] {
  const n = pts.length / 2;
  if (n <= 2) return pts.map(round1);
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const stack: [number, number][] = [[0, n - 1]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    let best = -1;
    let bestD = epsilon;
    for (let i = a + 1; i < b; i++) {
      const d = distToSegment({ x: pts[2 * i], y: pts[2 * i + 1] }, pts[2 * a], pts[2 * a + 1], pts[2 * b], pts[2 * b + 1]);
      if (d > bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0) {
      keep[best] = 1;
      stack.push([a, best], [best, b]);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(round1(pts[2 * i]), round1(pts[2 * i + 1]));
  return out;
}
