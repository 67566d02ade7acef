/**
 * `npm run bench:rates-path`: the CPU a cross-asset forward costs beyond a same-asset one, measured in
 * one process, A/B, so the load other work puts on the host hits both alike.
 *
 * Two variants of the same packet path (the real PacketProcessor, a real LevelDB ledger in a temp
 * folder, `ledger.sync` true as shipped, fee 10 bps), driven like bench target (a) and (r) at C in
 * flight, with no sockets: the next hop answers each Prepare at once with a pre-encoded Fulfill.
 *
 *   a  sender and receiver in the node's asset (USD@9)
 *   r  the receiver is XRP@6, rates { base: USD, static: { XRP: "1.923077" } }: each 1000 nano-USD
 *      Prepare is converted to 1 drop and booked through the exchange accounts (4 postings, not 3)
 *
 * Both nodes live side by side, each on its own ledger; after two unmeasured slices each (the JIT's
 * warm-up), every round runs one slice of `--count` packets through each (order alternating) and
 * measures the process CPU (every thread: LevelDB's too) until the slice's last Fulfill. The report
 * is each variant's median CPU µs per packet and r/a: the ratio of the totals and the per-round ratios.
 *
 * Options: --rounds N (default 20), --count N (packets per slice, default 5000), --concurrency C (default 100),
 * --no-sync (ledger.sync false), --ledger none (nothing booked: the path's CPU without the books), --json, --only a|r (one variant alone, to profile it with
 * `node --cpu-prof --import tsx bench/rates-path.ts --only r`).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Ledger, type LedgerBackend } from '../src/ledger/index.js';
import { EventStream } from '../src/node/events.js';
import { serializeFulfill, serializePrepare } from '../src/node/ilp/packet.js';
import { PacketProcessor, type PeerPort, type Replier } from '../src/node/pipeline/packet-processor.js';
import { RoutingTable } from '../src/node/routing/routing-table.js';
import { RateBook } from '../src/rates/index.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    count: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '100' },
    'no-sync': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    ledger: { type: 'string', default: 'leveldb' },
  },
});
const ROUNDS = Number(args.rounds);
const COUNT = Number(args.count);
const C = Number(args.concurrency);
const SYNC = !args['no-sync'];
/** `none`: commits are acknowledged a turn later and nothing is written: the path's own CPU, without the books. */
const NO_LEDGER = args.ledger === 'none';

type Variant = 'a' | 'r';
const NODE_ASSET = { code: 'USD', scale: 9 };
const XRP = { code: 'XRP', scale: 6 };

const fulfillment = Buffer.alloc(32, 7);
const condition = createHash('sha256').update(fulfillment).digest();
const FULFILL = serializeFulfill({ fulfillment, data: Buffer.alloc(0) });
const DESTINATION = 'g.bench.receiver';

/** A Prepare like the load generator's: 64 bytes of data, amount 1000, distinct data per packet. */
function prepareTemplate(): Buffer {
  return serializePrepare({ amount: 1000n, expiresAt: new Date(Date.now() + 600_000), executionCondition: condition, destination: DESTINATION, data: Buffer.alloc(64) });
}

/** One variant's node: its processor over its own ledger, driven `n` packets at a time. */
interface Setup {
  readonly variant: Variant;
  /** Sends `n` Prepares, C in flight; resolves with the process CPU (µs) spent until the last is answered. */
  slice(n: number): Promise<number>;
  close(): Promise<void>;
}

/** What the packet path calls on a ledger, acknowledging each turn's commits on the next (--ledger none). */
class NoLedger {
  readonly fault = undefined;
  private queued: { cb: (err: Error | undefined, ctx?: unknown) => void; ctx: unknown }[] = [];
  setLimits(): void {}
  reserve(): boolean {
    return true;
  }
  release(): void {}
  commit(_entry: unknown, _reservation: unknown, cb: (err: Error | undefined, ctx?: unknown) => void, ctx?: unknown): void {
    if (this.queued.length === 0) setImmediate(this.ack);
    this.queued.push({ cb, ctx });
  }
  private readonly ack = (): void => {
    const q = this.queued;
    this.queued = [];
    for (const x of q) x.cb(undefined, x.ctx);
  };
  async close(): Promise<void> {}
}

async function setup(variant: Variant): Promise<Setup> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-rates-path-${variant}-`));
  // the stub has only what PacketProcessor calls (reserve, release, commit, fault)
  const ledger = NO_LEDGER ? (new NoLedger() as unknown as LedgerBackend) : await Ledger.open({ dataDir, sync: SYNC });
  ledger.setLimits('sender', { creditLimit: 1n << 62n });
  const routes = new RoutingTable();
  routes.add({ prefix: DESTINATION, nextHop: 'receiver', priority: 0, source: 'config' });
  const sender: PeerPort = { id: 'sender', relation: 'child' };
  const receiver: PeerPort = {
    id: 'receiver',
    relation: 'child',
    ...(variant === 'r' ? { asset: XRP } : {}),
    send: (_ilp, _deadline, cb, ctx) => cb(undefined, FULFILL, undefined, ctx),
  };
  const peers = new Map([sender, receiver].map((p) => [p.id, p]));
  const processor = new PacketProcessor({
    ledger,
    routes,
    events: new EventStream('bench'),
    logger: pino({ level: 'silent' }),
    expiry: { expiryMarginMs: 1000, maxHoldTimeMs: 30_000 },
    feeBps: 10n,
    asset: NODE_ASSET,
    rates: new RateBook({ base: 'USD', static: { XRP: '1.923077' } }),
    getPeer: (id) => peers.get(id),
    address: () => 'g.bench',
    ildcp: () => undefined,
    deliverLocal: () => {
      throw new Error('no local delivery in this bench');
    },
  });

  const template = prepareTemplate();
  const dataAt = template.length - 64;
  let seq = 0;
  let sent = 0;
  let done = 0;
  let target = 0;
  let rejected = 0;
  let onDone: (() => void) | undefined;
  const sendNext = (): void => {
    const buf = Buffer.from(template);
    buf.writeUInt32BE(++seq >>> 0, dataAt); // distinct data per packet, as the load generator's
    sent++;
    processor.handle('sender', seq >>> 0, buf, replier);
  };
  const replier: Replier = {
    respondIlp: (_id, ilp) => {
      if (ilp[0] !== 13) rejected++;
      if (++done === target) onDone?.();
      else if (sent < target) sendNext();
    },
  };
  return {
    variant,
    async slice(n) {
      sent = 0;
      done = 0;
      target = n;
      const ended = new Promise<void>((resolve) => (onDone = resolve));
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < Math.min(C, n); i++) sendNext();
      await ended;
      const cpu = process.cpuUsage(cpu0);
      if (rejected > 0) throw new Error(`${variant}: ${rejected} packets were rejected: the bench measures fulfilled packets only`);
      return cpu.user + cpu.system;
    },
    async close() {
      await processor.drain();
      await ledger.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const load0 = loadavg()[0];
  const a = await setup('a');
  const r = await setup('r');
  try {
    // unmeasured slices first: the JIT's warm-up is not the path's cost
    for (let i = 0; i < 2; i++) for (const x of [a, r]) if (args.only === undefined || args.only === x.variant) await x.slice(COUNT);
    const cpu: Record<Variant, number[]> = { a: [], r: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // a then r, then r then a: whatever drifts over a round hits both alike
      for (const x of round % 2 === 0 ? [a, r] : [r, a]) {
        if (args.only !== undefined && args.only !== x.variant) continue;
        cpu[x.variant].push((await x.slice(COUNT)) / COUNT);
      }
    }
    report(cpu, load0);
  } finally {
    await a.close();
    await r.close();
  }
}

function report(cpu: Record<Variant, number[]>, load0: number): void {
  if (args.only !== undefined) {
    const xs = cpu[args.only as Variant];
    process.stdout.write(`${args.only}: ${median(xs).toFixed(2)} CPU µs/pkt (median of ${xs.length} slices of ${COUNT})\n`);
    return;
  }
  const ratios = cpu.a.map((x, i) => cpu.r[i] / x);
  const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
  const summary = {
    rounds: ROUNDS,
    packetsPerSlice: COUNT,
    concurrency: C,
    sync: SYNC,
    ledger: NO_LEDGER ? 'none' : 'leveldb',
    loadAverage: [load0, loadavg()[0]],
    machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`,
    aCpuUsPerPacket: median(cpu.a),
    rCpuUsPerPacket: median(cpu.r),
    /** total CPU of r over total CPU of a (same packet counts) */
    ratioOfTotals: sum(cpu.r) / sum(cpu.a),
    ratioMedian: median(ratios),
    ratios: ratios.map((x) => Number(x.toFixed(3))),
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${summary.machine}; load average ${load0.toFixed(2)} at start, ${summary.loadAverage[1].toFixed(2)} at end\n` +
      `C=${C}, ${ROUNDS} rounds of one ${COUNT}-packet slice per variant (alternating), ${NO_LEDGER ? 'no ledger' : `ledger.sync ${SYNC}`}\n` +
      `a (same asset)   ${summary.aCpuUsPerPacket.toFixed(2)} CPU µs/pkt (median)\n` +
      `r (USD@9→XRP@6)  ${summary.rCpuUsPerPacket.toFixed(2)} CPU µs/pkt (median)\n` +
      `r/a              ${summary.ratioOfTotals.toFixed(3)} of totals; per round median ${summary.ratioMedian.toFixed(3)} (${summary.ratios.join(', ')})\n`,
  );
}

await main();
