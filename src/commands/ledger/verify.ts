import type { VerifyResult } from '../../ledger/index.js';
import type { LedgerVerifyBody } from '../../node/http/ledger-routes.js';
import { LedgerCommand, describeSource } from '../../cli/ledger-command.js';
import { out, table } from '../../cli/output.js';

/** What `ledger verify --json` prints. */
export interface LedgerVerifyResult extends VerifyResult {
  /** `data-dir`: the store was opened directly; `admin-api`: a running node was asked. */
  via: 'data-dir' | 'admin-api';
  dataDir?: string;
  /** With `ledger.backend: postgres`, read directly: the database, password masked. */
  database?: string;
  url?: string;
}

/** `agent-runtime ledger verify`. */
export default class LedgerVerify extends LedgerCommand {
  static override summary = 'Check every stored balance against the journal and checkpoints';

  static override description =
    'Recompute every account balance from the checkpoints and the journal alone and compare it with the stored balance; ' +
    'the balances must also sum to zero. Exit 0 when everything matches, 1 when an account differs (each is listed, stored vs recomputed).\n' +
    'Opens the data directory directly when no process holds it; while a node runs with it, asks that node through its admin API (--url).';

  static override examples = [
    '<%= config.bin %> ledger verify --data-dir data/alice',
    '<%= config.bin %> ledger verify --config config.yaml --json',
    '<%= config.bin %> ledger verify --url http://127.0.0.1:8081',
  ];

  async run(): Promise<LedgerVerifyResult> {
    const { flags } = await this.parse(LedgerVerify);
    const result = await this.withLedger(flags, async (source): Promise<LedgerVerifyResult> => {
      if (source.via === 'data-dir') return { ...(await source.ledger.verify()), via: 'data-dir', dataDir: source.dataDir, ...(source.database !== undefined ? { database: source.database } : {}) };
      const { dataDir, ...r } = await source.client.get<LedgerVerifyBody>('/admin/ledger/verify');
      return { ...r, via: 'admin-api', dataDir, url: source.url };
    });
    if (!this.jsonEnabled()) {
      out(`Ledger in ${describeSource(result)}`);
      if (result.ok) out('OK: every stored balance equals checkpoints + journal; the balances sum to 0');
      else {
        const n = result.mismatches.length;
        if (n > 0) {
          out(`MISMATCH: ${n} account${n === 1 ? '' : 's'} differ${n === 1 ? 's' : ''} from checkpoints + journal`);
          out(table(result.mismatches, [{ key: 'account', header: 'account' }, { key: 'stored', header: 'stored' }, { key: 'recomputed', header: 'recomputed' }]));
        }
        if (result.sum !== '0') out(`UNBALANCED: the stored balances sum to ${result.sum}, not 0`);
        for (const [asset, sum] of Object.entries(result.assets ?? {})) if (sum !== '0') out(`UNBALANCED: the ${asset} balances sum to ${sum}, not 0`);
      }
    }
    return this.finish(result, result.ok ? 0 : 1);
  }
}
