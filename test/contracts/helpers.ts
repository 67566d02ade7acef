/**
 * Contract test helpers: compile the sources with solc-js (the committed artifacts' settings), run a
 * real anvil on a free port, fund fresh random accounts, deploy, and match reverts by error name.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import solc from 'solc';
import type { Contract} from 'ethers';
import { ContractFactory, Interface, JsonRpcProvider, Wallet, parseEther, type InterfaceAbi, type Signer } from 'ethers';
import { expect } from 'vitest';
import { rpc, startAnvil, type AnvilProcess } from '../../src/settlement/chains/evm/anvil.js';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';

export const root = join(import.meta.dirname, '..', '..');

export interface Compiled {
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
}

/**
 * Compiles contracts/*.sol and contracts/test/*.sol with the settings recorded in the TokenNetwork
 * artifact. Returns every contract by name and the compiler version.
 */
export function compileAll(): { version: string; contracts: Record<string, Compiled> } {
  const settings = loadArtifact('TokenNetwork').compiler.settings;
  const sources: Record<string, { content: string }> = {};
  for (const f of readdirSync(join(root, 'contracts')).filter((n) => n.endsWith('.sol'))) {
    sources[f] = { content: readFileSync(join(root, 'contracts', f), 'utf8') };
  }
  for (const f of readdirSync(join(root, 'contracts', 'test')).filter((n) => n.endsWith('.sol'))) {
    sources[`test/${f}`] = { content: readFileSync(join(root, 'contracts', 'test', f), 'utf8') };
  }
  const out = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contracts: Record<string, Compiled> = {};
  for (const file of Object.values(out.contracts)) {
    for (const [name, c] of Object.entries(file)) {
      contracts[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, deployedBytecode: `0x${c.evm.deployedBytecode.object}` };
    }
  }
  return { version: solc.version(), contracts };
}

/** A chain for one test file: anvil, a provider, and funded random accounts. */
export interface TestChain {
  anvil: AnvilProcess;
  provider: JsonRpcProvider;
  /**
   * A funded account (10 ETH). A plain Wallet: it asks the chain for the pending nonce before each
   * transaction (ethers' NonceManager would skip a nonce after a reverted estimate, and hang the next).
   */
  account(): Promise<Wallet>;
  /** Moves the chain's clock forward by `seconds` and mines a block. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestChain(): Promise<TestChain> {
  const anvil = await startAnvil();
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
  return {
    anvil,
    provider,
    async account() {
      const wallet = new Wallet(Wallet.createRandom().privateKey, provider);
      await rpc(anvil.rpcUrl, 'anvil_setBalance', [wallet.address, `0x${parseEther('10').toString(16)}`]);
      return wallet;
    },
    async advance(seconds) {
      await rpc(anvil.rpcUrl, 'evm_increaseTime', [seconds]);
      await rpc(anvil.rpcUrl, 'evm_mine', []);
    },
    async stop() {
      provider.destroy();
      await anvil.stop();
    },
  };
}

/** Deploys a compiled contract. */
export async function deploy(signer: Signer, c: Compiled, args: unknown[] = []): Promise<Contract> {
  const factory = new ContractFactory(c.abi, c.bytecode, signer);
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return contract as Contract;
}

const errorInterfaces = (['TokenNetwork', 'TestToken'] as const).map((n) => new Interface(loadArtifact(n).abi as InterfaceAbi));
const decodeError = (data: string): string | undefined => errorInterfaces.map((i) => i.parseError(data)?.name).find((n) => n !== undefined);

/**
 * Expects `p` to revert with the contract's custom error `name`. ethers decodes reverts of calls but
 * not of a transaction's gas estimate, so the revert data is decoded here with our contracts' ABIs.
 */
export async function expectRevert(p: Promise<unknown>, name: string): Promise<void> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error, `expected a revert with ${name}`).toBeDefined();
  const e = error as { revert?: { name?: string }; data?: string; message: string };
  const revert = e.revert?.name ?? (typeof e.data === 'string' ? decodeError(e.data) : undefined);
  expect(revert, e.message).toBe(name);
}

/** Sends a transaction and waits for it; returns the receipt's gas used. */
export async function mined(p: Promise<{ wait(): Promise<{ gasUsed: bigint; status: number | null } | null> }>): Promise<bigint> {
  const tx = await p;
  const receipt = await tx.wait();
  expect(receipt?.status).toBe(1);
  return receipt!.gasUsed;
}
