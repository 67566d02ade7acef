/**
 * Assets in the store (issue 19): every account's asset is recorded in the ledger (`a` records), `start`
 * refuses a store whose local agent is booked in another asset (LEDGER_ASSET_MISMATCH), `verify` sums
 * each asset to zero, and export/import carry the assets. Real LevelDB in a temp folder, real nodes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, entries, type JournalEntry } from '../../src/ledger/index.js';
import { Harness } from '../helpers/node.js';
import { FORMAT_VERSION, META_KEY } from '../../src/ledger/codec.js';
import { openRaw } from '../ledger/helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

const USD9 = { code: 'USD', scale: 9 };
const XRP6 = { code: 'XRP', scale: 6 };

/** A cross-asset forward as the hub books it: alice (USD@9) → bob (XRP@6). */
function crossForward(id: string): JournalEntry {
  return {
    id,
    kind: 'packet',
    postings: [
      { account: 'peer:alice', amount: 1_000_000_000n },
      { account: 'exchange:USD@9', amount: -1_000_000_000n },
      { account: 'exchange:XRP@6', amount: 1_923_077n },
      { account: 'peer:bob', amount: -1_923_077n },
    ],
  };
}

async function open(dataDir: string): Promise<Ledger> {
  const ledger = await Ledger.open({ dataDir });
  h.onCleanup(() => ledger.close().catch(() => undefined));
  return ledger;
}

describe('the ledger records each account asset', () => {
  it('verify sums each asset to zero, and names the asset that does not', async () => {
    const ledger = await open(h.dir());
    await ledger.recordAssets([
      ['agent', USD9],
      ['peer:alice', USD9],
      ['peer:bob', XRP6],
    ]);
    await ledger.commitAsync(crossForward('p1'));
    const good = await ledger.verify();
    expect(good).toMatchObject({ ok: true, sum: '0', assets: { 'USD@9': '0', 'XRP@6': '0' } });
    // an entry that balances in sum but moves value from USD into XRP: the total is 0, the assets are not
    await ledger.commitAsync(entries.localSend('send-1', 'bob', 5n));
    const bad = await ledger.verify();
    expect(bad.sum).toBe('0');
    expect(bad).toMatchObject({ ok: false, assets: { 'USD@9': '5', 'XRP@6': '-5' } });
  });

  it('a store with no asset records (written before them) verifies as before', async () => {
    const ledger = await open(h.dir());
    await ledger.commitAsync(entries.localSend('send-1', 'bob', 5n));
    const r = await ledger.verify();
    expect(r).toEqual({ ok: true, sum: '0', mismatches: [] });
  });

  it('export carries the assets and import restores them', async () => {
    const from = await open(h.dir());
    await from.recordAssets([
      ['agent', USD9],
      ['peer:bob', XRP6],
    ]);
    await from.commitAsync(crossForward('p1'));
    const snapshot = await from.exportSnapshot();
    expect(snapshot.assets).toEqual({ agent: 'USD@9', 'peer:bob': 'XRP@6' });
    const to = await open(h.dir());
    await to.importSnapshot(JSON.parse(JSON.stringify(snapshot)) as typeof snapshot);
    expect(Object.fromEntries(await to.accountAssets())).toEqual({ agent: USD9, 'peer:bob': XRP6 });
    expect((await to.verify()).assets).toEqual({ 'USD@9': '0', 'XRP@6': '0' });
    const bad = { ...snapshot, assets: { agent: 'USD' } };
    const to2 = await open(h.dir());
    await expect(to2.importSnapshot(bad)).rejects.toMatchObject({ code: 'LEDGER_SNAPSHOT_INVALID', message: expect.stringContaining('assets.agent must be "<code>@<scale>"') as string });
  });
});

describe('start and the store asset', () => {
  it("records the node's and each peer's account assets at start, and refuses a store booked in another agent asset", async () => {
    const dataDir = h.dir();
    const config = { nodeId: 'hub', dataDir, rates: { base: 'USD', static: { XRP: '2' } }, peers: [{ id: 'bob', authToken: 't', relation: 'child' as const, assetCode: 'XRP', assetScale: 6 }] };
    const first = h.node(config);
    await first.start();
    const recorded = Object.fromEntries(await first.ledgerHandle!.accountAssets!());
    expect(recorded).toMatchObject({ agent: USD9, fees: USD9, onchain: USD9, 'peer:bob': XRP6, 'channelIn:bob': XRP6, 'channelOut:bob': XRP6 });
    await first.stop();
    const other = h.node({ ...config, assetCode: 'EUR', assetScale: 2 });
    await expect(other.start()).rejects.toMatchObject({
      code: 'LEDGER_ASSET_MISMATCH',
      message: `The ledger in ${dataDir} books the local agent in USD@9, but the config says EUR@2`,
    });
    const again = h.node(config);
    await again.start();
    expect(again.ledgerHandle!.balance('agent')).toBe(0n);
  });

  it('an old store without asset records opens unchanged: its accounts take the node asset', async () => {
    const dataDir = h.dir();
    const old = await Ledger.open({ dataDir });
    await old.commitAsync(entries.localSend('old-send', 'bob', 7n));
    await old.close();
    const node = h.node({ nodeId: 'hub', dataDir, peers: [{ id: 'bob', authToken: 't', relation: 'child' as const }] });
    await node.start();
    expect(node.ledgerHandle!.balance('peer:bob')).toBe(-7n);
    expect((await node.ledgerHandle!.accountAssets!()).get('agent')).toEqual(USD9);
    expect(await node.ledgerHandle!.verify()).toEqual({ ok: true, sum: '0', mismatches: [] }); // one asset: its sum is the total
  });

  it('Upgrading: the store says format 7 once it may hold asset records, so a build that reads format 6 refuses it by name', async () => {
    const dataDir = h.dir();
    // a store as the build before asset records left it: format 6, no `a` records
    const old = await Ledger.open({ dataDir });
    await old.commitAsync(entries.localSend('old-send', 'bob', 7n));
    await old.close();
    const raw = await openRaw(dataDir);
    await raw.put(META_KEY, Buffer.from(JSON.stringify({ format: 'agent-runtime-ledger', version: 6, createdAt: new Date().toISOString() })));
    await raw.close();
    const node = h.node({ nodeId: 'hub', dataDir, peers: [{ id: 'bob', authToken: 't', relation: 'child' as const, assetCode: 'XRP', assetScale: 6 }] });
    await node.start();
    expect((await node.ledgerHandle!.accountAssets!()).get('agent')).toEqual(USD9);
    await node.stop();
    const meta = await openRaw(dataDir);
    expect(JSON.parse((await meta.get(META_KEY)).toString('utf8'))).toMatchObject({ version: 7 });
    await meta.close();
    expect(FORMAT_VERSION).toBe(7);
    // what a format-6 build does with it: the same check this build applies to a store newer than it reads
    const newer = await openRaw(dataDir);
    await newer.put(META_KEY, Buffer.from(JSON.stringify({ format: 'agent-runtime-ledger', version: FORMAT_VERSION + 1, createdAt: new Date().toISOString() })));
    await newer.close();
    const err = await Ledger.open({ dataDir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'LEDGER_FORMAT_NEWER', version: FORMAT_VERSION + 1, supported: FORMAT_VERSION });
  });
});
