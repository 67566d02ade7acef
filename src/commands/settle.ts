import { Args } from '@oclif/core';
import { appError } from '../errors/index.js';
import type { SettleResult } from '../settlement/index.js';
import { AdminCommand } from '../cli/admin-command.js';
import { err, out } from '../cli/output.js';

const CHAIN_TIMEOUT_MS = 180_000;

/** `agent-runtime settle <peer>`. */
export default class Settle extends AdminCommand {
  static override summary = 'Settle with a peer now: claim what we owe it, redeem what it owes us on-chain';

  static override description =
    'Settle with a peer now (POST /admin/settlement/settle/:peer): send it a claim for everything we owe it, whatever its ' +
    'settleThreshold, and redeem on-chain the best claim we hold from it. Amounts are asset units. Exit code 1 when a ' +
    'step failed (the reason is printed; claims are retried automatically).';

  static override examples = ['<%= config.bin %> settle bob', '<%= config.bin %> settle bob --json | jq ".redeemed[].txHash"'];

  static override args = {
    peer: Args.string({ description: 'Peer id', required: true }),
  };

  async run(): Promise<SettleResult> {
    const { args, flags } = await this.parse(Settle);
    const result = await this.client(flags, CHAIN_TIMEOUT_MS).post<SettleResult>(`/admin/settlement/settle/${encodeURIComponent(args.peer)}`, {});
    if (!this.jsonEnabled()) {
      const c = result.claim;
      if (c.status === 'acknowledged') out(`claim sent to ${args.peer}: +${c.amount} (cumulative ${c.cumulative}) on ${c.channelId}`);
      else if (c.status === 'nothing-due') out(`nothing to claim: we owe ${args.peer} ${result.owed}`);
      else err(`claim to ${args.peer} failed: ${c.reason}`);
      for (const r of result.redeemed) {
        if (r.status === 'redeemed') out(`redeemed ${r.amount} on ${r.channelId}  tx ${r.txHash}`);
        else if (r.status === 'failed') err(`redeeming ${r.channelId} failed: ${r.reason}`);
      }
      if (result.redeemed.length === 0) out(`nothing to redeem from ${args.peer}`);
    }
    if (!result.ok) {
      const reasons = [result.claim.status === 'failed' ? result.claim.reason : undefined, ...result.redeemed.map((r) => (r.status === 'failed' ? r.reason : undefined))];
      const failure = appError('SETTLEMENT_FAILED', { peerId: args.peer, reason: reasons.filter((r) => r !== undefined).join('; ') });
      if (!this.jsonEnabled() && failure.suggestion !== undefined) err(`  Hint: ${failure.suggestion}`);
      return this.finish(result, 1);
    }
    return result;
  }
}
