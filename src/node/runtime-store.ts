/**
 * Peers and routes changed at runtime, kept in `<dataDir>/runtime.json` so a restart restores them.
 * At start they win over the config file for the same peer id or route prefix (see
 * src/config/README.md, "Runtime changes"). Written atomically (temporary file, then rename).
 * Amounts are decimal strings on disk.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory } from '../make-directory.js';
import type { PeerSpec } from './peers.js';

export interface RuntimeRoute {
  prefix: string;
  nextHop: string;
  priority: number;
}

interface StoredPeer extends Omit<PeerSpec, 'maxPacketAmount' | 'creditLimit' | 'settleThreshold' | 'source'> {
  maxPacketAmount?: string;
  creditLimit?: string;
  settleThreshold?: string;
}

export interface RuntimeState {
  /** peers added, replaced or updated at runtime (a config peer with the same id is overridden) */
  peers: PeerSpec[];
  /** ids of config peers removed at runtime */
  removedPeers: string[];
  routes: RuntimeRoute[];
  /** prefixes of config routes removed at runtime */
  removedRoutes: string[];
}

/** A state with nothing changed at runtime. */
export function emptyRuntimeState(): RuntimeState {
  return { peers: [], removedPeers: [], routes: [], removedRoutes: [] };
}

const big = (s: string | undefined) => (s === undefined ? undefined : BigInt(s));
const str = (b: bigint | undefined) => (b === undefined ? undefined : b.toString());

export class RuntimeStore {
  /** The file this store reads and writes. */
  readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'runtime.json');
  }

  load(): RuntimeState {
    let raw: string;
    try {
      raw = readFileSync(this.file, 'utf8');
    } catch {
      return emptyRuntimeState();
    }
    return this.parse(raw);
  }

  /** A state from its stored JSON text. */
  protected parse(raw: string): RuntimeState {
    const json = JSON.parse(raw) as { peers?: StoredPeer[]; removedPeers?: string[]; routes?: RuntimeRoute[]; removedRoutes?: string[] };
    return {
      peers: (json.peers ?? []).map((p) => ({
        ...p,
        maxPacketAmount: big(p.maxPacketAmount),
        creditLimit: big(p.creditLimit),
        settleThreshold: big(p.settleThreshold),
        source: 'runtime' as const,
      })),
      removedPeers: json.removedPeers ?? [],
      routes: json.routes ?? [],
      removedRoutes: json.removedRoutes ?? [],
    };
  }

  /**
   * Saves atomically; saves are serialised so an older state never overwrites a newer one. A failed
   * save rejects its own promise only: the next save tries again.
   */
  save(state: RuntimeState): Promise<void> {
    const snapshot = this.serialise(state);
    const done = this.chain.then(() => this.write(snapshot));
    this.chain = done.catch(() => undefined);
    return done;
  }

  private chain: Promise<void> = Promise.resolve();

  private async write(json: string): Promise<void> {
    makeDirectory(this.dir);
    const tmp = `${this.file}.tmp`;
    // mode 600: the file holds peers' auth tokens
    await writeFile(tmp, json, { mode: 0o600 });
    await rename(tmp, this.file);
  }

  /** A state as its stored JSON text. */
  protected serialise(state: RuntimeState): string {
    const peers: StoredPeer[] = state.peers.map(({ source: _source, ...p }) => ({
      ...p,
      maxPacketAmount: str(p.maxPacketAmount),
      creditLimit: str(p.creditLimit),
      settleThreshold: str(p.settleThreshold),
    }));
    const { routes, removedRoutes, removedPeers } = state;
    return JSON.stringify({ version: 1, peers, removedPeers, routes, removedRoutes }, null, 2);
  }
}
