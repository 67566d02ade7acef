/**
 * Read-only views of a running node for the admin API and the library: the seed's balance body,
 * every ledger account, and the health report.
 */
import type { ClusterHealth } from '../cluster/cluster.js';
import { accounts, isSpendMemo, type LedgerBackend } from '../ledger/index.js';
import type { PeerSet } from './peers.js';
import type { HealthReport, PeerAccountBalance } from './types.js';
import { PeerNotFoundError } from '../errors/index.js';
import type { LateFulfillTotals } from './http/security-stats.js';
import type { AccountAssets } from './ledger-assets.js';

/** Late fulfills per next hop (pipeline/late-fulfills.ts). */
type LateTotals = ReadonlyMap<string, LateFulfillTotals>;

/** A peer's late fulfills as shown beside its balance: undefined when it has none. */
function lateOf(late: LateTotals | undefined, peerId: string): { count: number; amount: string } | undefined {
  const t = late?.get(peerId);
  return t === undefined ? undefined : { count: t.count, amount: t.amount.toString() };
}

/** The seed's balance body for one peer; PeerNotFoundError for an id with neither a peer nor a balance. */
export function peerBalance(ledger: LedgerBackend | undefined, peers: PeerSet, peerId: string, assets: AccountAssets, late?: LateTotals): PeerAccountBalance {
  const b = ledger?.balance(accounts.peer(peerId)) ?? 0n;
  const lateFulfills = lateOf(late, peerId);
  if (!peers.get(peerId) && b === 0n && lateFulfills === undefined) throw new PeerNotFoundError(peerId);
  const asset = assets.of(accounts.peer(peerId)); // the peer's own asset: its balance is an amount of it
  return {
    peerId,
    balances: [
      {
        tokenId: asset.code,
        assetCode: asset.code,
        assetScale: asset.scale,
        netBalance: b.toString(),
        creditBalance: (b > 0n ? b : 0n).toString(),
        debitBalance: (b < 0n ? -b : 0n).toString(),
      },
    ],
    ...(lateFulfills ? { lateFulfills } : {}),
  };
}

/** One line of `balances`: late fulfills appear on the account of the next hop that sent them. */
export interface AccountLine {
  account: string;
  /** in units of the account's asset: an amount of 1 is 10^-assetScale of one assetCode */
  balance: string;
  assetCode: string;
  assetScale: number;
  reserved?: string;
  lateFulfills?: { count: number; amount: string };
}

/** Every ledger account with its balance (and what is reserved on peer accounts), sorted by name. */
export function accountList(ledger: LedgerBackend | undefined, peers: PeerSet, assets: AccountAssets, late?: LateTotals): AccountLine[] {
  if (!ledger) return [];
  const out: AccountLine[] = [];
  const seen = new Set<string>();
  for (const [account, balance] of ledger.balances()) {
    if (isSpendMemo(account)) continue; // spend policies' memo accounts move no money (docs/agents.md)
    seen.add(account);
    const peerId = account.startsWith(PEER_PREFIX) ? account.slice(PEER_PREFIX.length) : undefined;
    const lateFulfills = peerId === undefined ? undefined : lateOf(late, peerId);
    const a = assets.of(account);
    out.push({ account, balance: balance.toString(), assetCode: a.code, assetScale: a.scale, ...(peerId ? { reserved: ledger.reserved(peerId).toString() } : {}), ...(lateFulfills ? { lateFulfills } : {}) });
  }
  const ids = new Set([...peers.all().map((p) => p.id), ...(late?.keys() ?? [])]);
  for (const id of ids) {
    if (seen.has(accounts.peer(id))) continue;
    const lateFulfills = lateOf(late, id);
    const a = assets.of(accounts.peer(id));
    out.push({ account: accounts.peer(id), balance: '0', assetCode: a.code, assetScale: a.scale, reserved: ledger.reserved(id).toString(), ...(lateFulfills ? { lateFulfills } : {}) });
  }
  return out.sort((a, b) => a.account.localeCompare(b.account));
}

const PEER_PREFIX = accounts.peer('');

/** What the health report needs to know about the node. */
export interface HealthInputs {
  phase: 'new' | 'starting' | 'started' | 'stopping' | 'stopped';
  ledgerOpen: boolean;
  /** Set while the ledger refuses writes (fail-stop). */
  ledgerFault?: { reason: string; code?: string } | undefined;
  /** The BTP pre-auth gate's counters, when it runs. */
  preAuth?: { open: number; refused: number; lastRefusedAt: number } | undefined;
  /** Assets whose rates are stale (pairs touching them get T00). */
  staleRates?: readonly string[];
  btpListening: boolean;
  addressKnown: boolean;
  peers: PeerSet;
  startedAt: number;
  nodeId: string;
  ilpAddress: string;
  version: string;
  /** The identity key's public half (base64url), once the node has loaded it. */
  identityKey?: string | undefined;
  /** The cluster instance (cluster.enabled): a peer whose link another live instance holds is served. */
  cluster?: { health(): ClusterHealth; heldElsewhere(peerId: string): string | undefined } | undefined;
}

/** The health report: starting, healthy, degraded (a peer down, no address yet) or unhealthy. */
export function healthReport(h: HealthInputs): HealthReport {
  const peers: HealthReport['checks']['peers'] = h.peers.all().map((p) => {
    const at = p.connected ? undefined : h.cluster?.heldElsewhere(p.id);
    return at === undefined ? { id: p.id, connected: p.connected } : { id: p.id, connected: false, instance: at };
  });
  const connected = peers.filter((p) => p.connected).length;
  const served = connected + peers.filter((p) => p.instance !== undefined).length;
  const cluster = h.cluster?.health();
  const fault = h.ledgerFault;
  const ledgerOk = h.ledgerOpen && h.phase === 'started' && fault === undefined;
  const btpOk = h.btpListening && h.phase === 'started';
  const reasons: string[] = [];
  if (fault !== undefined && fault.code === 'LEDGER_CORRUPT') reasons.push(`ledger store damaged (${fault.reason}): refusing payments until a restart; see ledger salvage`);
  else if (fault !== undefined) reasons.push(`ledger write failed (${fault.reason}): refusing payments until the store works again`);
  else if (!ledgerOk) reasons.push('ledger is not open');
  if (!btpOk) reasons.push('BTP server is not listening');
  for (const p of peers) if (!p.connected && p.instance === undefined) reasons.push(`peer ${p.id} is not connected`);
  if (cluster && !cluster.session) reasons.push('cluster session lost: this instance holds no link until its database session is back');
  const gate = h.preAuth;
  if (gate && Date.now() - gate.lastRefusedAt < 60_000) reasons.push(`BTP pre-auth cap reached: ${gate.refused} connections refused since start`);
  if (!h.addressKnown) reasons.push('ILP address not yet learned from the parent');
  const stale = h.staleRates ?? [];
  if (stale.length > 0) reasons.push(`rates are stale for ${stale.join(', ')}: pairs touching them get T00`);
  let status: HealthReport['status'];
  if (h.phase === 'new' || h.phase === 'starting') status = 'starting';
  else if (!ledgerOk || !btpOk || cluster?.session === false) status = 'unhealthy';
  else if (served < peers.length || !h.addressKnown || stale.length > 0) status = 'degraded';
  else status = 'healthy';
  return {
    status,
    uptime: h.startedAt ? Math.floor((Date.now() - h.startedAt) / 1000) : 0,
    peersConnected: connected,
    totalPeers: peers.length,
    timestamp: new Date().toISOString(),
    nodeId: h.nodeId,
    ilpAddress: h.ilpAddress,
    version: h.version,
    checks: { ledger: ledgerOk, btp: btpOk, peers },
    reasons,
    ...(h.identityKey === undefined ? {} : { identity: { algorithm: 'ed25519' as const, publicKey: h.identityKey } }),
    ...(cluster ? { cluster } : {}),
    ...(gate ? { preAuth: { open: gate.open, refused: gate.refused, ...(gate.lastRefusedAt > 0 ? { lastRefusedAt: new Date(gate.lastRefusedAt).toISOString() } : {}) } } : {}),
  };
}
