// Tests of board geometry: view transform and zoom anchoring, bounds, hit-testing, eraser, simplification.
import { describe, expect, it } from 'vitest';
import {
  boardBounds,
  distToSegment,
  elementBounds,
  eraserHits,
  fitView,
  hitElement,
  IDENTITY,
  MAX_ZOOM,
  simplify,
  toBoard,
  toScreen,
  topmostAt,
  zoomAt,
} from './geometry';
import type { BoardElement, Placed } from './model';

const base = { color: '#000000', width: 2, z: 0, by: 'u' };
const line = (pts: number[]): BoardElement => ({ type: 'line', points: pts, ...base });
const rect = (x: number, y: number, w: number, h: number): BoardElement => ({ type: 'rect', x, y, w, h, ...base });

describe('view', () => {
  it('maps between screen and board', () => {
    const v = { x: 10, y: 20, zoom: 2 };
    expect(toScreen(v, { x: 5, y: 5 })).toEqual({ x: 20, y: 30 });
    expect(toBoard(v, { x: 20, y: 30 })).toEqual({ x: 5, y: 5 });
  });

  it('zooms around the given screen point and clamps', () => {
    const at = { x: 100, y: 50 };
    const before = toBoard(IDENTITY, at);
    const v = zoomAt(IDENTITY, 3, at);
    expect(v.zoom).toBe(3);
    const after = toBoard(v, at);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
    expect(zoomAt(IDENTITY, 1000, at).zoom).toBe(MAX_ZOOM);
  });

  it('fits bounds into the viewport', () => {
    const v = fitView({ x: 0, y: 0, w: 1000, h: 500 }, 600, 400, 50);
    expect(v.zoom).toBeCloseTo(0.5);
    const c = toScreen(v, { x: 500, y: 250 });
    expect(c.x).toBeCloseTo(300);
    expect(c.y).toBeCloseTo(200);
    expect(fitView(null, 600, 400)).toEqual(IDENTITY);
  });
});

describe('bounds', () => {
  it('includes half the stroke and normalises negative sizes', () => {
    expect(elementBounds(line([0, 0, 10, 20]))).toEqual({ x: -1, y: -1, w: 12, h: 22 });
    expect(elementBounds(rect(10, 10, -10, -5))).toEqual({ x: -1, y: 4, w: 12, h: 7 });
  });

  it('includes arrow heads', () => {
    const b = elementBounds({ type: 'arrow', points: [0, 0, 100, 0], ...base });
    expect(b.h).toBeGreaterThan(2);
  });

  it('uses measured text size when present, estimates otherwise', () => {
    const t: BoardElement = { type: 'text', x: 5, y: 6, text: 'ab\ncd', ...base };
    expect(elementBounds({ ...t, w: 30, h: 40 })).toEqual({ x: 5, y: 6, w: 30, h: 40 });
    const est = elementBounds(t);
    expect(est.w).toBeGreaterThan(0);
    expect(est.h).toBeGreaterThan(est.w / 2);
  });

  it('unites all elements, null when empty', () => {
    const els: Placed[] = [
      { id: 'a', el: rect(0, 0, 10, 10) },
      { id: 'b', el: line([50, 50, 60, 70]) },
    ];
    expect(boardBounds(els)).toEqual({ x: -1, y: -1, w: 62, h: 72 });
    expect(boardBounds([])).toBeNull();
  });
});

describe('hit-testing', () => {
  it('measures distance to a segment', () => {
    expect(distToSegment({ x: 5, y: 3 }, 0, 0, 10, 0)).toBe(3);
    expect(distToSegment({ x: -4, y: 3 }, 0, 0, 10, 0)).toBe(5);
    expect(distToSegment({ x: 3, y: 4 }, 0, 0, 0, 0)).toBe(5);
  });

  it('hits strokes, outlines and text boxes', () => {
    expect(hitElement(line([0, 0, 100, 0]), { x: 50, y: 4 }, 3)).toBe(true);
    expect(hitElement(line([0, 0, 100, 0]), { x: 50, y: 10 }, 3)).toBe(false);
    const r = rect(0, 0, 100, 100);
    expect(hitElement(r, { x: 0, y: 50 }, 2)).toBe(true);
    expect(hitElement(r, { x: 50, y: 50 }, 2)).toBe(false);
    const e: BoardElement = { type: 'ellipse', x: 0, y: 0, w: 100, h: 50, ...base };
    expect(hitElement(e, { x: 100, y: 25 }, 2)).toBe(true);
    expect(hitElement(e, { x: 50, y: 25 }, 2)).toBe(false);
    const dot: BoardElement = { type: 'pen', points: [10, 10], ...base };
    expect(hitElement(dot, { x: 12, y: 10 }, 2)).toBe(true);
    const t: BoardElement = { type: 'text', x: 0, y: 0, text: 'Hallo', w: 50, h: 20, ...base };
    expect(hitElement(t, { x: 25, y: 10 }, 1)).toBe(true);
    expect(hitElement(t, { x: 80, y: 10 }, 1)).toBe(false);
  });

  it('erases along a fast drag without gaps', () => {
    const els: Placed[] = [
      { id: 'v', el: line([50, -100, 50, 100]) },
      { id: 'far', el: line([500, 500, 600, 600]) },
      { id: 'box', el: rect(200, -10, 20, 20) },
    ];
    expect(eraserHits(els, { x: 0, y: 0 }, { x: 100, y: 0 }, 4)).toEqual(['v']);
    expect(eraserHits(els, { x: 0, y: 0 }, { x: 300, y: 0 }, 4).sort()).toEqual(['box', 'v']);
    expect(eraserHits(els, { x: 5, y: 5 }, { x: 5, y: 5 }, 4)).toEqual([]);
  });

  it('finds the topmost element', () => {
    const els: Placed[] = [
      { id: 'under', el: line([0, 0, 100, 0]) },
      { id: 'over', el: line([0, 1, 100, 1]) },
    ];
    expect(topmostAt(els, { x: 50, y: 0 }, 2)?.id).toBe('over');
    expect(topmostAt(els, { x: 50, y: 50 }, 2)).toBeNull();
  });
});

describe('simplify', () => {
  it('drops collinear points and keeps corners', () => {
    expect(simplify([0, 0, 1, 0, 2, 0, 3, 0, 3, 1, 3, 2], 0.5)).toEqual([0, 0, 3, 0, 3, 2]);
  });

  it('rounds to one decimal and keeps short strokes', () => {
    expect(simplify([0.123, 0.456], 1)).toEqual([0.1, 0.5]);
    expect(simplify([0, 0, 1.26, 1], 1)).toEqual([0, 0, 1.3, 1]);
  });
});
