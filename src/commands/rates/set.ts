import { Args } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { appError } from '../../errors/index.js';
import { out } from '../../cli/output.js';
import type { RatesView } from '../../rates/node-rates.js';

/** `agent-runtime rates set CODE=RATE…`. */
export default class RatesSet extends AdminCommand {
  static override summary = 'Set static exchange rates on a running node';

  static override description =
    'Set static rates on a running node: how many units of each asset one unit of the base buys, as exact decimals. The node writes them to its data directory before it applies them, so they survive a restart.';

  static override examples = ['<%= config.bin %> rates set XRP=1.923077', '<%= config.bin %> rates set XRP=1.923077 EUR=0.92 --json'];

  static override strict = false;

  static override args = {
    rates: Args.string({ description: 'CODE=RATE pairs, e.g. XRP=1.923077', required: true }),
  };

  async run(): Promise<RatesView> {
    const { argv, flags } = await this.parse(RatesSet);
    const rates: Record<string, string> = {};
    for (const pair of argv as string[]) {
      const at = pair.indexOf('=');
      if (at <= 0 || at === pair.length - 1) throw appError('INVALID_ARGUMENT', { field: 'rate', reason: `${JSON.stringify(pair)} is not CODE=RATE (e.g. XRP=1.923077)` });
      rates[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const view = await this.client(flags).call<RatesView>('PUT', '/admin/rates', { rates });
    if (!this.jsonEnabled()) {
      out(`Set ${Object.entries(rates).map(([c, r]) => `${c} ${r}`).join(', ')} per 1 ${view.base}`);
      // kept (a peer with that asset may come later), but a typo should not pass unnoticed
      if (view.unused !== undefined) {
        out(`Note: no peer uses ${view.unused.join(', ')} now (codes are case-sensitive); these rates apply once a peer has that asset. Peers' assets: agent-runtime peers list`);
      }
    }
    return view;
  }
}
