/**
 * One place that hands out our account's nonces. Concurrent channel operations (opens, deposits,
 * claims, closes on several channels at once) each get the next nonce, in the order they reach the
 * point of sending; only the sign-persist-broadcast step is serialised, the wait for mining is not.
 *
 * The first nonce comes from the chain's pending transaction count (which includes what we sent
 * before a restart and is still in the pool); after any failure to send, the next use reads it again,
 * so a nonce that was never used is handed out again instead of leaving a gap that would stall every
 * later transaction.
 */
import { SerialQueue } from '../shared.js';

export class NonceManager {
  private next: number | undefined;
  private readonly queue = new SerialQueue();

  /** @param pendingCount the chain's transaction count of our account at the `pending` block */
  constructor(private readonly pendingCount: () => Promise<number>) {}

  /**
   * Runs `send` with the next nonce, after every `send` queued before it. `send` resolves once its
   * transaction was handed to the chain; when it throws, the nonce is not taken and the next use
   * re-reads the chain's pending count.
   */
  use<T>(send: (nonce: number) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.next ??= await this.pendingCount();
      const nonce = this.next;
      try {
        const out = await send(nonce);
        this.next = nonce + 1;
        return out;
      } catch (err) {
        this.next = undefined;
        throw err;
      }
    });
  }

  /** Forgets the local count: the next use reads the chain's pending count (after a transaction was dropped or replaced by another). */
  resync(): void {
    this.next = undefined;
  }
}
