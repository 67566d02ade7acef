/**
 * Settlement in each peer's own asset (issue 19): a peer whose settlement chain carries another asset
 * is refused by `validate` (the config) and by the control plane (POST/PATCH /admin/peers), so no claim
 * ever pays XRP drops for dollars. The runtime half runs a real node settling on a stand-in rippled.
 * The chain-side amounts of claims in each peer's own units are proved on anvil in
 * test/settlement/e2e.test.ts ("one node, three lanes").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as xrpl from 'xrpl';
import { ConfigError, loadConfig, type NodeConfigInput } from '../../src/config/index.js';
import { entries } from '../../src/ledger/index.js';
import { Harness } from '../helpers/node.js';
import { admin } from '../settlement/helpers.js';
import { StandInRippled } from '../settlement/stand-ins/rippled.js';

const EVM = {
  rpcUrl: 'https://rpc.example',
  chainId: 8453,
  contract: `0x${'1'.repeat(40)}`,
  token: `0x${'2'.repeat(40)}`,
  privateKey: `0x${'ab'.repeat(32)}`,
};
const XRPL = { server: 'wss://xrpl.example', seed: 'sEdTM1uX8pu2do5XvTnutH6HsouMaM2' };
const APTOS = { nodeUrl: 'https://aptos.example/v1', module: '0x1::payment_channel', privateKey: `0x${'42'.repeat(32)}` };
const xrpPeer = (extra: Record<string, unknown> = {}) => ({ id: 'x', authToken: 't', settlement: { chain: 'xrpl' as const, address: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh' }, ...extra });
const evmPeer = (extra: Record<string, unknown> = {}) => ({ id: 'e', authToken: 't', settlement: { chain: 'evm' as const, address: `0x${'a'.repeat(40)}` }, ...extra });
const aptPeer = (extra: Record<string, unknown> = {}) => ({ id: 'a', authToken: 't', settlement: { chain: 'aptos' as const, address: '0x1' }, ...extra });

function issues(input: NodeConfigInput) {
  try {
    loadConfig(input, { env: {}, cwd: '/tmp' });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('validate: a peer settles only on a chain that carries its asset', () => {
  it('refuses a USD peer on XRPL (XRPL carries XRP), naming the key and the fix', () => {
    const found = issues({ settlement: { enabled: true, xrpl: XRPL }, peers: [xrpPeer()] });
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe('peers[0].assetCode');
    expect(found[0].message).toBe("is USD (unset: the node's assetCode) but peers[0].settlement.chain xrpl carries XRP: its claims would pay XRP for USD");
    expect(found[0].hint).toMatch(/set peers\[0\]\.assetCode: XRP/);
  });

  it('accepts an XRP peer on XRPL at any scale (drops are converted to the peer scale)', () => {
    for (const assetScale of [6, 9]) expect(issues({ settlement: { enabled: true, xrpl: XRPL }, peers: [xrpPeer({ assetCode: 'XRP', assetScale })] })).toEqual([]);
  });

  it("EVM carries settlement.evm.assetCode, else the node's assetCode", () => {
    expect(issues({ settlement: { enabled: true, evm: EVM }, peers: [evmPeer()] })).toEqual([]);
    const xrp = issues({ settlement: { enabled: true, evm: EVM }, peers: [evmPeer({ assetCode: 'XRP' })] });
    expect(xrp.map((i) => [i.path, i.message])).toEqual([['peers[0].assetCode', 'is XRP but peers[0].settlement.chain evm carries USD: its claims would pay USD for XRP']]);
    expect(xrp[0].hint).toMatch(/settlement\.evm\.assetCode names the token's code/);
    expect(issues({ settlement: { enabled: true, evm: { ...EVM, assetCode: 'USDC' } }, peers: [evmPeer({ assetCode: 'USDC', assetScale: 6 })] })).toEqual([]);
    expect(issues({ settlement: { enabled: true, evm: { ...EVM, assetCode: 'USDC' } }, peers: [evmPeer()] }).map((i) => i.path)).toEqual(['peers[0].assetCode']);
  });

  it('Aptos carries settlement.aptos.assetCode, APT by default', () => {
    expect(issues({ settlement: { enabled: true, aptos: APTOS }, peers: [aptPeer()] }).map((i) => i.message)).toEqual([
      "is USD (unset: the node's assetCode) but peers[0].settlement.chain aptos carries APT: its claims would pay APT for USD",
    ]);
    expect(issues({ settlement: { enabled: true, aptos: APTOS }, peers: [aptPeer({ assetCode: 'APT', assetScale: 8 })] })).toEqual([]);
    expect(issues({ settlement: { enabled: true, aptos: { ...APTOS, assetCode: 'USD' } }, peers: [aptPeer()] })).toEqual([]);
  });

  it('a node without settlement does not check (no claims are ever sent)', () => {
    expect(issues({ peers: [xrpPeer()] })).toEqual([]);
  });
});

describe('runtime peers (control plane) on a node settling on a stand-in rippled', () => {
  const h = new Harness();
  let rippled: StandInRippled;
  const wallet = xrpl.Wallet.generate('ed25519' as xrpl.ECDSA);
  const other = xrpl.Wallet.generate('ed25519' as xrpl.ECDSA);

  beforeAll(async () => {
    rippled = await StandInRippled.start({ closeEveryMs: 100 });
    rippled.fund(wallet.classicAddress, 100n * 1_000_000n);
  });
  afterAll(async () => {
    await rippled?.stop();
  });
  afterEach(() => h.cleanup());

  async function hub() {
    const node = h.node({
      nodeId: 'hub',
      rates: { base: 'USD', static: { XRP: '2' } },
      settlement: { enabled: true, xrpl: { server: rippled.url, seed: wallet.seed!, pollIntervalMs: 200, resendIntervalMs: 500 } },
    });
    await node.start();
    return node;
  }
  const settlement = { chain: 'xrpl', address: other.classicAddress };

  it('POST /admin/peers refuses a USD peer settling on XRPL (400 SETTLEMENT_ASSET_MISMATCH) and takes an XRP one', async () => {
    const node = await hub();
    const refused = await admin<{ code: string; message: string }>(node, 'POST', '/admin/peers', { id: 'x', authToken: 't', settlement });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('SETTLEMENT_ASSET_MISMATCH');
    expect(refused.body.message).toBe("Peer x cannot settle on xrpl: the peer's asset is USD but its settlement chain xrpl carries XRP (settlement.xrpl (always XRP)): its claims would pay XRP for USD");
    expect(node.listPeers().map((p) => p.id)).toEqual([]);
    const added = await admin<{ peer: { asset: unknown } }>(node, 'POST', '/admin/peers', { id: 'x', authToken: 't', settlement, assetCode: 'XRP', assetScale: 6 });
    expect(added.status).toBe(201);
    expect(added.body.peer.asset).toEqual({ code: 'XRP', scale: 6 });
    // a change that would settle it in another asset is refused too, and nothing changes
    const patched = await admin<{ code: string }>(node, 'PATCH', '/admin/peers/x', { assetCode: 'USD' });
    expect([patched.status, patched.body.code]).toEqual([400, 'SETTLEMENT_ASSET_MISMATCH']);
    expect(node.listPeers()[0].asset).toEqual({ code: 'XRP', scale: 6 });
  });

  it('a runtime peer keeps its asset across a restart, and opening a channel to it works in its own units', async () => {
    const dataDir = h.dir();
    const config = {
      nodeId: 'hub',
      dataDir,
      rates: { base: 'USD', static: { XRP: '2' } },
      settlement: { enabled: true, xrpl: { server: rippled.url, seed: wallet.seed!, pollIntervalMs: 200, resendIntervalMs: 500 } },
    };
    const first = h.node(config);
    await first.start();
    expect((await admin(first, 'POST', '/admin/peers', { id: 'x', authToken: 't', settlement, assetCode: 'XRP', assetScale: 6 })).status).toBe(201);
    await first.stop();
    const again = h.node(config);
    await again.start();
    expect(again.listPeers()[0].asset).toEqual({ code: 'XRP', scale: 6 });
    rippled.fund(other.classicAddress, 100n * 1_000_000n);
    const opened = await admin<{ deposit: string; baseUnits: { deposit: string } }>(again, 'POST', '/admin/channels', { peerId: 'x', initialDeposit: '2000000', settlementTimeout: 3600 });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    // 2000000 units of XRP@6 are 2000000 drops (with the node's USD@9 they would have been 2000)
    expect([opened.body.deposit, opened.body.baseUnits.deposit]).toEqual(['2000000', '2000000']);
  });

  it('the asset of a peer whose balance is not 0 does not change (its balance is an amount of that asset)', async () => {
    const node = h.node({ nodeId: 'hub', rates: { base: 'USD', static: { XRP: '2' } }, peers: [{ id: 'c', authToken: 't', relation: 'child', creditLimit: '0' }] });
    await node.start();
    await node.ledgerHandle!.commitAsync(entries.localSend('a-local-send', 'c', 5n));
    const refused = await admin<{ code: string; message: string }>(node, 'PATCH', '/admin/peers/c', { assetCode: 'XRP', assetScale: 6 });
    expect([refused.status, refused.body.code]).toEqual([400, 'INVALID_ARGUMENT']);
    expect(refused.body.message).toContain('peer c has a balance of -5 in USD@9: settle it to 0 before changing its asset to XRP@6');
  });
});

describe('balances name each peer its own asset', () => {
  const h = new Harness();
  afterEach(() => h.cleanup());

  it("GET /admin/balances/:peerId gives an XRP peer's balance as XRP (the node's asset for the others)", async () => {
    const node = h.node({
      nodeId: 'hub',
      rates: { base: 'USD', static: { XRP: '2' } },
      peers: [
        { id: 'x', authToken: 't', relation: 'child', assetCode: 'XRP', assetScale: 6 },
        { id: 'u', authToken: 't', relation: 'child' },
      ],
    });
    await node.start();
    const x = await admin<{ balances: { tokenId: string }[] }>(node, 'GET', '/admin/balances/x');
    const u = await admin<{ balances: { tokenId: string }[] }>(node, 'GET', '/admin/balances/u');
    expect([x.body.balances[0].tokenId, u.body.balances[0].tokenId]).toEqual(['XRP', 'USD']);
  });
});
