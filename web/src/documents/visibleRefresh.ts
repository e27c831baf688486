// Cheap background refresh for the editor page: runs a callback every `intervalMs` while the page is
// visible (document.visibilityState), and when the window regains focus or the tab becomes visible
// again; never two at once and not more often than `minGapMs` on focus. Used for the live title
// (GET /api/documents/{id}, 60 s) and the version panel (30 s).
import { useEffect, useRef } from 'preact/hooks';

/** What the scheduler needs from the browser; injectable for tests. */
export interface RefreshEnv {
  window: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  document: Pick<Document, 'addEventListener' | 'removeEventListener' | 'visibilityState'>;
  setInterval: (run: () => void, ms: number) => unknown;
  clearInterval: (handle: unknown) => void;
  now: () => number;
}

export interface RefreshOptions {
  intervalMs: number;
  /** A focus/visible event within this time after the last refresh is ignored (default 5 s). */
  minGapMs?: number;
}

export const browserEnv = (): RefreshEnv => ({
  window,
  document,
  setInterval: (run, ms) => globalThis.setInterval(run, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as number),
  now: () => Date.now(),
});

/**
 * Starts the schedule; `refresh` may return a promise, while it is pending no other refresh starts.
 * Returns the function that stops everything (timer and listeners).
 */
export function startVisibleRefresh(env: RefreshEnv, refresh: () => unknown, options: RefreshOptions): () => void {
  const minGap = options.minGapMs ?? 5_000;
  let last = env.now();
  let pending = false;
  let stopped = false;

  const run = () => {
    if (stopped || pending) return;
    last = env.now();
    let result: unknown;
    try {
      result = refresh();
    } catch {
      return;
    }
    if (result instanceof Promise) {
      pending = true;
      result.then(
        () => (pending = false),
        () => (pending = false),
      );
    }
  };
  const visible = () => env.document.visibilityState === 'visible';
  const onTick = () => {
    if (visible()) run();
  };
  const onWake = () => {
    if (visible() && env.now() - last >= minGap) run();
  };

  const timer = env.setInterval(onTick, options.intervalMs);
  env.window.addEventListener('focus', onWake);
  env.document.addEventListener('visibilitychange', onWake);
  return () => {
    stopped = true;
    env.clearInterval(timer);
    env.window.removeEventListener('focus', onWake);
    env.document.removeEventListener('visibilitychange', onWake);
  };
}

/** Runs `refresh` on the visible-refresh schedule while the component is mounted (latest callback used). */
export function useVisibleRefresh(refresh: () => unknown, intervalMs: number, deps: unknown[] = []): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => startVisibleRefresh(browserEnv(), () => latest.current(), { intervalMs }), [intervalMs, ...deps]);
}
