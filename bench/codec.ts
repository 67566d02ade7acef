/**
 * Codec throughput: ours against the ecosystem's libraries on the same prebuilt inputs.
 *
 *   npm run bench:codec            (node --import tsx bench/codec.ts)
 *   BENCH_MS=2000 npm run bench:codec   longer runs per case (default 1000 ms)
 *
 * The Prepare carries 64 bytes of data. "decode" reads every field the connector uses: the amount
 * as a bigint, the expiry as a Date, the destination (validated by both decoders) and the data.
 * The bar: ours at least 3x ilp-packet on Prepare encode and decode. The decoder keeps the last
 * destination and expiry day it read, which a connector hits most of the time; the "caches cold"
 * row (informational, no bar) rotates through 64 destinations and days so every decode misses both.
 */
import IlpPacket from 'ilp-packet';
import BtpPacket from 'btp-packet';
import {
  decodeBtp,
  deserializePrepare,
  encodeBtp,
  encodeBtpIlp,
  getIlpData,
  readPrepareView,
  serializePrepare,
  type IlpPrepare,
} from '../src/codec.js';

const RUN_MS = Number(process.env.BENCH_MS ?? 1000);
const ROUNDS = 10;

const condition = Buffer.from('dOETbcccnl8oO+yDRhy/EmHEAU9y1I+N1lRToLhOfeE=', 'base64');
const data = Buffer.alloc(64, 0x2a);
const expiresAt = new Date('2026-03-17T12:34:56.789Z');
const ours: IlpPrepare = { amount: 1_234_567n, expiresAt, executionCondition: condition, destination: 'g.agent-runtime.alice.wallet', data };
const theirs = { ...ours, amount: '1234567' };
const prepareBytes = serializePrepare(ours);
if (!prepareBytes.equals(IlpPacket.serializeIlpPrepare(theirs))) throw new Error('encoders disagree on the bench Prepare');

/** 64 Prepares with distinct destinations and expiry days, to defeat the decoder's address and day caches. */
const varied = Array.from({ length: 64 }, (_, i) =>
  serializePrepare({ ...ours, destination: `g.agent-runtime.peer${i}.wallet`, expiresAt: new Date(expiresAt.getTime() + i * 86_400_000) }),
);
let turn = 0;

const btpMessage = encodeBtpIlp(6, 42, prepareBytes);
const btpTheirs = { type: 6, requestId: 42, data: { protocolData: [{ protocolName: 'ilp', contentType: 0, data: prepareBytes }] } };
if (!btpMessage.equals(BtpPacket.serialize(btpTheirs))) throw new Error('encoders disagree on the bench BTP frame');

let sink = 0;

/** Runs `fn` for about `ms` milliseconds; returns ops/s. */
function run(fn: () => void, ms: number): number {
  let ops = 0;
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

/**
 * ops/s of both functions, best of ROUNDS runs each. Rounds alternate between the two so a busy
 * machine slows both alike instead of skewing the ratio.
 */
function measure(ours: () => void, theirs: () => void): { ours: number; theirs: number } {
  run(ours, Math.min(300, RUN_MS));
  run(theirs, Math.min(300, RUN_MS));
  let best = { ours: 0, theirs: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const o = run(ours, RUN_MS / ROUNDS);
    const t = run(theirs, RUN_MS / ROUNDS);
    best = { ours: Math.max(best.ours, o), theirs: Math.max(best.theirs, t) };
  }
  return best;
}

interface Row {
  name: string;
  ours: number;
  theirs: number;
  lib: string;
  bar?: number;
}

const rows: Row[] = [
  {
    name: 'Prepare encode',
    lib: 'ilp-packet',
    bar: 3,
    ...measure(
      () => {
        sink += serializePrepare(ours).length;
      },
      () => {
        sink += IlpPacket.serializeIlpPrepare(theirs).length;
      },
    ),
  },
  {
    name: 'Prepare decode',
    lib: 'ilp-packet',
    bar: 3,
    ...measure(
      () => {
        const p = deserializePrepare(prepareBytes);
        sink += Number(p.amount & 1n) + p.expiresAt.getTime() + p.destination.length + p.data.length;
      },
      () => {
        const p = IlpPacket.deserializeIlpPrepare(prepareBytes);
        sink += Number(BigInt(p.amount) & 1n) + p.expiresAt.getTime() + p.destination.length + p.data.length;
      },
    ),
  },
  {
    name: 'Prepare decode, caches cold',
    lib: 'ilp-packet',
    ...measure(
      () => {
        const p = deserializePrepare(varied[turn++ & 63]);
        sink += Number(p.amount & 1n) + p.expiresAt.getTime() + p.destination.length + p.data.length;
      },
      () => {
        const p = IlpPacket.deserializeIlpPrepare(varied[turn++ & 63]);
        sink += Number(BigInt(p.amount) & 1n) + p.expiresAt.getTime() + p.destination.length + p.data.length;
      },
    ),
  },
  {
    name: 'Prepare view (ours) vs decode',
    lib: 'ilp-packet',
    ...measure(
      () => {
        const v = readPrepareView(prepareBytes);
        sink += Number(v.amount & 1n) + v.expiresAtMs + v.destination.length + v.dataLength;
      },
      () => {
        const p = IlpPacket.deserializeIlpPrepare(prepareBytes);
        sink += Number(BigInt(p.amount) & 1n) + p.expiresAt.getTime() + p.destination.length + p.data.length;
      },
    ),
  },
  {
    name: 'BTP ilp Message encode',
    lib: 'btp-packet',
    ...measure(
      () => {
        sink += encodeBtpIlp(6, 42, prepareBytes).length;
      },
      () => {
        sink += BtpPacket.serialize(btpTheirs).length;
      },
    ),
  },
  {
    name: 'BTP Message encode (generic)',
    lib: 'btp-packet',
    ...measure(
      () => {
        sink += encodeBtp({ type: 6, requestId: 42, protocolData: [{ protocolName: 'ilp', contentType: 0, data: prepareBytes }] }).length;
      },
      () => {
        sink += BtpPacket.serialize(btpTheirs).length;
      },
    ),
  },
  {
    name: 'BTP Message decode',
    lib: 'btp-packet',
    ...measure(
      () => {
        sink += getIlpData(decodeBtp(btpMessage))!.length;
      },
      () => {
        sink += BtpPacket.deserialize(btpMessage).data.protocolData[0].data.length;
      },
    ),
  },
];

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`codec bench: Prepare with ${data.length} B data (${prepareBytes.length} B packet), best of ${ROUNDS} x ${RUN_MS / ROUNDS} ms\n`);
console.log(`${'case'.padEnd(32)} ${'ours ops/s'.padStart(13)} ${'theirs ops/s'.padStart(13)}  ${'ratio'.padStart(6)}  vs`);
let failed = false;
for (const r of rows) {
  const ratio = r.ours / r.theirs;
  const verdict = r.bar === undefined ? '' : ratio >= r.bar ? `  ok (bar ${r.bar}x)` : `  BELOW BAR ${r.bar}x`;
  if (r.bar !== undefined && ratio < r.bar) failed = true;
  console.log(`${r.name.padEnd(32)} ${fmt(r.ours).padStart(13)} ${fmt(r.theirs).padStart(13)}  ${ratio.toFixed(2).padStart(5)}x  ${r.lib}${verdict}`);
}
if (sink === 0.5) console.log(sink); // keeps the results observable so no call is optimised away
if (failed) process.exitCode = 1;
