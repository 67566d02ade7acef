/**
 * Interop helpers: the reference JavaScript Interledger stack from npm (`ilp-connector`,
 * `ilp-plugin-btp`, `ilp-packet`) on real sockets on 127.0.0.1, tracked so `cleanup()` closes every
 * listener, socket and plugin a test opened. Nothing here is mocked.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import IlpPacket from 'ilp-packet';
import createAppExport from 'ilp-connector/dist/app';
import { setOutputStream } from 'ilp-connector/dist/common/log.js';
import BtpPluginExport from 'ilp-plugin-btp';
import { waitFor } from './node.js';

/** What the tests use of an ilp-plugin-btp instance (its own typings do not match the ESM import). */
export interface BtpPlugin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  sendData(ilp: Buffer): Promise<Buffer>;
  registerDataHandler(handler: (ilp: Buffer) => Promise<Buffer>): void;
}
/** ilp-plugin-btp's internals the cleanup reads: its listener, and its client socket reconnector. */
interface PluginInternals {
  _wss?: { address(): AddressInfo | string | null } | null;
  _ws?: { _instance?: { readyState: number } };
}
type Plugin = BtpPlugin & PluginInternals;

interface IlpConnectorApp {
  listen(): Promise<void>;
  shutdown(): Promise<void>;
  getPlugin(accountId: string): Plugin;
}
type CreateApp = (opts: Record<string, unknown>, container: Container) => IlpConnectorApp;
type Container = (constructor: new (deps: Container) => unknown) => unknown;

/** CommonJS interop: Node's ESM loader hands over module.exports; some typings speak of `.default`. */
const cjs = <T>(m: unknown): T => (m !== null && typeof m === 'object' && 'default' in m ? (m as { default: T }).default : (m as T));
const createApp = cjs<CreateApp>(createAppExport);
const BtpPluginClass = cjs<new (opts: Record<string, unknown>) => Plugin>(BtpPluginExport);

// ilp-connector logs every packet to stdout; keep it for TEST_LOG_LEVEL runs only.
if (!process.env.TEST_LOG_LEVEL || process.env.TEST_LOG_LEVEL === 'silent') {
  setOutputStream(new Writable({ write: (_chunk, _enc, done) => done() }) as NodeJS.WriteStream);
}

/** sha256(data) is the fulfillment, sha256(fulfillment) the condition (the seed's convention). */
export function conditionFor(data: Buffer): { fulfillment: Buffer; condition: Buffer } {
  const fulfillment = createHash('sha256').update(data).digest();
  return { fulfillment, condition: createHash('sha256').update(fulfillment).digest() };
}

export type IlpReply =
  | { type: 'fulfill'; fulfillment: Buffer; data: Buffer }
  | { type: 'reject'; code: string; triggeredBy: string; message: string; data: Buffer };

/** Decodes a Fulfill or Reject with ilp-packet (not our codec). */
export function parseReply(buf: Buffer): IlpReply {
  if (buf[0] === 13) {
    const f = IlpPacket.deserializeIlpFulfill(buf);
    return { type: 'fulfill', fulfillment: f.fulfillment, data: f.data };
  }
  if (buf[0] === 14) {
    const r = IlpPacket.deserializeIlpReject(buf);
    return { type: 'reject', code: r.code, triggeredBy: r.triggeredBy, message: r.message, data: r.data };
  }
  throw new Error(`not an ILP reply: type ${buf[0]}`);
}

/** One Prepare sent through an ilp-plugin-btp plugin, built with ilp-packet, sha256(data) convention. */
export async function sendThroughPlugin(
  plugin: BtpPlugin,
  p: { destination: string; amount: bigint | string; data?: Buffer; expiresAt?: Date },
): Promise<IlpReply> {
  const data = p.data ?? randomBytes(16);
  const prepare = IlpPacket.serializeIlpPrepare({
    destination: p.destination,
    amount: p.amount.toString(),
    executionCondition: conditionFor(data).condition,
    expiresAt: p.expiresAt ?? new Date(Date.now() + 30_000),
    data,
  });
  const reply = parseReply(await plugin.sendData(prepare));
  if (reply.type === 'fulfill' && !reply.fulfillment.equals(conditionFor(data).fulfillment)) {
    throw new Error('fulfillment does not match sha256(data)');
  }
  return reply;
}

export interface ReceivedPrepare {
  destination: string;
  amount: string;
  expiresAt: Date;
  data: Buffer;
}

/**
 * A data handler (for ilp-plugin-btp's registerDataHandler) that fulfills with sha256(data), or
 * rejects when `decide` returns a reject, or never answers when it returns 'hang'. Every Prepare it
 * sees is pushed to `seen`.
 */
export function fulfillingHandler(
  address: string,
  seen: ReceivedPrepare[],
  decide: (p: ReceivedPrepare) => { code: string; message: string; data?: Buffer } | 'hang' | undefined = () => undefined,
): (buf: Buffer) => Promise<Buffer> {
  return (buf: Buffer) => {
    const p = IlpPacket.deserializeIlpPrepare(buf);
    const got: ReceivedPrepare = { destination: p.destination, amount: p.amount, expiresAt: p.expiresAt, data: p.data };
    seen.push(got);
    const reject = decide(got);
    if (reject === 'hang') return new Promise<Buffer>(() => undefined);
    if (reject) {
      return Promise.resolve(IlpPacket.serializeIlpReject({ code: reject.code, triggeredBy: address, message: reject.message, data: reject.data ?? Buffer.alloc(0) }));
    }
    return Promise.resolve(IlpPacket.serializeIlpFulfill({ fulfillment: conditionFor(p.data).fulfillment, data: Buffer.from('ok') }));
  };
}

/** A tiny dependency container with reduct's contract (one instance per constructor), so the test can reach ilp-connector's services. */
function container(): { deps: Container; find<T>(className: string): T | undefined } {
  const cache = new Map<unknown, unknown>();
  const deps: Container = (C) => {
    if (!cache.has(C)) cache.set(C, new C(deps));
    return cache.get(C);
  };
  return { deps, find: <T>(className: string) => [...cache.values()].find((v) => (v as object).constructor.name === className) as T | undefined };
}

export interface IlpConnectorAccount {
  relation: 'parent' | 'peer' | 'child';
  assetCode?: string;
  assetScale?: number;
  /** listen for the counterparty (listener on an ephemeral port), or dial `server` (a btp+ws:// URL) */
  server?: string;
  secret?: string;
  balance?: { minimum?: string; maximum?: string };
  /** another plugin than ilp-plugin-btp (e.g. ilp-plugin-http) with its own options */
  plugin?: { name: string; options: Record<string, unknown> };
}

export interface IlpConnectorHandle {
  app: IlpConnectorApp;
  /** resolves when ilp-connector's listen() finished (every account connected) */
  ready: Promise<void>;
  adminUrl: string;
  /** its ILP address (configured, or learned from its parent) */
  address(): string;
  /** the BTP listener port of an account configured without `server` */
  listenerPort(accountId: string): number;
  /** balances from its admin API (GET /balance), account id → decimal string */
  balances(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * Starts ilp-connector in-process (one-to-one rates, spread 0, memory store, no route broadcast,
 * admin API on an ephemeral port). Listener accounts bind port 0; the handle returns once they are
 * listening, before anyone connected (its listen() waits for the connections: see `ready`).
 */
export async function startIlpConnector(opts: {
  /** omit to learn it from the `parent` account by ILDCP */
  ilpAddress?: string;
  accounts: Record<string, IlpConnectorAccount>;
  routes?: { targetPrefix: string; peerId: string }[];
  env?: 'production' | 'test';
  /** CCP route broadcast (ilp-connector then sends peer.route.* Prepares to non-child peers); default off */
  routeBroadcast?: boolean;
}): Promise<IlpConnectorHandle> {
  const accounts: Record<string, unknown> = {};
  for (const [id, a] of Object.entries(opts.accounts)) {
    accounts[id] = {
      relation: a.relation,
      plugin: a.plugin?.name ?? 'ilp-plugin-btp',
      assetCode: a.assetCode ?? 'USD',
      assetScale: a.assetScale ?? 9,
      balance: { minimum: '-Infinity', maximum: 'Infinity', ...a.balance },
      options: a.plugin
        ? a.plugin.options
        : a.server
        ? { server: a.server, reconnectInterval: 100 }
        : { listener: { port: 0, secret: a.secret ?? 'secret', wsOpts: { host: '127.0.0.1', port: 0 } } },
    };
  }
  const c = container();
  const app = createApp(
    {
      env: opts.env ?? 'production',
      ...(opts.ilpAddress ? { ilpAddress: opts.ilpAddress } : {}),
      accounts,
      routes: opts.routes ?? [],
      backend: 'one-to-one',
      spread: 0,
      store: 'memory',
      routeBroadcastEnabled: opts.routeBroadcast ?? false,
      adminApi: true,
      adminApiHost: '127.0.0.1',
      adminApiPort: 0,
      initialConnectTimeout: 20_000,
    },
    c.deps,
  );
  // listen() loads the local and configured routes only when it starts the route broadcaster.
  const ready = app.listen().then(() => {
    if (!opts.routeBroadcast) c.find<{ reloadLocalRoutes(): void }>('RouteBroadcaster')!.reloadLocalRoutes();
  });
  ready.catch(() => undefined);
  const admin = await waitFor(() => c.find<{ server?: Server }>('AdminApi')?.server, 10_000, 'ilp-connector admin api');
  const adminPort = await waitFor(() => (admin.address() as AddressInfo | null)?.port, 10_000, 'ilp-connector admin port');
  const listeners = Object.entries(opts.accounts).filter(([, a]) => !a.server && !a.plugin);
  const portOf = (id: string): number | undefined => {
    const a = app.getPlugin(id)._wss?.address();
    return typeof a === 'object' && a !== null ? a.port : undefined;
  };
  for (const [id] of listeners) await waitFor(() => portOf(id), 10_000, `ilp-connector listener ${id}`);
  let stopped = false;
  return {
    app,
    ready,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    address: () => c.find<{ getOwnAddress(): string }>('Accounts')!.getOwnAddress(),
    listenerPort: (id) => portOf(id)!,
    async balances() {
      const res = await fetch(`http://127.0.0.1:${adminPort}/balance`);
      if (!res.ok) throw new Error(`ilp-connector GET /balance: ${res.status}`);
      const body = (await res.json()) as { accounts: Record<string, { balance: string }> };
      return Object.fromEntries(Object.entries(body.accounts).map(([id, b]) => [id, b.balance]));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.shutdown();
      // shutdown() disconnects connected plugins only; a listener whose peer already left keeps its port.
      for (const id of Object.keys(opts.accounts)) {
        const plugin = app.getPlugin(id);
        if (plugin.isConnected()) continue;
        if (plugin._wss) await plugin.disconnect();
      }
      // ...and it never closes its admin API server.
      admin.closeAllConnections?.();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    },
  };
}

/**
 * Tracks ilp-plugin-btp clients and ilp-connector instances; `cleanup()` closes them all (plugins
 * first, so no reconnect loop outlives the test).
 */
export class InteropHarness {
  private readonly plugins: Plugin[] = [];
  private readonly connectors: IlpConnectorHandle[] = [];
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  /** Runs first in cleanup(), latest first (e.g. a STREAM server's close). */
  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** An ilp-plugin-btp client for `btp+ws://user:token@127.0.0.1:port`; not yet connected. */
  plugin(server: string): BtpPlugin {
    const plugin = new BtpPluginClass({ server, reconnectInterval: 100, responseTimeout: 30_000 });
    this.plugins.push(plugin);
    return plugin;
  }

  async ilpConnector(opts: Parameters<typeof startIlpConnector>[0]): Promise<IlpConnectorHandle> {
    const handle = await startIlpConnector(opts);
    this.connectors.push(handle);
    return handle;
  }

  async cleanup(): Promise<void> {
    for (const fn of this.cleanups.splice(0).reverse()) await fn();
    for (const p of this.plugins.splice(0)) await closePlugin(p);
    for (const c of this.connectors.splice(0)) await c.stop();
  }
}

/**
 * Disconnects an ilp-plugin-btp client. Its reconnector closes the socket after removing every
 * listener, and ws 6 emits 'error' when a socket still CONNECTING is closed: with no listener left
 * that would be an uncaught exception, so wait until the socket is open or closed first.
 */
async function closePlugin(p: Plugin): Promise<void> {
  const ws = p._ws;
  if (!ws?._instance) return;
  await waitFor(() => ws._instance!.readyState !== 0, 5000, 'plugin socket settled').catch(() => undefined);
  await p.disconnect();
}
