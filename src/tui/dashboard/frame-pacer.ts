/**
 * Paces frames by what they cost. Ink redraws the whole screen on every frame (tens of ms for a
 * large terminal on a loaded machine), so the dashboard allows itself a share of the time (the
 * budget) rather than a fixed rate: ten frames a second when frames are cheap, fewer when they are
 * not, and the node keeps the rest.
 */
/** Frames not counted in the cost. */
const WARM_UP_FRAMES = 3;

export class FramePacer {
  /** performance.now() when the last frame started */
  private lastStart = Number.NEGATIVE_INFINITY;
  private pending: number | undefined;
  private frames = 0;
  /** smoothed cost of a frame, ms */
  cost = 0;

  /**
   * @param intervalMs shortest gap between frames (100: ten a second)
   * @param budget share of the time frames may take (0.03: 3%)
   * @param maxGapMs longest gap: the screen stays alive (one frame a second) however slow frames get
   */
  constructor(
    readonly intervalMs = 100,
    readonly budget = 0.03,
    readonly maxGapMs = 1000,
  ) {}

  /** ms from one frame's start to the next's. */
  gap(): number {
    return Math.min(this.maxGapMs, Math.max(this.intervalMs, this.cost / this.budget));
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
    // The first frames pay for loading and compiling the code: they say nothing about the next ones.
    if (++this.frames <= WARM_UP_FRAMES) return;
    this.cost = this.cost === 0 ? ms : this.cost * 0.7 + ms * 0.3;
  }
}
