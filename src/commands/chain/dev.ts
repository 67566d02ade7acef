import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { appError } from '../../errors/index.js';
import { BaseCommand } from '../../cli/base-command.js';
import { startAcceptAllHandler } from '../../cli/accept-all-handler.js';
import { writeDevConfigs, type DevNodeFiles } from '../../cli/dev-chain-files.js';
import { err, out } from '../../cli/output.js';
import { freePort } from '../../settlement/chains/evm/anvil.js';
import type { EvmSection } from '../../settlement/chains/evm/operator.js';

/** What `chain dev --json` prints (one line) once the chain is ready. */
export interface ChainDevReady {
  type: 'chain:ready';
  rpcUrl: string;
  chainId: number;
  pid: number;
  contract: string;
  token: string;
  decimals: number;
  nodes: DevNodeFiles[];
  /** bob's localDelivery.handlerUrl, answered by this command (every payment accepted). */
  handlerUrl: string;
}

/** `agent-runtime chain dev`. */
export default class ChainDev extends BaseCommand {
  static override summary = 'Run a local EVM chain with our contracts and write two ready node configs';

  static override description =
    'Start anvil (Foundry; the npm package @foundry-rs/anvil ships it) on a free port (or --port), deploy a mintable ' +
    'TestToken (6 decimals) and our TokenNetwork, fund two fresh dev accounts with ETH and 1,000,000 tokens each, and ' +
    'write <dir>/alice and <dir>/bob: a config.yaml and a .env each (alice pays bob over a payment channel). Runs until ' +
    'Ctrl-C (or --duration), then stops the chain: its state is gone with it. The keys are throwaway keys made here.';

  static override examples = ['<%= config.bin %> chain dev', '<%= config.bin %> chain dev --dir ./dev --json --duration 600'];

  static override flags = {
    dir: Flags.string({ description: 'Where to write alice/ and bob/', default: 'agent-runtime-dev' }),
    port: Flags.integer({ description: "anvil's port [default: a free one]", min: 1, max: 65535 }),
    duration: Flags.integer({ description: 'Stop by itself after this many seconds', min: 1 }),
    force: Flags.boolean({ description: 'Overwrite configs already in --dir', default: false }),
  };

  protected override streaming = true;

  async run(): Promise<void> {
    const { flags } = await this.parse(ChainDev);
    const { findAnvil } = await import('../../settlement/chains/evm/anvil.js');
    if (findAnvil() === undefined) throw appError('ANVIL_MISSING');
    const { startDemoChain } = await import('../../settlement/demo-chain.js');
    const chain = await startDemoChain({ accounts: 2, decimals: 6, port: flags.port });
    const onStop: (() => Promise<void>)[] = [];
    try {
      const evm: EvmSection = { rpcUrl: chain.rpcUrl, chainId: chain.chainId, contract: chain.contract, token: chain.token, confirmations: 1 };
      const ports = async () => ({ btpPort: await freePort(), healthPort: await freePort(), adminPort: await freePort() });
      const [a, b] = chain.keys;
      const handler = await startAcceptAllHandler(await freePort());
      const handlerPort = (handler.address() as { port: number }).port;
      onStop.push(() => new Promise<void>((r) => handler.close(() => r())));
      const nodes = writeDevConfigs(
        resolve(flags.dir),
        [
          { nodeId: 'alice', ...a, ...(await ports()) },
          { nodeId: 'bob', ...b, ...(await ports()), handlerUrl: `http://127.0.0.1:${handlerPort}` },
        ],
        evm,
        flags.force,
      );
      const ready: ChainDevReady = { type: 'chain:ready', rpcUrl: chain.rpcUrl, chainId: chain.chainId, pid: chain.pid, contract: chain.contract, token: chain.token, decimals: chain.decimals, nodes, handlerUrl: `http://127.0.0.1:${handlerPort}` };
      if (this.jsonEnabled()) out(JSON.stringify(ready));
      else {
        out(`anvil ${chain.rpcUrl} (chain ${chain.chainId}, pid ${chain.pid}); TokenNetwork ${chain.contract}, TestToken ${chain.token}`);
        for (const n of nodes) out(`${n.nodeId}: ${n.address}, ${n.configPath}`);
        out(`bob's packets are answered here (every payment accepted) at http://127.0.0.1:${handlerPort}: point localDelivery.handlerUrl at your agent instead.`);
        out('Next, each in its own terminal:');
        for (const n of [...nodes].reverse()) out(`  agent-runtime start --config ${n.configPath}`);
        out(`  agent-runtime channels open bob --deposit 1000000 --url ${nodes[0].adminUrl}`);
        err('Ctrl-C stops the chain.');
      }
      await stopSignal(flags.duration);
    } finally {
      for (const stop of onStop) await stop();
      await chain.stop();
    }
  }
}

/** Resolves on SIGINT or SIGTERM, or after `seconds`. */
function stopSignal(seconds: number | undefined): Promise<void> {
  return new Promise((done) => {
    const finish = (): void => {
      process.removeListener('SIGINT', finish);
      process.removeListener('SIGTERM', finish);
      clearTimeout(timer);
      done();
    };
    const timer = seconds === undefined ? undefined : setTimeout(finish, seconds * 1000);
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
  });
}
