// One negotiation at a time: SerialRunner runs an async task (offer → answer) when asked, and when asked again
// while the task runs, it runs it once more afterwards (however often it was asked meanwhile), so state
// changes during a negotiation are never lost and offers never overlap. Used by session.ts; no WebRTC here.

export class SerialRunner {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  /**
   * `task` is the negotiation; `onError` sees its failures and says whether requests that came in
   * meanwhile should still run (false drops them, e.g. when the connection is gone).
   */
  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => boolean,
  ) {}

  /** Asks for a run: starts one now, or once more after the current one. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    // Set before the task starts (a microtask later): a request from the task's synchronous part must not
    // start a second loop.
    this.running = Promise.resolve().then(() => this.loop());
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Resolves when no run is going on (at once when idle). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No more runs (the current one finishes). */
  stop(): void {
    this.stopped = true;
    this.again = false;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.task();
        } catch (err) {
          if (!this.onError(err)) this.again = false;
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = null;
    }
  }
}
