// The `view` reporter of a session: keeps the heights the gallery shows remote videos at, and sends them as
// `{"op":"view","tiles":…}` debounced (200 ms), in device pixels, only for tracks this peer connection
// receives, only when they changed, and all 0 while the tab is hidden (docs/video.md: video not shown is
// not forwarded).
import { sameView, viewTiles } from './gallery';
import type { VideoState } from './protocol';

const VIEW_DEBOUNCE_MS = 200;

export class ViewReporter {
  private shown = new Map<number, number>();
  private last: Record<string, number> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * `source` gives the current state and the received track ids (null: nothing to report now); `send`
   * publishes the request (a failure makes the next report send again).
   */
  constructor(
    private readonly source: () => { state: VideoState; received: Set<number> } | null,
    private readonly send: (tiles: Record<string, number>) => Promise<unknown>,
  ) {}

  /** The heights (CSS px) the gallery shows remote video tracks at. */
  setShown(shown: Map<number, number>): void {
    this.shown = shown;
    this.schedule();
  }

  /** Reports after `delay` ms (later calls restart the wait). */
  schedule(delay = VIEW_DEBOUNCE_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
  }

  /** Forgets what was sent (new peer connection, other room): the next report is sent in any case. */
  reset(): void {
    this.last = null;
  }

  /** Reports again whenever the tab is hidden or shown; returns the function that stops it. */
  watchVisibility(): () => void {
    const onChange = () => this.schedule();
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    const now = this.source();
    if (!now) return;
    const { state, received } = now;
    const tiles = viewTiles({ ...state, tracks: state.tracks.filter((t) => received.has(t.id)) }, this.shown, document.hidden);
    const dpr = globalThis.devicePixelRatio || 1;
    for (const k of Object.keys(tiles)) tiles[k] = Math.round(tiles[k]! * dpr);
    if (sameView(this.last, tiles) || (this.last === null && Object.keys(tiles).length === 0)) return;
    this.last = tiles;
    this.send(tiles).catch(() => {
      this.last = null;
    });
  }
}
