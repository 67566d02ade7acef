/**
 * Settlement figures: claims signed and verified per second (local, no chain), claims accepted per
 * second between two real nodes over BTP (verify + persist + ledger + acknowledge), and the gas of
 * every TokenNetwork operation on a real chain (anvil, started and stopped here).
 *
 *   node --import tsx bench/settlement.ts
 *   BENCH_MS=3000 node --import tsx bench/settlement.ts   longer local runs (default 1000 ms)
 *
 * Prints a table and one JSON document (the figures) on the last line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import * as ethers from 'ethers';
import { ConnectorNode } from '../src/index.js';
import type { BtpFrame } from '../src/node/btp/codec.js';
import { rpc } from '../src/settlement/chains/evm/anvil.js';
import { Eip712 } from '../src/settlement/chains/evm/eip712.js';
import { EvmChain } from '../src/settlement/chains/evm/evm-chain.js';
import { buildClaim, claimFrame, CLAIM_PROTOCOL, parseClaim, readJson } from '../src/settlement/claim.js';
import { startDemoChain } from '../src/settlement/demo-chain.js';

const RUN_MS = Number(process.env.BENCH_MS ?? 1000);
const figures: Record<string, number | string> = {};

function rate(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < 200; i++) fn(i); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(RUN_MS) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    for (let k = 0; k < 50; k++) fn(n++);
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const perSec = Math.round(n / secs);
  figures[label] = perSec;
  console.log(`${label.padEnd(48)} ${perSec.toLocaleString('en-US').padStart(10)} /s`);
  return perSec;
}

// ---------------------------------------------------------------- local: sign and verify

const chainId = 31337;
const contract = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const token = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const channelId = `0x${'ab'.repeat(32)}`;
const wallet = ethers.Wallet.createRandom();
const eip712 = new Eip712(ethers, chainId, contract);

rate('claims signed (digest + secp256k1 + JSON)', (i) => {
  const nonce = BigInt(i + 1);
  const signature = wallet.signingKey.sign(eip712.balanceProof(channelId, nonce, nonce * 1000n)).serialized;
  buildClaim({ senderId: 'alice', channelId, nonce, transferredAmount: nonce * 1000n, signature, signerAddress: wallet.address, chainId, contract, token });
});

const frames = Array.from({ length: 256 }, (_, i) => {
  const nonce = BigInt(i + 1);
  const signature = wallet.signingKey.sign(eip712.balanceProof(channelId, nonce, nonce * 1000n)).serialized;
  return claimFrame(buildClaim({ senderId: 'alice', channelId, nonce, transferredAmount: nonce * 1000n, signature, signerAddress: wallet.address, chainId, contract, token }), 1n);
});
rate('claims verified (JSON parse + checks + recover)', (i) => {
  const c = parseClaim(readJson(frames[i % frames.length], CLAIM_PROTOCOL));
  if (typeof c === 'string') throw new Error(c);
  const signer = ethers.recoverAddress(eip712.balanceProof(c.channelId, BigInt(c.nonce), BigInt(c.transferredAmount)), c.signature);
  if (signer !== wallet.address) throw new Error('bad signer');
});

// ---------------------------------------------------------------- chain: gas of each operation

const chain = await startDemoChain({ accounts: 2, decimals: 6 });
const dirs: string[] = [];
try {
  const log = pino({ level: process.env.BENCH_LOG ?? 'silent' });
  const [a, b] = chain.keys;
  const payer = await EvmChain.connect({ rpcUrl: chain.rpcUrl, chainId: chain.chainId, contract: chain.contract, token: chain.token, privateKey: a.privateKey, logger: log, receiptPollMs: 50 });
  const payee = await EvmChain.connect({ rpcUrl: chain.rpcUrl, chainId: chain.chainId, contract: chain.contract, token: chain.token, privateKey: b.privateKey, logger: log, receiptPollMs: 50 });
  const gas = (label: string, g: bigint) => {
    figures[`gas ${label}`] = Number(g);
    console.log(`${`gas ${label}`.padEnd(48)} ${Number(g).toLocaleString('en-US').padStart(10)}`);
  };
  const open = await payer.openChannel(b.address, 3600, 1_000_000n);
  gas('openChannel (with deposit; approve not counted)', open.gasUsed);
  gas('setTotalDeposit', (await payer.setTotalDeposit(open.channelId, 2_000_000n)).gasUsed);
  const claims: bigint[] = [];
  for (let n = 1n; n <= 3n; n++) {
    const amount = n * 10_000n;
    claims.push((await payee.claim(open.channelId, n, amount, payer.signBalanceProof(open.channelId, n, amount))).gasUsed);
  }
  gas('claim (first, on-chain redeem)', claims[0]);
  gas('claim (later ones, average)', (claims[1] + claims[2]) / 2n);
  gas('withdraw (with the payee signature)', (await payer.withdraw(open.channelId, 100_000n, payee.signWithdraw(open.channelId, 100_000n))).gasUsed);
  gas('closeChannel (sender: challenge period)', (await payer.closeChannel(open.channelId)).gasUsed);
  await rpc(chain.rpcUrl, 'evm_increaseTime', [3601]);
  await rpc(chain.rpcUrl, 'evm_mine', []);
  gas('settleChannel (after the challenge period)', (await payer.settleChannel(open.channelId)).gasUsed);
  const coop = await payer.openChannel(b.address, 3600, 1_000_000n);
  await payee.claim(coop.channelId, 1n, 5000n, payer.signBalanceProof(coop.channelId, 1n, 5000n));
  const final = 9000n;
  gas('cooperativeClose (pays the rest, refunds)', (await payer.cooperativeClose(coop.channelId, final, payer.signCooperativeClose(coop.channelId, final), payee.signCooperativeClose(coop.channelId, final))).gasUsed);
  const recv = await payer.openChannel(b.address, 3600, 1_000_000n);
  gas('closeChannel (receiver: settles at once)', (await payee.closeChannel(recv.channelId)).gasUsed);
  payer.close();
  payee.close();

  // ------------------------------------------------------------ BTP: claims accepted per second between two nodes

  const node = (nodeId: string, key: string, peer: { id: string; address: string; url?: string }) => {
    const dataDir = mkdtempSync(join(tmpdir(), `ar-bench-${nodeId}-`));
    dirs.push(dataDir);
    return new ConnectorNode(
      {
        nodeId,
        btpServerPort: 0,
        healthCheckPort: 0,
        adminApi: { enabled: true, port: 0 },
        dataDir,
        assetScale: 6,
        peers: [{ id: peer.id, relation: 'peer', authToken: 'bench', url: peer.url, creditLimit: '0', settlement: { chain: 'evm', address: peer.address } }],
        settlement: { enabled: true, evm: { rpcUrl: chain.rpcUrl, chainId: chain.chainId, contract: chain.contract, token: chain.token, privateKey: key, pollIntervalMs: 200 } },
      },
      log,
      { env: {} },
    );
  };
  const bob = node('bob', b.privateKey, { id: 'alice', address: a.address });
  await bob.start();
  const alice = node('alice', a.privateKey, { id: 'bob', address: b.address, url: `ws://127.0.0.1:${bob.btpPort}` });
  await alice.start();
  const res = await fetch(`${alice.endpoints.admin}/admin/channels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ peerId: 'bob', initialDeposit: '1000000000' }) });
  if (res.status !== 201) throw new Error(`opening the bench channel failed: ${await res.text()}`);
  const { channelId: id } = (await res.json()) as { channelId: string };
  const seen = async () => ((await (await fetch(`${bob.endpoints.admin}/admin/channels`)).json()) as unknown[]).length > 0 && alice.listPeers()[0].connected;
  for (const deadline = Date.now() + 20_000; !(await seen()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error('bob never saw the bench channel');
  }
  const e = new Eip712(ethers, chain.chainId, chain.contract);
  const signer = new ethers.Wallet(a.privateKey);
  const link = (alice as unknown as { peers: { get(id: string): { link: { request(f: BtpFrame, d: number, cb: (err?: Error, ilp?: Buffer, r?: BtpFrame) => void): void } } } }).peers.get('bob').link;
  const N = 3000;
  const crafted = Array.from({ length: N }, (_, i) => {
    const nonce = BigInt(i + 1);
    const sig = signer.signingKey.sign(e.balanceProof(id, nonce, nonce)).serialized;
    return claimFrame(buildClaim({ senderId: 'alice', channelId: id, nonce, transferredAmount: nonce, signature: sig, signerAddress: signer.address, chainId: chain.chainId, contract: chain.contract, token: chain.token }), 1n);
  });
  const t0 = process.hrtime.bigint();
  let failed = 0;
  await Promise.all(
    crafted.map(
      (f) =>
        new Promise<void>((resolve) =>
          link.request(f, Date.now() + 60_000, (err, _ilp, r) => {
            if (err !== undefined || r?.type !== 1) failed++;
            resolve();
          }),
        ),
    ),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (failed > 0) throw new Error(`${failed} of ${N} claims were refused`);
  figures['claims accepted over BTP (2 nodes, one channel)'] = Math.round(N / secs);
  console.log(`${'claims accepted over BTP (verify+store+ledger+ack)'.padEnd(48)} ${Math.round(N / secs).toLocaleString('en-US').padStart(10)} /s`);
  await Promise.all([alice.stop(), bob.stop()]);
} finally {
  await chain.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

console.log(JSON.stringify({ bench: 'settlement', runMs: RUN_MS, node: process.version, figures }));
