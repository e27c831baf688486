// Tests of presence: reading remote pointers from awareness states, laser trails fading, throttling.
import { describe, expect, it } from 'vitest';
import { extendTrail, LASER_TTL_MS, makeThrottle, pruneTrail, remotePointers, trailAlpha } from './presence';

describe('remotePointers', () => {
  it('reads other clients with a valid pointer', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { id: 'me', name: 'Ich', color: '#000000' }, pointer: { x: 1, y: 2 } }],
      [2, { user: { id: 'a', name: 'Anna', color: '#ff0000' }, pointer: { x: 3, y: 4 }, laser: true }],
      [3, { user: { id: 'b', name: 'Ben', color: 'javascript:' }, pointer: { x: 5, y: 6 } }],
      [4, { user: { id: 'c', name: 'Cem' }, pointer: null }],
      [5, { user: { id: 'd' }, pointer: { x: 'a', y: 1 } }],
    ]);
    expect(remotePointers(states, 1)).toEqual([
      { clientId: 2, name: 'Anna', color: '#ff0000', x: 3, y: 4, laser: true },
      { clientId: 3, name: 'Ben', color: '#5f6b7a', x: 5, y: 6, laser: false },
    ]);
  });
});

describe('laser trail', () => {
  it('appends moved points and drops old ones', () => {
    let t = extendTrail([], { x: 0, y: 0 }, 0);
    t = extendTrail(t, { x: 0, y: 0 }, 10);
    expect(t).toEqual([{ x: 0, y: 0, t: 10 }]);
    t = extendTrail(t, { x: 5, y: 0 }, 20);
    expect(t.length).toBe(2);
    expect(pruneTrail(t, 10 + LASER_TTL_MS)).toEqual([{ x: 5, y: 0, t: 20 }]);
    expect(pruneTrail(t, 20 + LASER_TTL_MS)).toEqual([]);
  });

  it('fades linearly', () => {
    expect(trailAlpha(0)).toBe(1);
    expect(trailAlpha(LASER_TTL_MS / 2)).toBeCloseTo(0.5);
    expect(trailAlpha(LASER_TTL_MS * 2)).toBe(0);
    expect(trailAlpha(-5)).toBe(1);
  });

  it('keeps the trail bounded', () => {
    let t = extendTrail([], { x: 0, y: 0 }, 0);
    for (let i = 1; i < 1000; i++) t = extendTrail(t, { x: i, y: 0 }, 0);
    expect(t.length).toBeLessThanOrEqual(200);
    expect(t[t.length - 1].x).toBe(999);
  });
});

describe('makeThrottle', () => {
  it('accepts at most one call per interval', () => {
    const th = makeThrottle(100);
    expect(th.due(0)).toBe(true);
    expect(th.due(50)).toBe(false);
    expect(th.wait(50)).toBe(50);
    expect(th.due(100)).toBe(true);
  });
});
