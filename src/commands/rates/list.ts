import { AdminCommand } from '../../cli/admin-command.js';
import { out, table } from '../../cli/output.js';
import type { RatesView } from '../../rates/node-rates.js';

/** `agent-runtime rates list`. */
export default class RatesList extends AdminCommand {
  static override summary = 'List the exchange rates of a running node';

  static override description =
    'List the rates a running node converts with: units of each asset one unit of the base buys, where each came from, and whether it is stale (its pairs get T00).';

  static override examples = ['<%= config.bin %> rates list', '<%= config.bin %> rates list --json | jq ".rates[] | select(.stale)"'];

  async run(): Promise<RatesView> {
    const { flags } = await this.parse(RatesList);
    const view = await this.client(flags).get<RatesView>('/admin/rates');
    if (!this.jsonEnabled()) {
      out(
        table(
          view.rates.map((r) => ({ ...r, state: r.stale ? 'STALE' : 'ok', updated: r.updatedAt === undefined ? '' : new Date(r.updatedAt).toISOString() })),
          [
            { key: 'code', header: 'asset' },
            { key: 'rate', header: `per 1 ${view.base}` },
            { key: 'source', header: 'source' },
            { key: 'updated', header: 'updated' },
            { key: 'state', header: 'state' },
          ],
          'No rates.',
        ),
      );
      out(`spread ${view.spread}${view.sourceAgeMs === undefined ? '' : `; source answered ${Math.round(view.sourceAgeMs / 1000)} s ago`}`);
    }
    return view;
  }
}
