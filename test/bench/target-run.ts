/**
 * What every bench target smoke test does (test/bench/*-target.test.ts): start one target in a fresh
 * folder, run one short load window and check its counts are exact, read the node's own books through
 * its admin API, then stop the target and check no child process is left.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runLoadgen } from '../../bench/one-hop/harness.js';
import { liveChildren } from '../../bench/one-hop/procs.js';
import { DESTINATION, startTarget, type RunningTarget, type TargetId } from '../../bench/one-hop/targets.js';
import type { LoadgenResult } from '../../bench/one-hop/types.js';

/** A started target as the test body sees it. */
export interface TargetRun {
  target: RunningTarget;
  /** The run's folder (config, data, logs); removed after the target stopped. */
  dir: string;
  /** The config file the target wrote into `dir` (`bench.yaml` unless `configFile` says otherwise). */
  yaml: string;
}

export interface TargetRunOptions {
  /** ms to wait for the target to listen (default 45 000). */
  startTimeoutMs?: number;
  /** The config file to read into `yaml` (default `bench.yaml`). */
  configFile?: string;
}

/**
 * Starts target `id` in a fresh temp folder, runs `body`, stops the target and expects no child
 * process left. When `body` throws, its error is the one reported (a failing stop is then ignored);
 * otherwise a failing stop fails the test.
 */
export async function withTarget(id: TargetId, o: TargetRunOptions, body: (run: TargetRun) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `ar-bench-${id}-`));
  try {
    const target = await startTarget(id, { dir, startTimeoutMs: o.startTimeoutMs ?? 45_000 });
    try {
      await body({ target, dir, yaml: readFileSync(join(dir, o.configFile ?? 'bench.yaml'), 'utf8') });
    } catch (err) {
      await target.stop().catch(() => undefined);
      throw err;
    }
    await target.stop();
    expect(liveChildren()).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface WindowOptions {
  /** Packets in flight (default 10). */
  concurrency?: number;
  /** ms to keep retrying the connection and the first packet (default 20 000). */
  readyTimeoutMs?: number;
}

/**
 * One short load window (300 ms warm-up, 1 s window) of 1000-unit Prepares against `target`, with the
 * counts every target must keep exactly: something fulfilled, no reject, nothing stuck, and every
 * Fulfill the sender got produced by the receiver (and vice versa).
 */
export async function runExactWindow(target: RunningTarget, o: WindowOptions = {}): Promise<LoadgenResult> {
  const r = await runLoadgen({
    mode: 'remote',
    sender: target.sender,
    receiver: target.receiver,
    ...(target.http ? { http: target.http } : {}),
    destination: DESTINATION,
    amount: '1000',
    concurrency: o.concurrency ?? 10,
    warmupMs: 300,
    durationMs: 1000,
    readyTimeoutMs: o.readyTimeoutMs ?? 20_000,
  });
  expect(r.fulfilledInWindow).toBeGreaterThan(0);
  expect(r.rejects).toEqual({});
  expect(r.totals.stuck).toBe(0);
  expect(r.totals.receiverPrepares).toBe(r.totals.fulfilled);
  expect(r.countsMatch).toBe(true);
  return r;
}

/** The admin API port agent-runtime's bench config enables (`adminApi: enabled: true, port: N`). */
export function adminPortOf(yaml: string): number {
  const port = /adminApi:\n {2}enabled: true\n {2}port: (\d+)/.exec(yaml)?.[1];
  expect(port).toBeDefined();
  return Number(port);
}

/** GET `path` of the admin API on `port` as JSON (20 s timeout); `apiKey` goes in `x-api-key`. */
export async function adminGet<T>(port: number, path: string, apiKey?: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: apiKey === undefined ? {} : { 'x-api-key': apiKey },
    signal: AbortSignal.timeout(20_000),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** One line of `GET /admin/balances`. */
export interface BalanceLine {
  account: string;
  balance: string;
  assetCode: string;
  assetScale: number;
}

/** The node's balance lines (`GET /admin/balances`), by account. */
export async function balancesOf(port: number, apiKey?: string): Promise<Map<string, BalanceLine>> {
  const { accounts } = await adminGet<{ accounts: BalanceLine[] }>(port, '/admin/balances', apiKey);
  return new Map(accounts.map((a) => [a.account, a]));
}

/** |amount| of a decimal string; undefined stays undefined (an account the node does not have). */
export function magnitude(amount: string | undefined): bigint | undefined {
  if (amount === undefined) return undefined;
  const n = BigInt(amount);
  return n < 0n ? -n : n;
}
