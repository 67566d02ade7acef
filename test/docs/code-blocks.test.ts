/**
 * Every code block of docs/*.md and README.md, run for real (issue 5):
 *
 * - ```bash / ```sh: `bash -euo pipefail` in a fresh temp directory (with `examples/` linked in, as
 *   in a clone), `agent-runtime` on the PATH (the built CLI) and AGENT_RUNTIME_URL pointing to a real
 *   node this test starts for the block (in this process: admin API on a free port, no peers, so it is
 *   healthy). Blocks run three at a time, each with its own node and a timeout; what a block leaves
 *   running is killed by process group.
 * - ```ts / ```typescript: written to tmp/docs-blocks/ inside the repository (so `agent-runtime` and
 *   `agent-runtime/codec` resolve through the package's self-reference to dist/), run with
 *   `node --import tsx` from a temp directory holding a `config.yaml` on free ports, and type-checked
 *   together with tsc.
 * - ```yaml with a top-level `nodeId`: a whole node config, checked with the real schema
 *   (validateConfigFile, every `${VAR}` given a value). Other blocks (ini, nginx, yaml fragments,
 *   diagrams) are data and only counted.
 * - `<!-- norun: reason -->` right before a block skips it; the reason is listed. A marker without a
 *   reason fails the test.
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/index.js';
import { ConnectorNode } from '../../src/index.js';
import { extractBlocks, where, type DocBlock } from './extract.js';

const root = join(import.meta.dirname, '..', '..');
const BASH_TIMEOUT_MS = 120_000;
const TS_TIMEOUT_MS = 90_000;
const TSC_TIMEOUT_MS = 150_000;
/** Blocks run this many at a time (each bash block has its own node, so they cannot disturb each other). */
const PARALLEL = 3;
/** A test's own timeout also covers its wait for a slot. */
const QUEUED_TIMEOUT_MS = 420_000;

const docFiles = [
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
  'README.md',
];
const blocks: DocBlock[] = docFiles.flatMap((file) => extractBlocks(file, readFileSync(join(root, file), 'utf8')));
const runnable = (b: DocBlock) => b.norun === undefined;
const bashBlocks = blocks.filter((b) => b.kind === 'bash' && runnable(b));
const tsBlocks = blocks.filter((b) => b.kind === 'ts' && runnable(b));
const configBlocks = blocks.filter((b) => b.kind === 'config' && runnable(b));
const dataBlocks = blocks.filter((b) => b.kind === 'data' && runnable(b));
const skipped = blocks.filter((b) => b.norun !== undefined);

const blocksDir = join(root, 'tmp', 'docs-blocks');
const tsFile = (b: DocBlock) => join(blocksDir, `${b.file.replace(/[^a-zA-Z0-9]+/g, '-')}-L${b.line}.ts`);
const tsxLoader = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx').replace(/loader\.cjs$/, 'loader.mjs')).href;

/**
 * The environment of every block: ours, without anything that would point the CLI elsewhere, and with
 * TMPDIR inside this run's work directory, so what a killed block leaves (a demo's data) goes with it.
 */
function blockEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('AGENT_RUNTIME_') || k.startsWith('BTP_PEER_') || k.startsWith('VITEST') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', TMPDIR: work, ...extra };
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** Runs a process in its own process group; on exit or timeout the whole group is killed. */
function run(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // the group is gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2_000).unref();
    }, opts.timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      killGroup('SIGKILL'); // whatever the block left running in the background
      const done = () => resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
      // the pipes close once the leftovers are dead; don't wait on them forever
      const grace = setTimeout(done, 2_000);
      child.once('close', () => {
        clearTimeout(grace);
        done();
      });
    });
  });
}

function report(b: DocBlock, r: RunResult): string {
  const tail = (s: string) => s.split('\n').slice(-40).join('\n');
  return [
    `${where(b)} (${b.lang}) ${r.timedOut ? `timed out after ${r.ms} ms` : `exited ${r.code ?? r.signal}`}`,
    '--- block',
    b.code.trimEnd(),
    '--- stdout (tail)',
    tail(r.stdout),
    '--- stderr (tail)',
    tail(r.stderr),
  ].join('\n');
}

/** At most `n` callers at a time. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
const slot = limiter(PARALLEL);

/** A real node for one block: admin API on a free port, no peers (so it is healthy), its own data. */
async function startNode(dataDir: string): Promise<ConnectorNode> {
  const node = new ConnectorNode(
    { nodeId: 'docs', btpServerPort: 0, healthCheckPort: 0, adminApi: { enabled: true, port: 0 }, dataDir, logLevel: 'silent' },
    pino({ level: 'silent' }),
    { env: {} },
  );
  await node.start();
  return node;
}

const ran: { block: DocBlock; ms: number }[] = [];
let work = '';
let binDir = '';
let started = 0;

beforeAll(() => {
  const built = existsSync(join(root, 'dist', 'commands', 'start.js')) && existsSync(join(root, 'dist', 'index.js')) && existsSync(join(root, 'oclif.manifest.json'));
  if (!built) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });

  work = mkdtempSync(join(tmpdir(), 'ar-docs-'));
  binDir = join(work, 'bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'agent-runtime'), `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin', 'run.js')}" "$@"\n`);
  chmodSync(join(binDir, 'agent-runtime'), 0o755);

  rmSync(blocksDir, { recursive: true, force: true });
  mkdirSync(blocksDir, { recursive: true });
  started = Date.now();
}, 180_000);

afterAll(() => {
  const total = Date.now() - started;
  if (work !== '') rmSync(work, { recursive: true, force: true });
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `docs code blocks: ran ${ran.length} (${ran.filter((r) => r.block.kind === 'bash').length} bash, ${ran.filter((r) => r.block.kind === 'ts').length} ts), ` +
      `validated ${configBlocks.length} config, ${dataBlocks.length} data, skipped ${skipped.length}; ${seconds(total)}`,
    ...ran.map((r) => `  ran      ${where(r.block).padEnd(28)} ${r.block.lang.padEnd(10)} ${seconds(r.ms)}`),
    ...skipped.map((b) => `  skipped  ${where(b).padEnd(28)} ${b.lang.padEnd(10)} ${b.norun === '' ? '(NO REASON GIVEN)' : b.norun}`),
  ];
  console.log(lines.join('\n'));
});

describe('docs code blocks', () => {
  it('finds blocks in every guide and the README', () => {
    for (const f of ['docs/cli.md', 'docs/building-agents.md', 'docs/deployment.md', 'docs/protocols.md', 'README.md']) {
      expect(blocks.some((b) => b.file === f && (b.kind === 'bash' || b.kind === 'ts')), f).toBe(true);
    }
  });

  it('every norun marker gives a reason', () => {
    expect(skipped.filter((b) => b.norun === '').map(where)).toEqual([]);
  });

  // Blocks marked `<!-- norun: reason -->` are reported as skipped tests named with their reason (the
  // test above fails when a reason is missing), so the count and the reasons show in every run.
  for (const b of skipped) it.skip(`${where(b)} ${b.lang} (norun: ${b.norun || 'NO REASON'})`, () => {});

  for (const b of configBlocks) {
    it(`${where(b)} yaml is a valid node config`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'ar-docs-config-'));
      try {
        const file = join(dir, 'config.yaml');
        writeFileSync(file, b.code);
        const env = Object.fromEntries([...b.code.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => [m[1], `value-of-${m[1]}`]));
        const result = validateConfigFile(file, { env, cwd: dir });
        expect(result.issues, `${where(b)}\n${b.code}`).toEqual([]);
        expect(result.ok).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe.concurrent('docs runnable blocks', () => {
  it('TypeScript blocks type-check', async () => {
    await slot(async () => {
      for (const b of tsBlocks) writeFileSync(tsFile(b), b.code);
      writeFileSync(
        join(blocksDir, 'tsconfig.json'),
        JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true, noUnusedLocals: false, rootDir: '../..' }, include: ['*.ts'] }),
      );
      const r = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(blocksDir, 'tsconfig.json')], {
        cwd: root,
        env: blockEnv({}),
        timeoutMs: TSC_TIMEOUT_MS,
      });
      expect(r.code, `tsc on the docs' TypeScript blocks:\n${r.stdout}${r.stderr}`).toBe(0);
    });
  }, QUEUED_TIMEOUT_MS);

  for (const b of tsBlocks) {
    it(`${where(b)} ${b.lang} runs`, async () => {
      await slot(async () => {
        const file = tsFile(b);
        writeFileSync(file, b.code);
        const cwd = mkdtempSync(join(work, 'ts-'));
        // for blocks that load 'config.yaml' (the README's library example): a node on free ports
        writeFileSync(join(cwd, 'config.yaml'), 'nodeId: my-agent\nbtpServerPort: 0\nhealthCheckPort: 0\nadminApi:\n  enabled: false\nlogLevel: warn\n');
        const r = await run(process.execPath, ['--import', tsxLoader, file], { cwd, env: blockEnv({}), timeoutMs: TS_TIMEOUT_MS });
        ran.push({ block: b, ms: r.ms });
        expect(r.code === 0 && !r.timedOut, report(b, r)).toBe(true);
      });
    }, QUEUED_TIMEOUT_MS);
  }

  for (const b of bashBlocks) {
    it(`${where(b)} ${b.lang} runs`, async () => {
      await slot(async () => {
        const cwd = mkdtempSync(join(work, 'sh-'));
        symlinkSync(join(root, 'examples'), join(cwd, 'examples'));
        const node = await startNode(join(cwd, '.node'));
        try {
          const env = blockEnv({ PATH: `${binDir}:${process.env.PATH ?? ''}`, AGENT_RUNTIME_URL: node.endpoints.admin! });
          const r = await run('bash', ['-euo', 'pipefail', '-c', b.code], { cwd, env, timeoutMs: BASH_TIMEOUT_MS });
          ran.push({ block: b, ms: r.ms });
          expect(r.code === 0 && !r.timedOut, report(b, r)).toBe(true);
        } finally {
          await node.stop();
        }
      });
    }, QUEUED_TIMEOUT_MS);
  }
});
