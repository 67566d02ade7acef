/**
 * Data previews for packets sent from the explorer's own "send" form.
 *
 * Packet events carry no data on purpose: with metrics on (the default) every packet builds its
 * events, and copying and encoding its data there would tax every packet of every node for a view
 * that is rarely open — and would put agents' payloads into the NDJSON output and logs. The
 * explorer knows the data of the packets it sends itself, so it keeps those (bounded) and
 * shows them; other packets show their fields only.
 */

/** Bytes of a packet's data kept for its preview. */
export const PREVIEW_BYTES = 1024;

export interface DataPreview {
  /** base64 of the first PREVIEW_BYTES bytes */
  data: string;
  /** full length in bytes */
  length: number;
  truncated: boolean;
}

export interface SendPreview {
  packetId: string;
  /** ms since the epoch */
  ts: number;
  /** the Prepare's data */
  prepare: DataPreview;
  /** the Fulfill's or Reject's data, once answered */
  response?: DataPreview & { type: 'fulfill' | 'reject' };
}

/** Cuts `buf` to PREVIEW_BYTES and encodes it. */
export function preview(buf: Buffer): DataPreview {
  const cut = buf.length > PREVIEW_BYTES ? buf.subarray(0, PREVIEW_BYTES) : buf;
  return { data: cut.toString('base64'), length: buf.length, truncated: cut.length < buf.length };
}

/** The last `max` previews by packet id (oldest dropped first). */
export class SendPreviews {
  private readonly byId = new Map<string, SendPreview>();

  constructor(private readonly max = 500) {}

  get(packetId: string): SendPreview | undefined {
    return this.byId.get(packetId);
  }

  set(p: SendPreview): void {
    this.byId.delete(p.packetId);
    this.byId.set(p.packetId, p);
    if (this.byId.size > this.max) {
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) this.byId.delete(oldest);
    }
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}
