/**
 * A budget counts every fulfilled payment across a kill -9: a node process pays as fast as eight
 * concurrent callers ask, is killed with SIGKILL in the middle, and after a restart on the same data
 * directory its policy has spent at least every payment a caller saw fulfilled (and no more than those
 * plus the ones in flight at the kill). spend.json is written behind the payments; the rest comes from
 * the ledger, where each payment's spend memo is booked in its own batch. A second kill, after which
 * spend.json is deleted, shows the ledger alone keeps the count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/node.js';
import { AGENT, call } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.length = 0;
});

interface Running {
  child: ChildProcess;
  admin: string;
  exited: Promise<void>;
}

async function startNode(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/agents/spend-node.ts', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-10_000)));
  const admin = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{"admin"'));
      if (line !== undefined && out.includes('\n')) resolve((JSON.parse(line) as { admin: string }).admin);
    });
    void exited.then(() => reject(new Error(`node process exited before it started\n${err}`)));
  });
  return { child, admin, exited };
}

const spentOf = async (admin: string): Promise<bigint> => {
  const body = (await call(admin, 'GET', '/admin/policies', AGENT)).body as { local: { budgets: { spent: string }[] } };
  return BigInt(body.local.budgets[0].spent);
};

/** Eight callers paying 1 unit each until `stop`; counts what was fulfilled and what is in flight. */
function payLoop(admin: string) {
  const state = { fulfilled: 0, inFlight: 0, stop: false };
  const body = { destination: 'g.alice.shop', amount: '1', data: Buffer.from('x').toString('base64') };
  const caller = async () => {
    while (!state.stop) {
      state.inFlight++;
      try {
        const r = await call(admin, 'POST', '/admin/ilp/send', AGENT, body);
        if (r.body.fulfilled === true) state.fulfilled++;
      } catch {
        // the node was killed: this one's fate is unknown (counted as in flight)
        state.inFlight++;
        return;
      } finally {
        state.inFlight--;
      }
    }
  };
  const done = Promise.all(Array.from({ length: 8 }, caller));
  return { state, done };
}

/** Pays until `atLeast` were fulfilled, kills the node with SIGKILL mid-stream; returns the counts. */
async function payAndKill(node: Running, atLeast: number): Promise<{ fulfilled: number; unknown: number }> {
  const loop = payLoop(node.admin);
  await waitFor(() => loop.state.fulfilled >= atLeast, 30_000, `${atLeast} fulfilled payments`);
  node.child.kill('SIGKILL');
  await node.exited;
  loop.state.stop = true;
  await loop.done;
  return { fulfilled: loop.state.fulfilled, unknown: loop.state.inFlight };
}

describe('spend across a kill -9', () => {
  it('counts every fulfilled payment after a restart, from the ledger when spend.json is behind or gone', { timeout: 90_000 }, async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const first = await startNode(dataDir);
    const a = await payAndKill(first, 150);
    const file = join(dataDir, 'agents', 'spend.json');
    const written = existsSync(file) ? BigInt((JSON.parse(readFileSync(file, 'utf8')) as { local?: { total?: string } }).local?.total ?? '0') : 0n;

    const second = await startNode(dataDir);
    const afterFirst = await spentOf(second.admin);
    expect(afterFirst, `spend.json held ${written} of ${a.fulfilled} fulfilled`).toBeGreaterThanOrEqual(BigInt(a.fulfilled));
    expect(afterFirst).toBeLessThanOrEqual(BigInt(a.fulfilled + a.unknown));

    const b = await payAndKill(second, 60);
    rmSync(file, { force: true });
    const third = await startNode(dataDir);
    const afterSecond = await spentOf(third.admin);
    expect(afterSecond).toBeGreaterThanOrEqual(afterFirst + BigInt(b.fulfilled));
    expect(afterSecond).toBeLessThanOrEqual(afterFirst + BigInt(b.fulfilled + b.unknown));
    third.child.kill('SIGKILL');
    await third.exited;
  });
});
