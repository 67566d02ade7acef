/**
 * Target (b): the reference connector, `ilp-connector` 23, configured like agent-runtime for the bench.
 *
 *   node --import tsx bench/one-hop/ilp-connector-target.ts <config.json>
 *
 * config.json: `{ "senderPort": n, "receiverPort": n, "senderToken": "…", "receiverToken": "…" }`.
 * Memory store, the `one-to-one` rate backend with spread 0, CCP off, address g.bench, and two child
 * accounts `sender` and `receiver` served by ilp-plugin-btp listeners. Its shipped middlewares stay on;
 * only the limits that would reject at bench rates are raised (rateLimit defaults to 10,000 packets a
 * minute per account; the balance middleware gets bounds it never reaches). Prints `ready` once its
 * routes are loaded.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface TargetConfig {
  senderPort: number;
  receiverPort: number;
  senderToken: string;
  receiverToken: string;
}

/** A balance bound the bench never reaches (10^30 units). */
const HUGE = '1000000000000000000000000000000';
/** Tokens per second for the rate-limit middleware: far above any rate a single host reaches. */
const RATE = 1_000_000_000;

const require = createRequire(import.meta.url);
const reduct = (require('reduct') as { default: () => (cls: unknown) => unknown }).default;
const createApp = (require('ilp-connector/dist/app') as {
  default: (opts: object, deps: unknown) => { listen(): Promise<void>; shutdown(): Promise<void> };
}).default;
const RouteBroadcaster = (require('ilp-connector/dist/services/route-broadcaster') as { default: unknown }).default;

function account(port: number, secret: string): object {
  return {
    relation: 'child',
    plugin: 'ilp-plugin-btp',
    assetCode: 'USD',
    assetScale: 9,
    options: { listener: { port, secret } },
    balance: { minimum: `-${HUGE}`, maximum: HUGE },
    rateLimit: { refillPeriod: 1000, refillCount: RATE, capacity: RATE },
  };
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: ilp-connector-target.ts <config.json>');
  const c = JSON.parse(readFileSync(path, 'utf8')) as TargetConfig;
  const deps = reduct();
  const app = createApp(
    {
      env: 'production',
      ilpAddress: 'g.bench',
      backend: 'one-to-one',
      spread: 0,
      store: 'memory',
      routeBroadcastEnabled: false,
      accounts: { sender: account(c.senderPort, c.senderToken), receiver: account(c.receiverPort, c.receiverToken) },
    },
    deps,
  );
  const stop = () => {
    app.shutdown().then(
      () => process.exit(0),
      () => process.exit(0),
    );
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // listen() resolves once both BTP clients have connected (the plugins' connect() waits for them).
  await app.listen();
  // With CCP off, the route broadcaster is never started, so the implicit child routes
  // (g.bench.sender, g.bench.receiver) would never be loaded: load them as start() would.
  (deps(RouteBroadcaster) as { reloadLocalRoutes(): void }).reloadLocalRoutes();
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`ilp-connector target: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
