/**
 * Per-peer caps on what a peer may have waiting for an answer at once: Prepares
 * (`performance.maxInFlightPerPeer`, default 1024) and the bytes of their data
 * (`performance.maxInFlightBytesPerPeer`, default 8 MiB). Without them a peer that sends Prepares
 * with far expiries pins our memory: zero-amount 16 KB Prepares need no credit at all. Past a cap
 * the Prepare gets T03 naming the limit. `peer.*` control traffic (route broadcasts) does not count
 * against the data cap. 0 turns a cap off.
 */
import { ConnectorBusyError } from '../ilp/errors.js';

interface Load {
  count: number;
  bytes: number;
}

export class InFlightCaps {
  /** One entry per peer that has sent a Prepare (configured peers only: the pipeline admits known sources). */
  private readonly load = new Map<string, Load>();

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
    /** Told of each refusal (metrics). */
    private readonly onRefused?: (peer: string, limit: 'count' | 'bytes') => void,
  ) {}

  /**
   * Counts a Prepare from `peer` carrying `dataBytes` of data; returns the bytes held for it
   * (pass them to release). Throws T03 past a cap, counting nothing.
   */
  admit(peer: string, dataBytes: number, control: boolean): number {
    let l = this.load.get(peer);
    if (l === undefined) {
      l = { count: 0, bytes: 0 };
      this.load.set(peer, l);
    }
    if (this.maxCount > 0 && l.count >= this.maxCount) {
      this.onRefused?.(peer, 'count');
      throw new ConnectorBusyError(`peer ${peer} has ${l.count} Prepares awaiting an answer, the most allowed (performance.maxInFlightPerPeer)`);
    }
    const bytes = control ? 0 : dataBytes;
    if (this.maxBytes > 0 && bytes > 0 && l.bytes + bytes > this.maxBytes) {
      this.onRefused?.(peer, 'bytes');
      throw new ConnectorBusyError(`peer ${peer} has ${l.bytes} bytes of Prepare data awaiting an answer; this one would pass the limit of ${this.maxBytes} (performance.maxInFlightBytesPerPeer)`);
    }
    l.count++;
    l.bytes += bytes;
    return bytes;
  }

  release(peer: string, bytes: number): void {
    const l = this.load.get(peer);
    if (l === undefined) return;
    l.count--;
    l.bytes -= bytes;
    // Kept at zero, not deleted: a peer with one packet at a time would otherwise cost a new entry per packet.
  }

  /** What a peer has in flight now. */
  of(peer: string): { count: number; bytes: number } {
    const l = this.load.get(peer);
    return { count: l?.count ?? 0, bytes: l?.bytes ?? 0 };
  }
}
