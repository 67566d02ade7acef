/**
 * The ledger's account assets, kept in the store (src/ledger/asset-records.ts): at start the node
 * refuses a store whose local agent is booked in another asset than the config's (its balances would
 * be read as amounts of the wrong asset), then records the asset of its own accounts and of every
 * peer's accounts. A store written before assets were recorded has none: its accounts take the node's
 * asset, and the records are written now.
 */
import { appError } from '../errors/index.js';
import { accounts, assetOfAccountId, type AccountId, type LedgerAsset } from '../ledger/index.js';
import type { LedgerBackend } from '../ledger/backend.js';

/** A peer as far as its accounts' asset goes. */
export interface AssetPeer {
  id: string;
  asset?: { code: string; scale: number };
}

const same = (a: LedgerAsset, b: LedgerAsset) => a.code === b.code && a.scale === b.scale;
const name = (a: LedgerAsset) => `${a.code}@${a.scale}`;

/** The accounts of a peer (its own, and its two channel accounts) with its asset. */
export function peerAccountAssets(peer: AssetPeer, node: LedgerAsset): [AccountId, LedgerAsset][] {
  const a = peer.asset ?? node;
  return [accounts.peer(peer.id), accounts.channelIn(peer.id), accounts.channelOut(peer.id)].map((id) => [id, { code: a.code, scale: a.scale }]);
}

/**
 * Checks the store's agent asset against the node's and records every account asset that is missing
 * or changed. A backend without asset records (optional methods) is left alone.
 * @throws AppError LEDGER_ASSET_MISMATCH when the store's agent asset is not the node's
 */
export async function reconcileLedgerAssets(ledger: LedgerBackend, node: LedgerAsset, peers: readonly AssetPeer[], dataDir: string): Promise<Map<AccountId, LedgerAsset>> {
  if (ledger.accountAssets === undefined || ledger.recordAssets === undefined) return new Map();
  const recorded = await ledger.accountAssets();
  const agent = recorded.get(accounts.agent);
  if (agent !== undefined && !same(agent, node)) {
    throw appError('LEDGER_ASSET_MISMATCH', { dataDir, storeAsset: name(agent), configAsset: name(node) });
  }
  const wanted: [AccountId, LedgerAsset][] = [
    [accounts.agent, node],
    [accounts.fees, node],
    [accounts.onchain, node],
    ...peers.flatMap((p) => peerAccountAssets(p, node)),
  ];
  const changed = wanted.filter(([id, a]) => {
    const r = recorded.get(id);
    return r === undefined || !same(r, a);
  });
  refuseBookedAssetChange(ledger, recorded, changed, dataDir);
  if (changed.length > 0) await ledger.recordAssets(changed);
  for (const [id, a] of changed) recorded.set(id, a);
  return recorded;
}

/**
 * A peer's accounts may take another asset only while they are all 0: a non-zero balance (or channel
 * claim, converted to the chain's units at the booked scale) is an amount of the recorded asset, and a
 * new scale would read it 10^n off. The control plane applies the same rule to runtime changes.
 * @throws AppError LEDGER_PEER_ASSET_CHANGED naming the peer, both assets and the non-zero accounts
 */
function refuseBookedAssetChange(ledger: LedgerBackend, recorded: ReadonlyMap<AccountId, LedgerAsset>, changed: readonly [AccountId, LedgerAsset][], dataDir: string): void {
  for (const [id, a] of changed) {
    const before = recorded.get(id);
    const m = PEER_ACCOUNT.exec(id);
    if (before === undefined || m === null || !id.startsWith(accounts.peer(''))) continue;
    const held = peerAccountAssets({ id: m[1] }, before)
      .map(([account]) => [account, ledger.balance(account)] as const)
      .filter(([, b]) => b !== 0n);
    if (held.length === 0) continue;
    throw appError('LEDGER_PEER_ASSET_CHANGED', {
      peerId: m[1],
      dataDir,
      storeAsset: name(before),
      configAsset: name(a),
      balances: held.map(([account, b]) => `${account} ${b}`).join(', '),
    });
  }
}

/** The prefixes of the accounts a peer owns (its own and its two channel accounts). */
const PEER_ACCOUNT = /^(?:peer|channelIn|channelOut):(.+)$/;

/**
 * Which asset each account's balance is an amount of, answered synchronously for the views (balances,
 * /metrics): a present peer's accounts are in its asset; an account the store recorded at start (or
 * that was seen here for a present peer, e.g. a runtime peer since removed) keeps that one;
 * `exchange:`/`fees:`/`onchain:<code>@<scale>` name theirs; anything else is in the node's asset.
 */
export class AccountAssets {
  private readonly known = new Map<AccountId, LedgerAsset>();

  constructor(
    private readonly node: LedgerAsset,
    private readonly peerAsset: (peerId: string) => { asset?: LedgerAsset } | undefined,
  ) {}

  /** The assets the store holds (reconcileLedgerAssets' answer at start). */
  load(recorded: ReadonlyMap<AccountId, LedgerAsset>): void {
    for (const [id, a] of recorded) this.known.set(id, a);
  }

  of(account: AccountId): LedgerAsset {
    const m = PEER_ACCOUNT.exec(account);
    if (m !== null) {
      const peer = this.peerAsset(m[1]);
      if (peer !== undefined) {
        const a = peer.asset ?? this.node;
        this.known.set(account, a);
        return a;
      }
    }
    return this.known.get(account) ?? assetOfAccountId(account) ?? this.node;
  }
}
