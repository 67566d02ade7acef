import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { out } from '../../cli/output.js';
import type { VerifyResult } from '../../settlement/chains/evm/operator.js';

/** `agent-runtime contracts verify evm <address>`. */
export default class ContractsVerify extends BaseCommand {
  static override summary = 'Check that a deployed contract is a TokenNetwork version this package shipped';

  static override description =
    'Read the runtime bytecode at <address>, zero its immutables (token, chain id, own address), strip the compiler\'s ' +
    'metadata trailer, and compare its sha256 with every TokenNetwork version this package has shipped ' +
    '(contracts/versions.json). Exit code 1 when it matches none. A node refuses such a contract at start.';

  static override examples = ['<%= config.bin %> contracts verify evm 0x5FbDB2315678afecb367f032d93F642f64180aa3 --rpc-url http://127.0.0.1:8545 --json'];

  static override args = {
    chain: Args.string({ description: 'Chain family', required: true, options: ['evm'] }),
    address: Args.string({ description: 'Contract address', required: true }),
  };

  static override flags = {
    'rpc-url': Flags.string({ description: 'JSON-RPC endpoint of the chain', required: true }),
  };

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(ContractsVerify);
    const { verifyEvm } = await import('../../settlement/chains/evm/operator.js');
    const r = await verifyEvm(flags['rpc-url'], args.address);
    if (!this.jsonEnabled()) {
      if (r.match) out(`${r.address} on chain ${r.chainId} is TokenNetwork v${r.version} (token ${r.token})`);
      else {
        out(`${r.address} on chain ${r.chainId} matches no shipped TokenNetwork version (code sha256 ${r.runtimeSha256})`);
        for (const v of r.shipped) out(`  shipped v${v.version} (since ${v.since}): ${v.runtimeSha256}`);
      }
    }
    return this.finish(r, r.match ? 0 : 1);
  }
}
