import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/index.js';
import { json, run } from '../cli/run-command.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ar-setup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const envValues = (): Record<string, string> =>
  Object.fromEntries(
    readFileSync(join(dir, '.env'), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split('=') as [string, string]),
  );

describe('setup (from flags)', () => {
  const hub = ['setup', '--yes', '--node-id', 'hub', '--child', 'alice', '--peer', 'carol=ws://127.0.0.1:3002', '--parent', 'up=wss://up.example.com:443', '--btp-port', '3100', '--admin-port', '8181', '--health-port', '8180'];

  it('writes config.yaml and .env (secrets only in .env, mode 600) that validate accepts', async () => {
    const r = await run([...hub, '--output-dir', dir]);
    expect(r.exitCode).toBe(0);
    const env = envValues();
    expect(Object.keys(env).sort()).toEqual(['AGENT_RUNTIME_API_KEY', 'AGENT_RUNTIME_URL', 'BTP_PEER_ALICE_SECRET', 'BTP_PEER_CAROL_SECRET', 'BTP_PEER_UP_SECRET']);
    // the CLI run in this folder finds the node by AGENT_RUNTIME_URL (issue 18); the rest are secrets
    const { AGENT_RUNTIME_URL: url, ...secrets } = env;
    expect(url).toBe('http://127.0.0.1:8181');
    for (const v of Object.values(secrets)) expect(v).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(Object.values(secrets)).size).toBe(4);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);

    const yaml = readFileSync(join(dir, 'config.yaml'), 'utf8');
    for (const v of Object.values(secrets)) expect(yaml).not.toContain(v);
    expect(yaml).toContain('authToken: ${BTP_PEER_CAROL_SECRET}');
    expect(yaml).toContain('apiKey: ${AGENT_RUNTIME_API_KEY}');

    const check = validateConfigFile(join(dir, 'config.yaml'), { env: {}, cwd: dir });
    expect(check.issues).toEqual([]);
    expect(check.ok).toBe(true);
    const viaCli = await run(['validate', join(dir, 'config.yaml')]);
    expect(viaCli.exitCode).toBe(0);

    expect(r.stdout).toContain(`Wrote ${join(dir, 'config.yaml')}`);
    expect(r.stdout).toMatch(/carol \(peer\): give its operator the value of BTP_PEER_CAROL_SECRET/);
    for (const v of Object.values(secrets)) expect(r.stdout + r.stderr).not.toContain(v);
  });

  it('--json reports the files and variable names, never the values', async () => {
    const r = await run([...hub, '--output-dir', dir, '--json']);
    expect(r.exitCode).toBe(0);
    const doc = json<{ configPath: string; envPath: string; peers: { id: string; relation: string; secretEnv: string }[]; secrets: string[] }>(r);
    expect(doc.configPath).toBe(join(dir, 'config.yaml'));
    expect(doc.envPath).toBe(join(dir, '.env'));
    expect(doc.peers.map((p) => [p.id, p.relation, p.secretEnv])).toEqual([
      ['up', 'parent', 'BTP_PEER_UP_SECRET'],
      ['carol', 'peer', 'BTP_PEER_CAROL_SECRET'],
      ['alice', 'child', 'BTP_PEER_ALICE_SECRET'],
    ]);
    expect(doc.secrets).toContain('AGENT_RUNTIME_API_KEY');
    for (const v of Object.values(envValues())) expect(r.stdout).not.toContain(v);
  });

  it('refuses to overwrite without --force (exit 2, FILE_EXISTS) and overwrites with it', async () => {
    writeFileSync(join(dir, 'config.yaml'), 'nodeId: mine\n');
    const refused = await run(['setup', '--yes', '--output-dir', dir, '--json']);
    expect(refused.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(refused).error).toMatchObject({ code: 'FILE_EXISTS', message: `${join(dir, 'config.yaml')} already exists` });
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toBe('nodeId: mine\n');

    const human = await run(['setup', '--yes', '--output-dir', dir]);
    expect(human.exitCode).toBe(2);
    expect(human.stderr).toMatch(/^Error: .*already exists \[FILE_EXISTS\]\n {2}Hint: Pass --force/);

    const forced = await run(['setup', '--yes', '--output-dir', dir, '--force', '--node-id', 'fresh']);
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toContain('nodeId: "fresh"');
  });

  it('rejects malformed flags with exit 2 and writes nothing', async () => {
    for (const args of [
      ['--peer', 'carol'],
      ['--peer', 'carol=http://x'],
      ['--node-id', 'bad id!'],
      ['--child', 'a-b', '--child', 'a_b'],
    ]) {
      const r = await run(['setup', '--yes', '--output-dir', dir, ...args, '--json']);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(json<{ error: { code: string } }>(r).error.code).toBe('INVALID_ARGUMENT');
    }
    expect(() => statSync(join(dir, 'config.yaml'))).toThrow();
  });

  it('an output dir it cannot write: exit 2, INVALID_ARGUMENT with what failed and what to do (never a hang)', async () => {
    writeFileSync(join(dir, 'file'), 'x');
    // a file in the way, and (Linux) a folder under /proc, where Node's recursive mkdir used to spin forever
    const dirs = [join(dir, 'file', 'sub'), ...(process.platform === 'linux' ? ['/proc/agent-runtime-setup-test'] : [])];
    for (const out of dirs) {
      const r = await run(['setup', '--yes', '--output-dir', out, '--json']);
      expect(r.exitCode, out).toBe(2);
      const err = json<{ error: { code: string; message: string; suggestion: string } }>(r).error;
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(`cannot write the setup files into ${out}: E`);
      expect(err.suggestion).toMatch(/writable --output-dir/);
    }
  });

  it.skipIf(process.stdin.isTTY === true)('does not prompt when stdin is not a terminal', async () => {
    const r = await run(['setup', '--output-dir', dir, '--node-id', 'quiet']);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toContain('nodeId: "quiet"');
  });
});
