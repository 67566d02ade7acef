/**
 * The settlement store of a cluster instance: the same records as the LevelDB store (store.ts), in
 * PostgreSQL (schema migration 5), read and written on the lane session of src/cluster/lanes.ts. Every
 * write names its chain and is refused unless this instance leads that chain's lane now, so only a
 * lane's leader ever writes its channels, intents and last block. Statements are single autocommit
 * writes with `synchronous_commit` on: an intent is on the server's disk before it is broadcast.
 */
import type { LaneStateSession } from '../node/ports.js';
import type { ChainKind } from './chain.js';
import { decode, encode, type ChannelRecord, type SettlementStorage, type StoreMeta, type TxIntent } from './store.js';

const CHAINS: readonly ChainKind[] = ['evm', 'xrpl', 'aptos'];

export class PgSettlementStore implements SettlementStorage {
  constructor(private readonly db: LaneStateSession) {}

  /** Every chain's channels (the engine keeps those of the lanes it leads). */
  async channels(): Promise<ChannelRecord[]> {
    const rows = await this.db.query<{ record: Record<string, unknown> }>(undefined, 'SELECT record FROM settlement_channels ORDER BY chain, channel_id');
    return rows.map((r) => decode(r.record));
  }

  async put(r: ChannelRecord): Promise<void> {
    r.updatedAt = Date.now();
    await this.db.query(
      r.chain,
      `INSERT INTO settlement_channels (chain, channel_id, record) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (chain, channel_id) DO UPDATE SET record = EXCLUDED.record, updated_at = now()`,
      [r.chain, r.channelId, JSON.stringify(encode(r))],
    );
  }

  async putIntent(i: TxIntent): Promise<void> {
    await this.db.query(
      i.chain,
      `INSERT INTO settlement_intents (chain, signer, nonce, intent) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (chain, signer, nonce) DO UPDATE SET intent = EXCLUDED.intent`,
      [i.chain, i.from.toLowerCase(), i.nonce, JSON.stringify(i)],
    );
  }

  async removeIntent(i: Pick<TxIntent, 'chain' | 'from' | 'nonce'>): Promise<void> {
    await this.db.query(i.chain, 'DELETE FROM settlement_intents WHERE chain = $1 AND signer = $2 AND nonce = $3', [i.chain, i.from.toLowerCase(), i.nonce]);
  }

  async intents(chain: ChainKind): Promise<TxIntent[]> {
    const rows = await this.db.query<{ intent: TxIntent }>(chain, 'SELECT intent FROM settlement_intents WHERE chain = $1 ORDER BY signer, nonce', [chain]);
    return rows.map((r) => r.intent);
  }

  /** Every chain's last block and decimals, in the LevelDB store's shape. */
  async meta(): Promise<StoreMeta> {
    const rows = await this.db.query<{ chain: ChainKind; last_block: string | null; decimals: number | null }>(undefined, 'SELECT chain, last_block::text AS last_block, decimals FROM settlement_meta');
    const meta: StoreMeta = {};
    for (const r of rows) {
      if (r.last_block !== null) {
        if (r.chain === 'evm') meta.lastBlock = Number(r.last_block);
        else meta.lastBlocks = { ...meta.lastBlocks, [r.chain]: Number(r.last_block) };
      }
      if (r.decimals !== null) meta.decimals = { ...meta.decimals, [r.chain]: r.decimals };
    }
    return meta;
  }

  /** Writes the rows of the chains this instance leads (the others' are their leaders' to write). */
  async putMeta(meta: StoreMeta): Promise<void> {
    for (const chain of CHAINS) {
      if (!this.db.leads(chain)) continue;
      const last = chain === 'evm' ? meta.lastBlock : meta.lastBlocks?.[chain];
      const decimals = meta.decimals?.[chain];
      if (last === undefined && decimals === undefined) continue;
      await this.db.query(
        chain,
        `INSERT INTO settlement_meta (chain, last_block, decimals) VALUES ($1, $2, $3)
         ON CONFLICT (chain) DO UPDATE SET last_block = COALESCE(EXCLUDED.last_block, settlement_meta.last_block), decimals = COALESCE(EXCLUDED.decimals, settlement_meta.decimals)`,
        [chain, last ?? null, decimals ?? null],
      );
    }
  }

  /** The session belongs to the cluster instance (it ends with it). */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
