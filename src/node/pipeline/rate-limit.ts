/**
 * Per-peer rate limit: a token bucket refilled continuously. Off unless a peer configures it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param ratePerSecond packets per second sustained
   * @param burst largest burst (defaults to one second's worth)
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = ratePerSecond,
    now: number = performance.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token; false when the bucket is empty (the packet gets T05). */
  take(now: number = performance.now()): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
