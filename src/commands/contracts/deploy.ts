import { Args, Flags } from '@oclif/core';
import { appError } from '../../errors/index.js';
import { BaseCommand } from '../../cli/base-command.js';
import { evmKeyFromEnv } from '../../cli/evm-key.js';
import { settlementYaml } from '../../cli/evm-section.js';
import { err, out } from '../../cli/output.js';
import type { DeployResult } from '../../settlement/chains/evm/operator.js';

/** `agent-runtime contracts deploy evm`. */
export default class ContractsDeploy extends BaseCommand {
  static override summary = 'Deploy the payment channel contract (TokenNetwork) and print its settlement config';

  static override description =
    'Deploy our TokenNetwork contract for one ERC-20 token on an EVM chain, signed by the key in ' +
    'AGENT_RUNTIME_EVM_PRIVATE_KEY (the environment or ./.env; never a flag). Each transaction is waited for ' +
    '--confirmations blocks (default 1 on chain ids 31337 and 1337, 12 elsewhere), the deployed code is checked against ' +
    'the version shipped, and the settlement.evm block for the node config is printed. --test-token first deploys a ' +
    'mintable TestToken and mints to the deployer (refused on public mainnets).';

  static override examples = [
    'AGENT_RUNTIME_EVM_PRIVATE_KEY=0x… <%= config.bin %> contracts deploy evm --rpc-url https://mainnet.base.org --token 0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    '<%= config.bin %> contracts deploy evm --rpc-url http://127.0.0.1:8545 --test-token --json',
  ];

  static override args = {
    chain: Args.string({ description: 'Chain family', required: true, options: ['evm'] }),
  };

  static override flags = {
    'rpc-url': Flags.string({ description: 'JSON-RPC endpoint of the chain', required: true }),
    token: Flags.string({ description: 'ERC-20 token address the channels hold', exclusive: ['test-token'] }),
    'test-token': Flags.boolean({ description: 'Deploy a mintable TestToken first (development chains only)', default: false }),
    decimals: Flags.integer({ description: 'Decimals of the test token', default: 6, min: 0, max: 36 }),
    mint: Flags.string({ description: 'Whole test tokens minted to the deployer', default: '1000000' }),
    confirmations: Flags.integer({ description: 'Blocks each transaction must be under [default: 1 on 31337/1337, 12 elsewhere]', min: 1 }),
    timeout: Flags.integer({ description: 'Seconds to wait for each transaction\'s confirmations', default: 600, min: 1 }),
  };

  async run(): Promise<DeployResult> {
    const { flags } = await this.parse(ContractsDeploy);
    if (!flags['test-token'] && flags.token === undefined) {
      throw appError('INVALID_ARGUMENT', { field: '--token', reason: 'give the ERC-20 address the channels hold (--token 0x…), or --test-token on a development chain' });
    }
    if (!/^[0-9]+$/.test(flags.mint)) throw appError('INVALID_ARGUMENT', { field: '--mint', reason: 'must be an unsigned integer (whole tokens)' });
    const privateKey = evmKeyFromEnv();
    const { deployEvm } = await import('../../settlement/chains/evm/operator.js');
    const result = await deployEvm({
      rpcUrl: flags['rpc-url'],
      privateKey,
      ...(flags['test-token'] ? { testToken: { decimals: flags.decimals, mint: BigInt(flags.mint) * 10n ** BigInt(flags.decimals) } } : { token: flags.token }),
      ...(flags.confirmations === undefined ? {} : { confirmations: flags.confirmations }),
      timeoutMs: flags.timeout * 1000,
    });
    if (!this.jsonEnabled()) {
      for (const t of result.transactions) err(`${t.what}: tx ${t.txHash} (block ${t.blockNumber}, gas ${t.gasUsed})`);
      err(`TokenNetwork v${result.version} at ${result.contract} on chain ${result.chainId}, token ${result.token} (${result.decimals} decimals)${result.testToken ? ', a TestToken' : ''}`);
      err('Put this in the node config:');
      for (const line of settlementYaml(result.settlement.evm)) out(line);
    }
    return result;
  }
}
