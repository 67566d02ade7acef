/**
 * A holder of idle TCP connections for pre-auth-cap.slow.test.ts, in its own process: opens
 * connections to the BTP port from the given loopback source addresses (round robin, a bounded number
 * connecting at once), sends nothing on them, and keeps every one the node leaves open. It reports
 * over IPC how many are open and how many the node closed, and on a message `{open: n}` from the
 * parent opens n more. It never exits by itself: the test kills it by pid.
 *
 *   node --import tsx test/security/pre-auth-holder.ts   (forked; config in HOLD_CONFIG)
 */
import { connect, type Socket } from 'node:net';

export interface HoldConfig {
  port: number;
  /** source addresses (127.0.0.0/8 on Linux) */
  localAddresses: string[];
  /** connections to open at start */
  count: number;
}

export interface HoldReport {
  /** connections opened and still open */
  open: number;
  /** connections the node closed (refused past a cap) */
  closed: number;
  /** connections that could not be opened at all */
  failed: number;
  /** connections asked for that have settled (connected, or failed) */
  settled: number;
}

const PARALLEL = 200;

const cfg = JSON.parse(process.env.HOLD_CONFIG ?? '') as HoldConfig;
const held = new Set<Socket>();
const report: HoldReport = { open: 0, closed: 0, failed: 0, settled: 0 };
let next = 0;
let queued = 0;
let active = 0;

function send(): void {
  process.send?.({ ...report });
}

function one(): void {
  const localAddress = cfg.localAddresses[next++ % cfg.localAddresses.length];
  active++;
  let connected = false;
  const s = connect({ host: '127.0.0.1', port: cfg.port, localAddress });
  s.on('connect', () => {
    connected = true;
    held.add(s);
    report.open++;
    report.settled++;
    done();
  });
  s.on('error', () => undefined);
  s.on('close', () => {
    if (connected) {
      held.delete(s);
      report.open--;
      report.closed++;
    } else {
      report.failed++;
      report.settled++;
      done();
    }
  });
}

function done(): void {
  active--;
  pump();
}

function pump(): void {
  while (queued > 0 && active < PARALLEL) {
    queued--;
    one();
  }
}

function open(n: number): void {
  queued += n;
  pump();
}

process.on('message', (m: { open?: number }) => {
  if (typeof m.open === 'number') open(m.open);
});
setInterval(send, 100);
open(cfg.count);
