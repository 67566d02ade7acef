/**
 * The flooding peer of flood.test.ts, in its own process: authenticates as one peer and sends valid
 * Prepares at a fixed rate (paced every 5 ms) for a while, counting the answers by ILP code.
 *
 *   node --import tsx test/security/flood-peer.ts      (forked; config in FLOOD_CONFIG, result over IPC)
 */
import { BENCH_CONDITION, BTP_RESPONSE, ILP_FULFILL, ILP_REJECT, buildPrepareFrame, findIlp, rejectCodeAt } from '../../bench/one-hop/wire.js';
import { CorkedWriter, connectBtp } from '../../bench/one-hop/loadgen.js';
import type { BtpEndpoint } from '../../bench/one-hop/types.js';

export interface FloodConfig {
  endpoint: BtpEndpoint;
  destination: string;
  /** frames per second */
  rate: number;
  durationMs: number;
}

export interface FloodResult {
  sent: number;
  /** answers by ILP code ('fulfilled' for a Fulfill) */
  codes: Record<string, number>;
  /** achieved send rate, frames/s */
  rate: number;
  /** how long the sending took, s */
  seconds: number;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.FLOOD_CONFIG ?? '') as FloodConfig;
  const codes: Record<string, number> = {};
  const ws = await connectBtp(cfg.endpoint, Date.now() + 20_000, (raw) => {
    const b = raw as Buffer;
    let code = `btp-${b[0]}`;
    if (b[0] === BTP_RESPONSE) {
      const at = findIlp(b);
      if (at >= 0 && b[at] === ILP_FULFILL) code = 'fulfilled';
      else if (at >= 0 && b[at] === ILP_REJECT) code = rejectCodeAt(b, at);
    }
    codes[code] = (codes[code] ?? 0) + 1;
  });
  const out = new CorkedWriter(ws);
  // 256 pre-built frames with distinct data, request ids patched per send
  const frames = Array.from({ length: 256 }, (_, i) =>
    buildPrepareFrame({ requestId: 0, amount: 10n, expiresAtMs: Date.now() + 60_000, condition: BENCH_CONDITION, destination: cfg.destination, data: Buffer.from(`flood ${process.pid} ${i}`) }).frame,
  );
  process.send?.({ type: 'connected' });
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed * cfg.rate) / 1000), Math.floor((cfg.durationMs * cfg.rate) / 1000));
      while (sent < due) {
        const f = Buffer.from(frames[sent & 255]);
        f.writeUInt32BE((sent + 1) >>> 0, 1);
        out.send(f);
        sent++;
      }
      if (elapsed >= cfg.durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const seconds = (performance.now() - started) / 1000;
  // the last answers
  const deadline = Date.now() + 5000;
  while (Object.values(codes).reduce((a, b) => a + b, 0) < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  ws.terminate();
  const result: FloodResult = { sent, codes, rate: sent / seconds, seconds };
  process.send?.({ type: 'result', result }, undefined, {}, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) }, undefined, {}, () => process.exit(1));
});
