/**
 * Schema migration 5: a cluster's settlement state (src/settlement/pg-store.ts, src/cluster/lanes.ts).
 * In a cluster each chain lane is run by one leader instance (an advisory lock per lane); the lane's
 * state lives here instead of `<dataDir>/settlement`, so the next leader continues from it:
 * - `settlement_channels`: one row per channel (the engine's ChannelRecord as JSON: chain view, best or
 *   latest claim, nonce, bookings pending);
 * - `settlement_intents`: transactions signed and about to be sent or sent, outcome unknown (per
 *   chain, signer and nonce), written and committed before they are broadcast;
 * - `settlement_meta`: per chain, the last block read and the asset decimals;
 * - `settlement_lanes`: who took each lane's lock (instance and the backend pid of its lane session;
 *   `pg_locks` says whether that session still holds it).
 */
export const SETTLEMENT_MIGRATION = {
  name: 'cluster settlement lanes',
  sql: `
    CREATE TABLE settlement_channels (
      chain text NOT NULL,
      channel_id text NOT NULL,
      record jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (chain, channel_id)
    );
    CREATE TABLE settlement_intents (
      chain text NOT NULL,
      signer text NOT NULL,
      nonce bigint NOT NULL,
      intent jsonb NOT NULL,
      PRIMARY KEY (chain, signer, nonce)
    );
    CREATE TABLE settlement_meta (
      chain text PRIMARY KEY,
      last_block bigint,
      decimals int
    );
    CREATE TABLE settlement_lanes (
      chain text PRIMARY KEY,
      instance text NOT NULL,
      backend_pid int NOT NULL,
      since timestamptz NOT NULL DEFAULT now()
    );`,
} as const;
