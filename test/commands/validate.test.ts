import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { json, run } from '../cli/run-command.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ar-validate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('validate', () => {
  it('accepts a valid config (exit 0) and says so', async () => {
    const p = file('ok.yaml', 'nodeId: alice\nbtpServerPort: 3100\n');
    const r = await run(['validate', p]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${p} is valid\n`);
  });

  it('--json gives {valid, issues, warnings}', async () => {
    const p = file('ok.yaml', 'nodeId: alice\npeers:\n  - id: bob\n    url: ws://127.0.0.1:3001\n    authToken: literal\n');
    const r = await run(['validate', p, '--json']);
    expect(r.exitCode).toBe(0);
    const doc = json<{ valid: boolean; issues: unknown[]; warnings: string[] }>(r);
    expect(doc.valid).toBe(true);
    expect(doc.issues).toEqual([]);
    // a literal secret and an unset creditLimit are warnings, not problems
    expect(doc.warnings.some((w) => w.includes('peers[0].authToken') && w.includes('BTP_PEER_BOB_SECRET'))).toBe(true);
    expect(doc.warnings.some((w) => w.includes('creditLimit'))).toBe(true);
  });

  it('lists every problem with its key path and hint, exit 2', async () => {
    const p = file('bad.yaml', 'nodeId: alice\nbtpServerPort: 70000\nadminAPI:\n  port: 1\npeers:\n  - id: bob\n    url: http://x\n');
    const r = await run(['validate', p]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toContain(`${p} is invalid:`);
    expect(r.stdout).toMatch(/btpServerPort: must be at most 65535/);
    expect(r.stdout).toMatch(/adminAPI: unknown key \(did you mean adminApi\?\)/);
    expect(r.stdout).toMatch(/peers\[0\]\.url/);
    expect(r.stdout).toMatch(/peers\[0\]\.authToken: is required/);
  });

  it('--json on an invalid config prints the issues and exits 2', async () => {
    const p = file('bad.yaml', 'nodeId: "bad id"\n');
    const r = await run(['validate', p, '--json']);
    expect(r.exitCode).toBe(2);
    const doc = json<{ valid: boolean; issues: { path: string; message: string }[] }>(r);
    expect(doc.valid).toBe(false);
    expect(doc.issues.map((i) => i.path)).toEqual(['nodeId']);
  });

  it('reads ${VAR} references from the .env next to the file', async () => {
    const p = file('env.yaml', 'nodeId: alice\nadminApi:\n  apiKey: ${AGENT_RUNTIME_API_KEY}\n');
    const missing = await run(['validate', p, '--json']);
    expect(missing.exitCode).toBe(2);
    expect(json<{ issues: { path: string; message: string }[] }>(missing).issues[0]).toMatchObject({
      path: 'adminApi.apiKey',
      message: expect.stringContaining('AGENT_RUNTIME_API_KEY') as string,
    });
    file('.env', 'AGENT_RUNTIME_API_KEY=0123456789abcdef\n');
    expect((await run(['validate', p])).exitCode).toBe(0);
  });

  it('reports a missing file as a problem, exit 2', async () => {
    const r = await run(['validate', join(dir, 'nope.yaml'), '--json']);
    expect(r.exitCode).toBe(2);
    expect(json<{ issues: { message: string }[] }>(r).issues[0].message).toBe('config file not found');
  });

  it('needs the file argument (exit 2, INVALID_ARGUMENT)', async () => {
    const r = await run(['validate', '--json']);
    expect(r.exitCode).toBe(2);
    expect(json<{ error: { code: string } }>(r).error.code).toBe('INVALID_ARGUMENT');
  });
});
