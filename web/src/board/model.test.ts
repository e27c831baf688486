// Tests of the board data model: validation of untrusted map entries, drawing order, ids, translation.
import { describe, expect, it } from 'vitest';
import { newElementId, nextZ, PALETTE, sortedElements, toElement, translated } from './model';

describe('toElement', () => {
  it('accepts the contract shapes', () => {
    expect(toElement({ type: 'pen', points: [0, 0, 1, 1], color: '#FF0000', width: 4, z: 1, by: 'u1' })).toEqual({
      type: 'pen',
      points: [0, 0, 1, 1],
      color: '#ff0000',
      width: 4,
      z: 1,
      by: 'u1',
    });
    expect(toElement({ type: 'rect', x: 1, y: 2, w: 3, h: 4, color: '#000000', width: 2, z: 0, by: 'u' })).toMatchObject({ x: 1, y: 2, w: 3, h: 4 });
    expect(toElement({ type: 'text', x: 1, y: 2, text: 'Hallo', color: '#000000', width: 2, z: 0, by: 'u' })).toMatchObject({ text: 'Hallo' });
    expect(toElement({ type: 'pen', points: [5, 5], color: '#000000', width: 2, z: 0, by: 'u' })).not.toBeNull();
  });

  it('rejects what cannot be drawn', () => {
    expect(toElement(null)).toBeNull();
    expect(toElement([1, 2])).toBeNull();
    expect(toElement({ type: 'circle', x: 0, y: 0, w: 1, h: 1 })).toBeNull();
    expect(toElement({ type: 'line', points: [0, 0] })).toBeNull();
    expect(toElement({ type: 'pen', points: [0, 0, 1] })).toBeNull();
    expect(toElement({ type: 'pen', points: [0, 'x'] })).toBeNull();
    expect(toElement({ type: 'pen', points: [0, Infinity] })).toBeNull();
    expect(toElement({ type: 'rect', x: 0, y: 0, w: 1 })).toBeNull();
    expect(toElement({ type: 'text', x: 0, y: 0, text: '' })).toBeNull();
  });

  it('repairs style fields and drops unknown fields', () => {
    const el = toElement({ type: 'line', points: [0, 0, 1, 1], color: 'red" onload="x', width: 1e9, evil: 1 });
    expect(el).toEqual({ type: 'line', points: [0, 0, 1, 1], color: PALETTE[0], width: 100, z: 0, by: '' });
  });
});

describe('sortedElements', () => {
  it('orders by z then id and skips invalid entries', () => {
    const entries: [string, unknown][] = [
      ['b', { type: 'pen', points: [0, 0], color: '#000000', width: 1, z: 2, by: '' }],
      ['c', { type: 'pen', points: [0, 0], color: '#000000', width: 1, z: 1, by: '' }],
      ['a', { type: 'pen', points: [0, 0], color: '#000000', width: 1, z: 2, by: '' }],
      ['x', 'garbage'],
    ];
    const out = sortedElements(entries);
    expect(out.map((p) => p.id)).toEqual(['c', 'a', 'b']);
    expect(nextZ(out)).toBe(3);
    expect(nextZ([])).toBe(1);
  });
});

describe('helpers', () => {
  it('makes distinct short ids', () => {
    const ids = new Set(Array.from({ length: 200 }, newElementId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{12}$/);
  });

  it('translates points and positions', () => {
    expect(translated({ type: 'line', points: [0, 0, 10, 10], color: '#000000', width: 1, z: 0, by: '' }, 1.04, -2).points).toEqual([1, -2, 11, 8]);
    expect(translated({ type: 'rect', x: 1, y: 1, w: 2, h: 2, color: '#000000', width: 1, z: 0, by: '' }, 5, 5)).toMatchObject({ x: 6, y: 6, w: 2, h: 2 });
  });
});
