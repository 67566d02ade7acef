/** The EVM adapter's error type (its own file so the adapter's parts can throw it without a cycle). */

/** A revert or failure of a chain call, with the contract's error name when there is one. */
export class ChainCallError extends Error {
  constructor(
    message: string,
    readonly revert?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChainCallError';
  }
}
