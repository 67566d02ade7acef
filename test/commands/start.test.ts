import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';

let dir: string;
const h = new Harness();
const servers: Server[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ar-start-'));
});
afterEach(async () => {
  // A test that failed half-way must not leave a node running in this worker.
  process.emit('SIGTERM');
  await h.cleanup();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

function config(extra = ''): string {
  const p = join(dir, 'config.yaml');
  writeFileSync(p, `nodeId: starter\nbtpServerPort: 0\nhealthCheckPort: 0\nadminApi:\n  port: 0\ndataDir: ${join(dir, 'data')}\n${extra}`);
  return p;
}

interface LogLine {
  msg: string;
  admin?: string;
  [k: string]: unknown;
}
const logLines = (file: string): LogLine[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine)
    : [];

/** Waits for the node started by the command to log its admin URL. */
const adminUrl = async (log: string): Promise<string> => (await waitFor(() => logLines(log).find((l) => l.msg === 'node started'), 30_000, 'node started')).admin!;

async function takenPort(): Promise<number> {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

describe('start', () => {
  it('--json: NDJSON events on stdout, logs elsewhere; SIGTERM stops it cleanly (exit 0)', async () => {
    const log = join(dir, 'node.log');
    const running = run(['start', '--config', config(), '--json', '--log-file', log]);
    const url = await adminUrl(log);
    // uptime >= 2 s means at least one node:stats event was emitted
    await waitFor(async () => ((await (await fetch(`${url}/health`)).json()) as { uptime: number }).uptime >= 2, 15_000, 'uptime 2 s');
    const sent = await fetch(`${url}/admin/ilp/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destination: 'g.nowhere', amount: '1' }) });
    expect(((await sent.json()) as { code: string }).code).toBe('F02');
    process.emit('SIGTERM');
    const r = await running;
    expect(r.exitCode).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(events[0]).toMatchObject({ type: 'node:started', nodeId: 'starter', ilpAddress: 'g.starter', adminUrl: url, dataDir: join(dir, 'data') });
    expect(events.some((e) => e.type === 'node:stats')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'node:stopping' });
    expect(events.some((e) => e.type.startsWith('packet:'))).toBe(false);
    // the log file is written asynchronously (pino): its last line may land just after the command returns
    await waitFor(() => logLines(log).some((l) => l.msg === 'node stopped' && l.reason === 'SIGTERM'), 5_000, 'the node stopped line in the log');
  });

  it('--events packets adds packet events; piped without --json streams too, logs to <dataDir>/node.log', async () => {
    const running = run(['start', '--config', config(), '--events', 'packets']);
    const log = join(dir, 'data', 'node.log');
    const url = await adminUrl(log);
    await fetch(`${url}/admin/ilp/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destination: 'g.nowhere', amount: '5' }) });
    process.emit('SIGINT');
    const r = await running;
    expect(r.exitCode).toBe(0);
    const types = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(expect.arrayContaining(['node:started', 'packet:prepared', 'packet:rejected', 'node:stopping']));
  });

  it('without any config: embedded defaults (flags override the ports and data dir)', async () => {
    const log = join(dir, 'defaults.log');
    const running = run(['start', '--json', '--btp-port', '0', '--health-port', '0', '--admin-port', '0', '--data-dir', join(dir, 'd'), '--log-file', log]);
    await adminUrl(log);
    process.emit('SIGTERM');
    const r = await running;
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout.split('\n')[0])).toMatchObject({ type: 'node:started', nodeId: 'agent-runtime', ilpAddress: 'g.agent-runtime' });
    expect(logLines(log).some((l) => l.msg === 'no config file found: using the embedded defaults')).toBe(true);
  });

  it('an invalid config: exit 2 listing every issue, no stack', async () => {
    const p = join(dir, 'bad.yaml');
    writeFileSync(p, 'nodeId: x\nbtpServerPort: -1\nadminApi:\n  prot: 1\n');
    const r = await run(['start', '--config', p]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`Error: Invalid config (${p}): 2 problems [CONFIG_INVALID]`);
    expect(lines[1]).toMatch(/^ {2}btpServerPort: /);
    expect(lines[2]).toMatch(/^ {2}adminApi\.prot: unknown key \(did you mean port\?\)/);
    expect(lines[3]).toMatch(/^ {2}Hint: /);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);

    const doc = await run(['start', '--config', p, '--json']);
    expect(doc.exitCode).toBe(2);
    expect(doc.stdout.trim().split('\n')).toHaveLength(1);
    expect(json<{ error: { code: string; issues: unknown[] } }>(doc).error).toMatchObject({ code: 'CONFIG_INVALID', issues: [{ path: 'btpServerPort' }, { path: 'adminApi.prot' }] });
  });

  it('a log file it cannot write: a clean INVALID_ARGUMENT (exit 2)', async () => {
    writeFileSync(join(dir, 'file'), '');
    const r = await run(['start', '--config', config(), '--log-file', join(dir, 'file', 'node.log')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error: Invalid log file: cannot write .*node\.log: (ENOTDIR|EEXIST) \[INVALID_ARGUMENT\]\n/);
  });

  it('a missing --config file: CONFIG_NOT_FOUND (exit 2)', async () => {
    const r = await run(['start', '--config', join(dir, 'nope.yaml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`Config file not found: ${join(dir, 'nope.yaml')} [CONFIG_NOT_FOUND]`);
  });

  it('a port in use: PORT_IN_USE naming the port and its key (exit 1)', async () => {
    const port = await takenPort();
    const btp = await run(['start', '--config', config(), '--btp-port', String(port), '--log-file', join(dir, 'x.log')]);
    expect(btp.exitCode).toBe(1);
    expect(btp.stderr).toBe(
      `Error: BTP server cannot listen on 127.0.0.1:${port}: the port is in use [PORT_IN_USE]\n` +
        `  Hint: Stop whatever holds port ${port} (another node?), or set btpServerPort to another port (0 picks a free one).\n`,
    );
    const admin = await run(['start', '--config', config(), '--admin-port', String(port), '--log-file', join(dir, 'y.log'), '--json']);
    expect(admin.exitCode).toBe(1);
    // NDJSON: the BTP server was up, so the stream says the node stopped, then the error is the last line
    const last = admin.stdout.trim().split('\n').at(-1)!;
    expect(json<{ error: { code: string; message: string; suggestion: string } }>({ stdout: last }).error).toMatchObject({
      code: 'PORT_IN_USE',
      message: expect.stringContaining(`:${port}`) as string,
      suggestion: expect.stringContaining('adminApi.port') as string,
    });
  });

  it('a ledger held by another node: LEDGER_IN_USE (exit 1)', async () => {
    const holder = h.node({ nodeId: 'holder', dataDir: join(dir, 'data') });
    await holder.start();
    const r = await run(['start', '--config', config(), '--log-file', join(dir, 'z.log')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `Error: The ledger in ${join(dir, 'data')} is held by another process [LEDGER_IN_USE]\n` +
        '  Hint: A node is probably running with this data directory: stop it, or run the command against it with --url.\n',
    );
  });
});
