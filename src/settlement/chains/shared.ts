/**
 * What the chain adapters (evm, xrpl, aptos) share: one transaction at a time per wallet, and the
 * check of a channel's settle delay against the adapter's accepted range.
 */

/**
 * Runs transactions one after another: each starts once every one queued before it has settled (a
 * failed one does not stop the queue), so two never race for a nonce or sequence number.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every function queued before it; resolves or rejects as `fn` does. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/**
 * Why `seconds` is not an acceptable settle delay (challenge period) within `range` (seconds,
 * inclusive), or undefined when it is.
 */
export function settleDelayProblem(range: readonly [number, number], seconds: number): string | undefined {
  const [min, max] = range;
  if (Number.isInteger(seconds) && seconds >= min && seconds <= max) return undefined;
  return `the settle delay must be whole seconds in ${min}..${max}, got ${seconds}`;
}
