/**
 * Gas of every TokenNetwork operation, measured on anvil (started and stopped here), and the on-chain
 * cost per packet it comes to at a few claim sizes. Gas does not depend on load or timing: with the
 * fixed keys below (never use them for anything else) every run on the same anvil and artifacts gives
 * the same figures, so the README's table can be checked by running this again.
 *
 *   npm run bench:gas              a Markdown table, then one JSON document (the figures) on the last line
 *   npm run bench:gas -- --json    the JSON document only
 *
 * What is measured (each a transaction's receipt `gasUsed`): the ERC-20 approve the node sends before
 * each open and deposit (it approves exactly the amount), openChannel with a deposit (a payer's first
 * channel and a later one), setTotalDeposit, the payee's redeem (`claim`): the first to a receiver
 * that holds no token yet, the first on a new channel to one that does, and later ones on the same
 * channel; withdraw, closeChannel by the payer and by the payee, settleChannel after the challenge
 * period, cooperativeClose.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import * as ethers from 'ethers';
import { findAnvil, rpc, startAnvil } from '../src/settlement/chains/evm/anvil.js';
import { loadArtifact } from '../src/settlement/chains/evm/artifacts.js';
import { Eip712 } from '../src/settlement/chains/evm/eip712.js';

/** One measured operation. */
export interface GasFigure {
  key: string;
  label: string;
  gas: number;
}

export interface GasReport {
  bench: 'gas';
  anvil: string;
  compiler: string;
  figures: GasFigure[];
  /** On-chain gas per packet when every claim is redeemed on its own (the later-redeem figure / packets per claim). */
  perPacket: { packetsPerClaim: number; gasPerPacket: number }[];
}

const ETH = 10n ** 18n;
const TIMEOUT_S = 3600n;
/** Packets per claim in the per-packet table: settleThreshold / packet amount. */
export const PACKETS_PER_CLAIM = [1, 10, 100, 1000, 10_000];

/** A fixed, public key for a role (deterministic figures); worthless anywhere but a throwaway chain. */
const fixedKey = (role: string) => ethers.keccak256(ethers.toUtf8Bytes(`agent-runtime gas bench: ${role}`));

/** Measures every operation on a fresh anvil; stops it afterwards. */
export async function measureGas(): Promise<GasReport> {
  const anvil = await startAnvil();
  const provider = new ethers.JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
  try {
    const wallet = (role: string) => new ethers.NonceManager(new ethers.Wallet(fixedKey(role), provider));
    const [deployer, payer, payee, emptyPayee] = ['deployer', 'payer', 'payee', 'empty payee'].map(wallet);
    for (const w of [deployer, payer, payee, emptyPayee]) await rpc(anvil.rpcUrl, 'anvil_setBalance', [await w.getAddress(), `0x${(100n * ETH).toString(16)}`]);

    const deploy = async (name: 'TestToken' | 'TokenNetwork', args: unknown[]) => {
      const a = loadArtifact(name);
      const c = await new ethers.ContractFactory(a.abi, a.bytecode, deployer).deploy(...args);
      await c.waitForDeployment();
      return c.getAddress();
    };
    const tokenAddress = await deploy('TestToken', ['Gas USD', 'GUSD', 6]);
    const networkAddress = await deploy('TokenNetwork', [tokenAddress]);
    const token = (signer: ethers.Signer) => new ethers.Contract(tokenAddress, loadArtifact('TestToken').abi, signer);
    const network = (signer: ethers.Signer) => new ethers.Contract(networkAddress, loadArtifact('TokenNetwork').abi, signer);
    const eip712 = new Eip712(ethers, anvil.chainId, networkAddress);
    const sign = (role: string, digest: string) => new ethers.Wallet(fixedKey(role)).signingKey.sign(digest).serialized;
    const [payerAddr, payeeAddr, emptyAddr] = await Promise.all([payer, payee, emptyPayee].map((w) => w.getAddress()));
    const proof = (channelId: string, nonce: bigint, amount: bigint) => ({ channelId, nonce, transferredAmount: amount, lockedAmount: 0n, locksRoot: ethers.ZeroHash });

    const figures: GasFigure[] = [];
    /** Sends a transaction, waits for its receipt; records its gas under `key` (undefined: not recorded). */
    const run = async (key: string | undefined, label: string, send: () => Promise<ethers.ContractTransactionResponse>): Promise<ethers.TransactionReceipt> => {
      const receipt = await (await send()).wait();
      if (receipt === null || receipt.status !== 1) throw new Error(`${label}: the transaction failed`);
      if (key !== undefined) figures.push({ key, label, gas: Number(receipt.gasUsed) });
      return receipt;
    };
    /** Opens a channel from the payer with `deposit` (approving it first); returns its id. */
    const open = async (receiver: string, deposit: bigint, key?: string, label = ''): Promise<string> => {
      await run(key === 'openFirst' ? 'approve' : undefined, 'approve (ERC-20; the node approves exactly the amount before each open and deposit)', () => token(payer).getFunction('approve')(networkAddress, deposit));
      const id = (await network(payer).getFunction('nextChannelId')(payerAddr, receiver)) as string;
      await run(key, label, () => network(payer).getFunction('openChannel')(receiver, TIMEOUT_S, deposit));
      return id;
    };
    const claim = (who: ethers.Signer, key: string | undefined, label: string, id: string, nonce: bigint, amount: bigint) =>
      run(key, label, () => network(who).getFunction('claim')(id, proof(id, nonce, amount), sign('payer', eip712.balanceProof(id, nonce, amount))));

    await run(undefined, 'mint', () => token(deployer).getFunction('mint')(payerAddr, 1_000_000_000_000n));
    await run(undefined, 'mint', () => token(deployer).getFunction('mint')(payeeAddr, 1_000_000n));

    // a payer's first channel (its open counter goes from 0), then a later one
    const toEmpty = await open(emptyAddr, 1_000_000n, 'openFirst', "openChannel with a deposit (the payer's first channel)");
    const ch = await open(payeeAddr, 1_000_000n, 'openLater', 'openChannel with a deposit (a later channel)');
    await token(payer).getFunction('approve')(networkAddress, 1_000_000n).then((t: ethers.ContractTransactionResponse) => t.wait());
    await run('deposit', 'setTotalDeposit (approve not counted)', () => network(payer).getFunction('setTotalDeposit')(ch, 2_000_000n));

    await claim(emptyPayee, 'redeemFirstEmpty', 'claim: first redeem, the receiver holds no token yet', toEmpty, 1n, 10_000n);
    await claim(payee, 'redeemFirst', 'claim: first redeem on a channel, the receiver holds tokens', ch, 1n, 10_000n);
    await claim(payee, 'redeemLater', 'claim: a later redeem on the same channel', ch, 2n, 20_000n);
    await claim(payee, undefined, '', ch, 3n, 30_000n);
    await run('withdraw', "withdraw (with the payee's signature)", () =>
      network(payer).getFunction('withdraw')(ch, 100_000n, sign('payee', eip712.withdraw(ch, 100_000n))),
    );
    await run('closeBySender', 'closeChannel by the payer (starts the challenge period)', () => network(payer).getFunction('closeChannel')(ch));
    await rpc(anvil.rpcUrl, 'evm_increaseTime', [Number(TIMEOUT_S) + 1]);
    await rpc(anvil.rpcUrl, 'evm_mine', []);
    await run('settle', 'settleChannel (after the challenge period, refunds the payer)', () => network(payer).getFunction('settleChannel')(ch));

    const coop = await open(payeeAddr, 1_000_000n);
    await claim(payee, undefined, '', coop, 1n, 5_000n);
    await run('cooperativeClose', 'cooperativeClose (pays the rest, refunds, settles)', () =>
      network(payer).getFunction('cooperativeClose')(coop, 9_000n, sign('payer', eip712.cooperativeClose(coop, 9_000n)), sign('payee', eip712.cooperativeClose(coop, 9_000n))),
    );
    const byReceiver = await open(payeeAddr, 1_000_000n);
    await claim(payee, undefined, '', byReceiver, 1n, 5_000n);
    await run('closeByReceiver', 'closeChannel by the payee (settles at once, refunds)', () => network(payee).getFunction('closeChannel')(byReceiver));

    const later = figures.find((f) => f.key === 'redeemLater')!.gas;
    return {
      bench: 'gas',
      anvil: anvilVersion(),
      compiler: compilerOf(),
      figures,
      perPacket: PACKETS_PER_CLAIM.map((n) => ({ packetsPerClaim: n, gasPerPacket: Math.round(later / n) })),
    };
  } finally {
    provider.destroy();
    await anvil.stop();
  }
}

/** The compiler and optimizer settings the artifact was built with. */
function compilerOf(): string {
  const c = loadArtifact('TokenNetwork').compiler;
  const s = c.settings as { optimizer?: { runs?: number }; evmVersion?: string };
  return `${c.name} ${c.version.split('+')[0]}, optimizer ${s.optimizer?.runs ?? '?'} runs, evm ${s.evmVersion ?? '?'}`;
}

function anvilVersion(): string {
  const exe = findAnvil();
  if (exe === undefined) return 'unknown';
  try {
    return execFileSync(exe, ['--version'], { encoding: 'utf8' }).split('\n')[0].replace('Version: ', '').trim();
  } catch {
    return 'unknown';
  }
}

/** The report as the README's Markdown tables. */
export function markdown(r: GasReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    '| operation | gas |',
    '|---|---|',
    ...r.figures.map((f) => `| ${f.label} | ${n(f.gas)} |`),
    '',
    '| packets per claim (settleThreshold / packet amount) | gas per packet, each claim redeemed |',
    '|---|---|',
    ...r.perPacket.map((p) => `| ${n(p.packetsPerClaim)} | ${n(p.gasPerPacket)} |`),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await measureGas();
  if (!process.argv.includes('--json')) console.log(`${report.anvil}, ${report.compiler}\n\n${markdown(report)}\n`);
  console.log(JSON.stringify(report));
}
