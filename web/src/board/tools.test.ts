// Tests of drafting with the tools: pen point spacing and simplification, shapes normalised, clicks ignored.
import { describe, expect, it } from 'vitest';
import { draftElement, extendDraft, finishDraft, startDraft } from './tools';

describe('drafts', () => {
  it('collects pen points at least minStep apart and simplifies on finish', () => {
    let d = startDraft('pen', { x: 0, y: 0 }, '#000000', 4);
    d = extendDraft(d, { x: 0.2, y: 0 }, 1);
    expect(d.pts).toEqual([0, 0]);
    for (let i = 1; i <= 10; i++) d = extendDraft(d, { x: i * 2, y: 0 }, 1);
    expect(d.pts.length).toBe(22);
    const el = finishDraft(d, 7, 'u1', 0.5);
    expect(el).toEqual({ type: 'pen', points: [0, 0, 20, 0], color: '#000000', width: 4, z: 7, by: 'u1' });
  });

  it('keeps a pen click as a dot', () => {
    const el = finishDraft(startDraft('pen', { x: 3.33, y: 4.44 }, '#000000', 4), 1, 'u', 0.5);
    expect(el?.points).toEqual([3.3, 4.4]);
  });

  it('normalises rectangles dragged up-left', () => {
    let d = startDraft('rect', { x: 10, y: 10 }, '#000000', 2);
    d = extendDraft(d, { x: 0, y: 4 }, 1);
    expect(finishDraft(d, 1, 'u', 0.5)).toMatchObject({ type: 'rect', x: 0, y: 4, w: 10, h: 6 });
    expect(draftElement(d)).toMatchObject({ x: 0, y: 4, w: 10, h: 6 });
  });

  it('stores lines and arrows as two points and ignores clicks', () => {
    let d = startDraft('arrow', { x: 0, y: 0 }, '#000000', 2);
    expect(finishDraft(d, 1, 'u', 0.5)).toBeNull();
    const same = extendDraft(d, { x: 0, y: 0 }, 1);
    expect(same).toBe(d);
    d = extendDraft(d, { x: 30.06, y: 40 }, 1);
    expect(finishDraft(d, 1, 'u', 0.5)).toMatchObject({ type: 'arrow', points: [0, 0, 30.1, 40] });
  });
});
