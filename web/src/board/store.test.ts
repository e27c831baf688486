// Tests of the Yjs-backed store and exports: writes follow the contract, undo/redo affects only own
// changes, remote peers converge, SVG export of a document, PNG layout.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { exportBoardSvg, MAX_PNG_SIDE, pngLayout } from './export';
import { BoardStore, readElements } from './store';

const pen = { type: 'pen' as const, points: [0, 0, 10, 10], color: '#000000', width: 2, z: 0, by: 'u1' };

function pair() {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, u, 'remote'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, u, 'remote'));
  return { a, b };
}

describe('BoardStore', () => {
  it('stores plain JSON elements under new ids with increasing z', () => {
    const doc = new Y.Doc();
    const s = new BoardStore(doc);
    const id1 = s.add(pen);
    const id2 = s.add(pen);
    const raw = doc.getMap('elements').toJSON();
    expect(raw[id1]).toEqual({ ...pen, z: 1 });
    expect(raw[id2].z).toBe(2);
    expect(s.elements().map((e) => e.id)).toEqual([id1, id2]);
    s.remove([id1]);
    expect(doc.getMap('elements').has(id1)).toBe(false);
    expect(s.elements().length).toBe(1);
  });

  it('undoes and redoes only its own changes, one gesture per step', () => {
    const { a, b } = pair();
    const sa = new BoardStore(a);
    const sb = new BoardStore(b);
    sa.newStep();
    const mine = sa.add(pen);
    sb.newStep();
    const theirs = sb.add({ ...pen, by: 'u2' });
    expect(sa.elements().length).toBe(2);
    expect(sa.canUndo()).toBe(true);
    sa.undo.undo();
    expect(readElements(a).map((e) => e.id)).toEqual([theirs]);
    expect(readElements(b).map((e) => e.id)).toEqual([theirs]);
    expect(sa.canUndo()).toBe(false);
    sa.undo.redo();
    expect(readElements(b).map((e) => e.id).sort()).toEqual([mine, theirs].sort());
    // Erasing is undoable too.
    sa.newStep();
    sa.remove([theirs]);
    expect(readElements(b).length).toBe(1);
    sa.undo.undo();
    expect(readElements(b).length).toBe(2);
  });

  it('groups several writes of one gesture into one undo step', () => {
    const doc = new Y.Doc();
    const s = new BoardStore(doc);
    const ids = [s.add(pen), s.add(pen), s.add(pen)];
    s.newStep();
    s.remove([ids[0]]);
    s.remove([ids[1]]);
    s.undo.undo();
    expect(s.elements().length).toBe(3);
  });

  it('notifies subscribers and ignores replacing an erased element', () => {
    const doc = new Y.Doc();
    const s = new BoardStore(doc);
    let calls = 0;
    const off = s.subscribe(() => calls++);
    const id = s.add(pen);
    expect(calls).toBeGreaterThan(0);
    s.remove([id]);
    s.replace(id, pen);
    expect(doc.getMap('elements').has(id)).toBe(false);
    off();
    s.destroy();
  });
});

describe('exports', () => {
  it('exports a document as SVG, skipping invalid entries', () => {
    const doc = new Y.Doc();
    const m = doc.getMap('elements');
    m.set('a', { type: 'text', x: 0, y: 0, text: 'Tafel & <Kreide>', color: '#000000', width: 2, z: 1, by: 'u' });
    m.set('b', { type: 'nope' });
    const svg = exportBoardSvg(doc);
    expect(svg).toContain('Tafel &amp; &lt;Kreide&gt;');
    expect(svg.match(/<text/g)?.length).toBe(1);
  });

  it('lays out the PNG with margin and caps huge boards', () => {
    expect(pngLayout({ x: 10, y: 20, w: 100, h: 50 }, 20)).toEqual({ width: 140, height: 90, scale: 1, originX: -10, originY: 0 });
    const big = pngLayout({ x: 0, y: 0, w: 100000, h: 1000 }, 20);
    expect(big.width).toBeLessThanOrEqual(MAX_PNG_SIDE);
    expect(big.scale).toBeLessThan(1);
    expect(pngLayout(null, 20)).toMatchObject({ width: 40, height: 40 });
  });
});
