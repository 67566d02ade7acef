/**
 * The done-test of issue 20: an operator goes from `contracts deploy` on a fresh anvil to claims
 * redeemed on-chain with the docs only. Runs the guide's block of docs/settlement.md as written
 * (`bash -euo pipefail`, the built CLI and anvil on the PATH, free ports), and checks what it printed.
 * The block itself fails (and this test with it) unless bob's channel shows the chain paid the claim.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAnvil } from '../../src/settlement/chains/evm/anvil.js';
import { extractBlocks } from '../docs/extract.js';
import { bin, ensureBuilt, root } from '../e2e/process.js';

const TIMEOUT_MS = 170_000;
let work: string;

/** True when 127.0.0.1:`port` can be listened on now. */
function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port with the 6 ports from it free right now. */
async function freeRange(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let ok = true;
    for (let p = base; p < base + 6 && ok; p++) ok = await free(p);
    if (ok) return base;
  }
}

beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'ar-guide-'));
  const binDir = join(work, 'bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'agent-runtime'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(join(binDir, 'agent-runtime'), 0o755);
  const anvil = findAnvil();
  if (anvil === undefined) throw new Error('anvil is not installed (npm package @foundry-rs/anvil)');
  symlinkSync(anvil, join(binDir, 'anvil'));
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('docs/settlement.md, as an operator runs it', () => {
  it('contracts deploy on a fresh anvil → configs → start → channel → payments → claims → redeemed on-chain', async () => {
    const blocks = extractBlocks('docs/settlement.md', readFileSync(join(root, 'docs', 'settlement.md'), 'utf8'));
    const guide = blocks.find((b) => b.kind === 'bash' && b.norun?.includes('operator-guide.slow.test.ts'));
    expect(guide, 'the guide block of docs/settlement.md').toBeDefined();
    const dir = join(work, 'run');
    mkdirSync(dir);
    const env: NodeJS.ProcessEnv = { PATH: `${join(work, 'bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME, NO_COLOR: '1', PORT_BASE: String(await freeRange()) };
    const child = spawn('bash', ['-euo', 'pipefail', '-c', guide!.code], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(killGroup, TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    killGroup(); // whatever the block left (its trap kills anvil and the nodes; this is the backstop)
    const logs = (name: string) => {
      try {
        return readFileSync(join(dir, name), 'utf8').split('\n').slice(-15).join('\n');
      } catch {
        return '(none)';
      }
    };
    const report = `exit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr.slice(-3000)}\n--- alice.log\n${logs('alice.log')}\n--- bob.log\n${logs('bob.log')}`;
    expect(code, report).toBe(0);
    expect(stdout).toMatch(/contract: "0x[0-9a-fA-F]{40}"/);
    expect(stdout).toMatch(/is TokenNetwork v1 \(token 0x[0-9a-fA-F]{40}\)/);
    expect(stdout.trim().split('\n').at(-1)).toBe('true'); // bob's channel: the chain paid the 0.012 claimed
  }, TIMEOUT_MS + 30_000);
});
