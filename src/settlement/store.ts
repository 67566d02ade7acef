/**
 * The settlement engine's own LevelDB (`<dataDir>/settlement`): one record per channel we pay or are
 * paid through, holding the chain's view of it, the latest claim (sent or best received) and the ledger
 * bookings decided but perhaps not yet written. Plus a meta record (last block read).
 *
 * Booking protocol: a change that moves money is first written here with its ledger entries in
 * `pending`, then committed to the ledger (idempotent by entry id), then `pending` is cleared. A crash
 * anywhere in between is repaired at start by committing what is still pending.
 *
 * Transaction intents (`intent:<chain>:<address>:<nonce>`): each transaction we sign is written here,
 * fsynced, before it is sent, and removed once its outcome is known; at start the chain adapter
 * reconciles whatever is left (chains/evm/intents.ts).
 */
import { join } from 'node:path';
import { Level } from 'level';
import { LedgerError } from '../ledger/errors.js';
import { checkStoreFiles, copyAside, type StoreDamage } from '../ledger/integrity/check-store.js';
import type { ChainKind } from './chain.js';
import type { Claim } from './claim.js';

/** A ledger entry decided by the engine. `amount` in asset units. */
export interface Booking {
  id: string;
  kind: 'claim-received' | 'claim-sent' | 'redeem-in' | 'redeem-out';
  peerId: string;
  amount: bigint;
}

/** A channel as the engine tracks it. Amounts in token base units unless named otherwise. */
export interface ChannelRecord {
  /** The chain's canonical form (ChainAdapter.normalizeChannelId). */
  channelId: string;
  /** Records written before XRPL and Aptos existed have none: they read as 'evm'. */
  chain: ChainKind;
  chainId: number;
  contract: string;
  /** outgoing: we are the sender (we pay the peer); incoming: the peer pays us. */
  direction: 'outgoing' | 'incoming';
  /** The peer the channel is with (outgoing: chosen at open; incoming: matched by the sender address). */
  peerId?: string;
  sender: string;
  receiver: string;
  /** The key the sender's claims verify against, where the chain's channels hold one (XRPL, Aptos). */
  publicKey?: string;
  /** seconds */
  settlementTimeout: number;
  state: 'open' | 'closing' | 'settled';
  /** seconds since the epoch; 0 while open */
  closedAt: number;
  deposit: bigint;
  withdrawn: bigint;
  /** What the contract has paid the receiver so far. */
  claimed: bigint;
  /** outgoing: latest claim we signed; incoming: best claim received. */
  claim?: Claim;
  /** outgoing: last nonce we used. */
  nonce: bigint;
  /** outgoing: cumulative the peer acknowledged (booked as claim-sent); incoming: cumulative booked as claim-received. */
  booked: bigint;
  /** The on-chain `claimed` already booked as redeem-in / redeem-out. */
  redeemed: bigint;
  /** Largest totalWithdrawn consented (incoming: we signed; outgoing: we asked for). */
  consented: bigint;
  /** incoming: the payout we agreed to close at (no claim above it is accepted). */
  closeConsent?: bigint;
  pending: Booking[];
  /** ms since the epoch */
  openedAt: number;
  updatedAt: number;
  lastTx?: string;
}

/** One signed transaction of an intent (the first, or a replacement at a higher fee). */
export interface SignedTx {
  hash: string;
  /** The signed transaction, 0x hex, exactly as sent (or about to be). */
  raw: string;
  /** ms since the epoch */
  sentAt: number;
}

/**
 * A transaction we are about to send or have sent and whose outcome we do not know yet. Replacements
 * (fee bumps) share its nonce: at most one of `txs` can ever be mined.
 */
export interface TxIntent {
  chain: ChainKind;
  /** The contract call (openChannel, setTotalDeposit, claim, withdraw, closeChannel, cooperativeClose, settleChannel, approve). */
  kind: string;
  /** The channel it acts on (for openChannel: the id the contract will give it), when there is one. */
  channelId?: string;
  /** The amount it moves or sets, the chain's base units as a decimal string, when there is one. */
  amount?: string;
  /** Our account (the signer). */
  from: string;
  nonce: number;
  /** Oldest first; the last is the newest fee. */
  txs: SignedTx[];
  /** ms since the epoch */
  createdAt: number;
}

function intentKey(i: Pick<TxIntent, 'chain' | 'from' | 'nonce'>): string {
  return `intent:${i.chain}:${i.from.toLowerCase()}:${i.nonce.toString().padStart(20, '0')}`;
}

export interface StoreMeta {
  /** Last EVM block whose events were read. */
  lastBlock?: number;
  /** The same for the other chains: XRPL ledger index, Aptos ledger version. */
  lastBlocks?: Partial<Record<Exclude<ChainKind, 'evm'>, number>>;
  /** Each chain's asset decimals when last connected (to show amounts while it is not). */
  decimals?: Partial<Record<ChainKind, number>>;
}

/** The store key of a channel: EVM records keep the key they had before the other chains came. */
function key(chain: ChainKind, channelId: string): string {
  return chain === 'evm' ? `channel:${channelId}` : `channel:${chain}:${channelId}`;
}

const BIG = ['deposit', 'withdrawn', 'claimed', 'nonce', 'booked', 'redeemed', 'consented', 'closeConsent'] as const;

/** A record as JSON (bigints as decimal strings). */
export function encode(r: ChannelRecord): unknown {
  const out: Record<string, unknown> = { ...r, pending: r.pending.map((b) => ({ ...b, amount: b.amount.toString() })) };
  for (const k of BIG) if (r[k] !== undefined) out[k] = r[k].toString();
  return out;
}

/** A record read back from JSON. */
export function decode(v: Record<string, unknown>): ChannelRecord {
  const r = { ...v } as Record<string, unknown>;
  for (const k of BIG) if (typeof v[k] === 'string') r[k] = BigInt(v[k]);
  r.pending = ((v.pending ?? []) as Record<string, unknown>[]).map((b) => ({ ...b, amount: BigInt(b.amount as string) }));
  r.chain ??= 'evm';
  return r as unknown as ChannelRecord;
}

function settlementCorrupt(dataDir: string, dir: string, damage: StoreDamage): LedgerError {
  let copiedTo: string | undefined;
  try {
    copiedTo = copyAside(dataDir, dir, 'settlement');
  } catch {
    // no room for a copy: nothing opened the originals all the same
  }
  return new LedgerError(
    'LEDGER_CORRUPT',
    `The settlement store in ${dataDir} is damaged: ${damage.file} at offset ${damage.offset}: ${damage.reason}`,
    `${copiedTo ? `The damaged files were copied to ${copiedTo}. ` : ''}The best claims it held are in that copy: keep it and recover them from it (or ask each peer for its latest claim) before you redeem. Then move ${dir} away and start again; channels are reconciled with the chain at start.`,
    { details: { dataDir, file: damage.file, offset: damage.offset, reason: damage.reason, copiedTo } },
  );
}

/**
 * Where a settlement engine keeps its channels, intents and meta: the node's LevelDB store
 * (SettlementStore, below) or, in a cluster, PostgreSQL (pg-store.ts), written only by the instance
 * leading the record's chain lane.
 */
export interface SettlementStorage {
  channels(): Promise<ChannelRecord[]>;
  /** Writes a record (one atomic write). */
  put(r: ChannelRecord): Promise<void>;
  /** Writes a transaction intent durably: call before sending any of its txs. */
  putIntent(i: TxIntent): Promise<void>;
  /** Forgets an intent whose outcome is known (mined, failed, superseded). */
  removeIntent(i: Pick<TxIntent, 'chain' | 'from' | 'nonce'>): Promise<void>;
  /** The intents of `chain` still open, oldest nonce first. */
  intents(chain: ChainKind): Promise<TxIntent[]>;
  meta(): Promise<StoreMeta>;
  putMeta(meta: StoreMeta): Promise<void>;
  close(): Promise<void>;
}

export class SettlementStore implements SettlementStorage {
  private constructor(private readonly db: Level<string, unknown>) {}

  /** Folder of the store inside the node's data directory. */
  static location(dataDir: string): string {
    return join(dataDir, 'settlement');
  }

  /**
   * Opens the store after the ledger's open-time check (every log record and table block against its
   * CRC, see src/ledger/integrity): best claims are money, so a damaged store is copied aside to
   * `<dataDir>/settlement-damaged-<time>` and refused with LEDGER_CORRUPT naming file and offset,
   * never read as a smaller truth; a torn final log record opens (LevelDB drops it).
   */
  static async open(dataDir: string): Promise<SettlementStore> {
    const dir = SettlementStore.location(dataDir);
    const damage = checkStoreFiles(dir).damage;
    if (damage !== undefined) throw settlementCorrupt(dataDir, dir, damage);
    const db = new Level<string, unknown>(dir, { valueEncoding: 'json' });
    try {
      await db.open();
    } catch (err) {
      const code = (err as { code?: string; cause?: { code?: string } }).code;
      if (code === 'LEVEL_CORRUPTION' || (err as { cause?: { code?: string } }).cause?.code === 'LEVEL_CORRUPTION') {
        throw settlementCorrupt(dataDir, dir, { file: dir, offset: 0, reason: err instanceof Error ? err.message : String(err) });
      }
      throw err;
    }
    return new SettlementStore(db);
  }

  async channels(): Promise<ChannelRecord[]> {
    const out: ChannelRecord[] = [];
    for await (const [, v] of this.db.iterator({ gte: 'channel:', lt: 'channel;' })) out.push(decode(v as Record<string, unknown>));
    return out;
  }

  /** Writes a record (one atomic put). */
  put(r: ChannelRecord): Promise<void> {
    r.updatedAt = Date.now();
    return this.db.put(key(r.chain, r.channelId), encode(r));
  }

  /** Writes a transaction intent and waits for the disk (fsync): call before sending any of its txs. */
  putIntent(i: TxIntent): Promise<void> {
    return this.db.put(intentKey(i), i, { sync: true });
  }

  /** Forgets an intent whose outcome is known (mined, failed, superseded). */
  removeIntent(i: Pick<TxIntent, 'chain' | 'from' | 'nonce'>): Promise<void> {
    return this.db.del(intentKey(i), { sync: true });
  }

  /** The intents of `chain` still open, oldest nonce first (every signer's; the caller picks its own). */
  async intents(chain: ChainKind): Promise<TxIntent[]> {
    const out: TxIntent[] = [];
    for await (const [, v] of this.db.iterator({ gte: `intent:${chain}:`, lt: `intent:${chain};` })) out.push(v as TxIntent);
    return out;
  }

  async meta(): Promise<StoreMeta> {
    return ((await this.db.get('meta')) as StoreMeta | undefined) ?? {};
  }

  putMeta(meta: StoreMeta): Promise<void> {
    return this.db.put('meta', meta);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
