/**
 * Paces frames by what they cost. Ink redraws the whole screen on every frame (tens of ms for a
 * large terminal on a loaded machine), so the dashboard allows itself a share of the time (the
 * budget) rather than a fixed rate: ten frames a second when frames are cheap, fewer when they are
 * not, and the node keeps the rest.
 */
export class FramePacer {
  /** performance.now() when the last frame started */
  private lastStart = Number.NEGATIVE_INFINITY;
  private pending: number | undefined;
  /** smoothed cost of a frame, ms */
  cost = 0;

  /**
   * @param intervalMs shortest gap between frames (100: ten a second)
   * @param budget share of the time frames may take (0.04: 4%)
   */
  constructor(
    readonly intervalMs = 100,
    readonly budget = 0.04,
  ) {}

  /** ms from one frame's start to the next's. */
  gap(): number {
    return Math.max(this.intervalMs, this.cost / this.budget);
  }

  /** True when a frame may start at `now` (ms, performance.now()). */
  due(now: number): boolean {
    return now - this.lastStart >= this.gap();
  }

  started(now: number): void {
    this.lastStart = now;
    this.pending = now;
  }

  /** The frame that started last is on the screen; `now` in ms (performance.now()). */
  finished(now: number): void {
    if (this.pending === undefined) return;
    const ms = now - this.pending;
    this.pending = undefined;
    this.cost = this.cost === 0 ? ms : this.cost * 0.7 + ms * 0.3;
  }
}
