// Unit tests for the visible-refresh schedule: interval only while visible, focus/visibility wake-ups
// with a minimum gap, no overlapping refreshes, and a full stop.
import { describe, expect, it } from 'vitest';
import { startVisibleRefresh, type RefreshEnv } from './visibleRefresh';

function fakeEnv() {
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
  let clock = 0;
  let tick: (() => void) | null = null;
  const env: RefreshEnv = {
    window: win as unknown as RefreshEnv['window'],
    document: doc as unknown as RefreshEnv['document'],
    setInterval: (run) => {
      tick = run;
      return 1;
    },
    clearInterval: () => (tick = null),
    now: () => clock,
  };
  return {
    env,
    advance: (ms: number) => (clock += ms),
    tick: () => tick?.(),
    hasTimer: () => tick !== null,
    focus: () => win.dispatchEvent(new Event('focus')),
    setVisible: (v: boolean) => {
      doc.visibilityState = v ? 'visible' : 'hidden';
      doc.dispatchEvent(new Event('visibilitychange'));
    },
  };
}

describe('startVisibleRefresh', () => {
  it('refreshes on the interval only while the page is visible', () => {
    const f = fakeEnv();
    let n = 0;
    startVisibleRefresh(f.env, () => n++, { intervalMs: 60_000 });
    expect(n).toBe(0);
    f.advance(60_000);
    f.tick();
    expect(n).toBe(1);
    f.setVisible(false);
    f.advance(60_000);
    f.tick();
    expect(n).toBe(1);
  });

  it('refreshes when the window regains focus or the tab becomes visible, but not twice in a row', () => {
    const f = fakeEnv();
    let n = 0;
    startVisibleRefresh(f.env, () => n++, { intervalMs: 60_000, minGapMs: 5_000 });
    f.focus();
    expect(n).toBe(0); // just started
    f.advance(10_000);
    f.focus();
    expect(n).toBe(1);
    f.advance(1_000);
    f.focus();
    expect(n).toBe(1);
    f.setVisible(false);
    f.advance(30_000);
    expect(n).toBe(1);
    f.setVisible(true);
    expect(n).toBe(2);
  });

  it('never overlaps a pending refresh', async () => {
    const f = fakeEnv();
    let n = 0;
    let resolve: () => void = () => {};
    startVisibleRefresh(
      f.env,
      () => {
        n++;
        return new Promise<void>((r) => (resolve = r));
      },
      { intervalMs: 1_000 },
    );
    f.tick();
    f.tick();
    expect(n).toBe(1);
    resolve();
    await Promise.resolve();
    f.tick();
    expect(n).toBe(2);
  });

  it('stops the timer and listeners', () => {
    const f = fakeEnv();
    let n = 0;
    const stop = startVisibleRefresh(f.env, () => n++, { intervalMs: 1_000 });
    stop();
    expect(f.hasTimer()).toBe(false);
    f.advance(10_000);
    f.focus();
    f.setVisible(true);
    expect(n).toBe(0);
  });
});
