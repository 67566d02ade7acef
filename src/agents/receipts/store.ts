/**
 * The payer's receipts: one JSON line per paid local send that asked for a receipt, in
 * `<dataDir>/agents/receipts.ndjson` (appended before the send answers). A payee that signed gives
 * `kind: "payee"` with its receipt; one that did not (other software, or a reply too long) gives
 * `kind: "payer-record"`: this node's own record, which proves nothing to a third party.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Receipt } from './receipt.js';

export interface ReceiptRecord {
  kind: 'payee' | 'payer-record';
  /** When this node recorded it. */
  at: string;
  destination: string;
  /** What this node sent (raw units of its asset). */
  amountSent: string;
  condition: string;
  fulfillment: string;
  /** The payee's signed receipt (kind payee). */
  receipt?: Receipt;
  /** Whether the payee's signature checked out against the key the receipt names, when recorded. */
  verified?: boolean;
  /** Why there is no payee receipt (kind payer-record). */
  note?: string;
}

export class ReceiptStore {
  private readonly file: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = join(dataDir, 'agents', 'receipts.ndjson');
  }

  /** Appends one record (appends are queued so lines never interleave). */
  add(record: ReceiptRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const next = this.chain.then(async () => {
      await mkdir(join(this.file, '..'), { recursive: true });
      await appendFile(this.file, line, { mode: 0o600 });
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The newest `limit` records, newest first. */
  async list(limit = 100): Promise<ReceiptRecord[]> {
    await this.chain;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: ReceiptRecord[] = [];
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      if (lines[i] === '') continue;
      try {
        out.push(JSON.parse(lines[i]) as ReceiptRecord);
      } catch {
        // A line cut short by a crash mid-append: skip it, keep the rest.
      }
    }
    return out;
  }
}
