/**
 * A throwaway EVM chain for `agent-runtime demo`, the tests and the benchmark: anvil on a free
 * loopback port, our TestToken and TokenNetwork deployed, and fresh random accounts funded with ETH
 * (anvil_setBalance) and tokens. The keys are generated here, never anvil's well-known development keys,
 * and live only as long as the chain.
 */
import type { Wallet } from 'ethers';
import { rpc, startAnvil } from './chains/evm/anvil.js';
import { deployTestToken, deployTokenNetwork } from './chains/evm/deploy.js';
import { loadArtifact } from './chains/evm/artifacts.js';
import { jsonRpcProvider } from './chains/evm/evm-chain.js';
import { loadEthers } from './chains/evm/sdk.js';

export interface DemoChainOptions {
  /** Funded accounts to create (default 3). */
  accounts?: number;
  /** The test token's decimals (default 6, like USDC). */
  decimals?: number;
  /** Tokens minted to each account, in base units (default 1,000,000 whole tokens). */
  mint?: bigint;
  /** Chain id (default 31337). */
  chainId?: number;
  /** anvil's port (default: a free one). */
  port?: number;
}

/** A funded account. */
export interface DemoAccount {
  /** 0x-prefixed 32-byte hex: pass it as settlement.evm.privateKey. */
  privateKey: string;
  address: string;
}

export interface DemoChain {
  rpcUrl: string;
  chainId: number;
  /** TokenNetwork address (settlement.evm.contract). */
  contract: string;
  /** TestToken address (settlement.evm.token). */
  token: string;
  decimals: number;
  keys: DemoAccount[];
  /** The anvil process id. */
  pid: number;
  /** A token balance in base units. */
  tokenBalance(address: string): Promise<bigint>;
  /** Stops anvil (kills it by pid). Idempotent. */
  stop(): Promise<void>;
}

const ETH = 10n ** 18n;

/**
 * Starts anvil, deploys, funds. Takes about a second.
 * @throws Error naming how to install anvil when it is missing
 */
export async function startDemoChain(opts: DemoChainOptions = {}): Promise<DemoChain> {
  const ethers = await loadEthers();
  const anvil = await startAnvil({ chainId: opts.chainId, port: opts.port });
  try {
    const provider = await jsonRpcProvider(anvil.rpcUrl, anvil.chainId);
    const fund = (address: string) => rpc(anvil.rpcUrl, 'anvil_setBalance', [address, `0x${(100n * ETH).toString(16)}`]);
    const deployer: Wallet = new ethers.Wallet(ethers.Wallet.createRandom().privateKey, provider);
    await fund(deployer.address);
    const decimals = opts.decimals ?? 6;
    const token = await deployTestToken(deployer, { name: 'Demo USD', symbol: 'DUSD', decimals });
    const contract = await deployTokenNetwork(deployer, token);
    const erc20 = new ethers.Contract(token, loadArtifact('TestToken').abi, deployer);
    const mint = opts.mint ?? 1_000_000n * 10n ** BigInt(decimals);
    const keys: DemoAccount[] = [];
    for (let i = 0; i < (opts.accounts ?? 3); i++) {
      const w = ethers.Wallet.createRandom();
      await fund(w.address);
      const tx = (await erc20.getFunction('mint')(w.address, mint)) as { wait(): Promise<unknown> };
      await tx.wait();
      keys.push({ privateKey: w.privateKey, address: w.address });
    }
    let stopping: Promise<void> | undefined;
    return {
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      contract,
      token,
      decimals,
      keys,
      pid: anvil.pid,
      tokenBalance: async (address) => (await erc20.getFunction('balanceOf')(address)) as bigint,
      stop: () =>
        (stopping ??= (async () => {
          provider.destroy();
          await anvil.stop();
        })()),
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}
