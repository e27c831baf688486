// Tests of canvas drawing against a recording fake context: pen smoothing, shapes, text, scene transform.
import { describe, expect, it } from 'vitest';
import type { BoardElement } from './model';
import { type Ctx, drawElement, drawScene, measureText, penPath } from './render';

/** A fake context that records method calls and property writes. */
function recorder() {
  const calls: string[] = [];
  const props: Record<string, unknown> = {};
  const ctx = new Proxy(props, {
    get(target, key: string) {
      if (key in target) return target[key];
      return (...args: unknown[]) => calls.push(`${key}(${args.map((a) => (typeof a === 'number' ? Math.round(a * 100) / 100 : String(a))).join(',')})`);
    },
    set(target, key: string, value) {
      target[key] = value;
      calls.push(`${key}=${value}`);
      return true;
    },
  }) as unknown as Ctx;
  return { ctx, calls };
}

const base = { color: '#123456', width: 4, z: 0, by: 'u' };

describe('penPath', () => {
  it('handles dots, segments and smoothed curves', () => {
    expect(penPath([])).toEqual([]);
    expect(penPath([1, 2])).toEqual([{ op: 'M', x: 1, y: 2 }]);
    expect(penPath([0, 0, 10, 0])).toEqual([
      { op: 'M', x: 0, y: 0 },
      { op: 'L', x: 10, y: 0 },
    ]);
    expect(penPath([0, 0, 10, 0, 10, 10])).toEqual([
      { op: 'M', x: 0, y: 0 },
      { op: 'Q', cx: 10, cy: 0, x: 10, y: 5 },
      { op: 'L', x: 10, y: 10 },
    ]);
  });
});

describe('drawElement', () => {
  it('draws a pen dot as a filled circle', () => {
    const { ctx, calls } = recorder();
    drawElement(ctx, { type: 'pen', points: [5, 5], ...base });
    expect(calls).toContain('arc(5,5,2,0,6.28)');
    expect(calls).toContain('fill()');
  });

  it('strokes an arrow with its head', () => {
    const { ctx, calls } = recorder();
    drawElement(ctx, { type: 'arrow', points: [0, 0, 100, 0], ...base });
    expect(calls.filter((c) => c.startsWith('moveTo')).length).toBe(2);
    expect(calls).toContain('lineTo(100,0)');
    expect(calls).toContain('strokeStyle=#123456');
    expect(calls).toContain('lineWidth=4');
    expect(calls[calls.length - 1]).toBe('stroke()');
  });

  it('draws rects, ellipses and multi-line text', () => {
    const r = recorder();
    drawElement(r.ctx, { type: 'rect', x: 1, y: 2, w: 3, h: 4, ...base });
    expect(r.calls).toContain('rect(1,2,3,4)');
    const e = recorder();
    drawElement(e.ctx, { type: 'ellipse', x: 0, y: 0, w: 20, h: 10, ...base });
    expect(e.calls).toContain('ellipse(10,5,10,5,0,0,6.28)');
    const t = recorder();
    const el: BoardElement = { type: 'text', x: 0, y: 0, text: 'a\nb', ...base };
    drawElement(t.ctx, el);
    expect(t.calls.filter((c) => c.startsWith('fillText')).length).toBe(2);
  });
});

describe('drawScene', () => {
  it('paints white and applies the view at the device pixel ratio', () => {
    const { ctx, calls } = recorder();
    drawScene(ctx, [{ id: 'a', el: { type: 'pen', points: [0, 0], ...base } }, { id: 'b', el: { type: 'pen', points: [1, 1], ...base } }], { x: 10, y: 20, zoom: 2 }, 2, 100, 50, new Set(['b']));
    expect(calls).toContain('fillRect(0,0,200,100)');
    expect(calls).toContain('setTransform(4,0,0,4,20,40)');
    expect(calls.filter((c) => c.startsWith('arc')).length).toBe(1);
  });
});

describe('measureText', () => {
  it('measures the longest line', () => {
    const ctx = { font: '', measureText: (s: string) => ({ width: s.length * 10 }) as TextMetrics };
    const size = measureText(ctx, { type: 'text', x: 0, y: 0, text: 'abc\nabcdef', ...base });
    expect(size.w).toBe(60);
    expect(size.h).toBeGreaterThan(0);
  });
});
