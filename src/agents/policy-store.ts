/**
 * What the policies keep on disk, in `<dataDir>/agents/`:
 * - `policies.json`: policies set at runtime (`PUT /admin/policies`); they win over the config's at
 *   the next start, as runtime peers do;
 * - `spend.json`: the spend history of every payer, so budget windows survive a restart.
 *
 * Both are written atomically (temporary file, then rename). The history is written behind the
 * payments, at most `flushDelayMs` after a commit and at close, never on the packet path: what a
 * kill -9 keeps it from writing is in the ledger's spend memo accounts, and policies.ts counts it at start.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { makeDirectory } from '../make-directory.js';
import type { StoredHistory } from './spend-history.js';

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export class PolicyStore {
  private readonly dir: string;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly logger: Logger,
    /** The history to write when a write is due. */
    private readonly snapshot: () => Record<string, StoredHistory>,
    private readonly flushDelayMs = 100,
  ) {
    this.dir = join(dataDir, 'agents');
  }

  /** Policies set at runtime, or undefined when none were. */
  loadPolicies(): unknown {
    return this.read('policies.json');
  }

  loadHistory(): Record<string, StoredHistory> {
    const v = this.read('spend.json');
    return v !== null && typeof v === 'object' ? (v as Record<string, StoredHistory>) : {};
  }

  /** Writes runtime policies (before they apply: persist first, apply second). */
  async savePolicies(policies: unknown): Promise<void> {
    await this.write('policies.json', toJson(policies));
  }

  /** Schedules a write of the history (coalesced). */
  historyChanged(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushDelayMs);
    this.timer.unref();
  }

  /** Writes the history now (and waits for any write in progress). */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing = this.writing
      .then(() => this.write('spend.json', JSON.stringify(this.snapshot())))
      .catch((err: unknown) => this.logger.error({ err }, 'could not write the policy spend history'));
    return this.writing;
  }

  private read(name: string): unknown {
    let raw: string;
    try {
      raw = readFileSync(join(this.dir, name), 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      this.logger.error({ err, file: join(this.dir, name) }, 'unreadable policy file ignored');
      return undefined;
    }
  }

  private async write(name: string, text: string): Promise<void> {
    makeDirectory(this.dir);
    const file = join(this.dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
  }
}
