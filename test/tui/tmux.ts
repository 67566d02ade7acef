/**
 * A real terminal for the dashboard tests: a tmux server of our own (its own socket), one session
 * running a plain shell, keys sent with send-keys and the screen read with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..');

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * True when tmux runs. Needs the tmux binary (scripts/debian-packages.txt installs it for the README's
 * test command): off CI a machine without it skips the tmux tests; under CI=true a missing tmux
 * throws, failing the file loudly instead.
 */
export function tmuxOrFailOnCi(): boolean {
  const has = hasTmux();
  if (process.env.CI && !has) throw new Error('tmux is missing: scripts/test.sh installs it from scripts/debian-packages.txt');
  return has;
}

/** The dashboard's sources (src/tui and the seam), relative to the root. */
function dashboardSources(dir = 'src/tui'): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? dashboardSources(`${dir}/${e.name}`) : /\.tsx?$/.test(e.name) ? [`${dir}/${e.name}`] : [],
  );
}

/** True when a dashboard source is newer than its compiled file (or that file is missing). */
function dashboardStale(): boolean {
  return [...dashboardSources(), 'src/cli/dashboard-seam.ts'].some((src) => {
    const out = join(ROOT, src.replace(/^src\//, 'dist/').replace(/\.tsx?$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, src)).mtimeMs;
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `dir` holds a runnable CLI (bin/run.js, the compiled commands, the manifest). */
const cliBuiltIn = (dir: string) => ['bin/run.js', 'dist/commands/demo.js', 'dist/commands/start.js', 'dist/index.js', 'oclif.manifest.json'].every((f) => existsSync(join(dir, f)));

/** Where the tmux shells start, so that their `node bin/run.js` is the CLI ensureBuilt chose. */
let cliDir = ROOT;

/**
 * Makes `node bin/run.js demo` in a Tmux shell run the current dashboard. The checkout's build is
 * used when it is complete and not older than the dashboard's sources. Otherwise the CLI is compiled
 * into a private folder, tmp/tui-cli-<pid> (its own dist/ from tsc, the explorer assets, copies of
 * bin/run.js, package.json and the committed manifest, contracts/ linked; node_modules resolves from
 * the checkout), removed when the process exits, and the shells start there.
 *
 * It never rebuilds the checkout's dist/: `npm run build` deletes dist/ first, and this ran while
 * the other test worker used the built CLI (an e2e `start --json` timed out on the half-built dist/)
 * and could start its own build; a build that did not finish left the clone with no dist/ at all.
 */
export function ensureBuilt(): void {
  if (cliBuiltIn(ROOT) && !dashboardStale()) {
    cliDir = ROOT;
    return;
  }
  // private builds of test processes that are gone (a worker that is killed does not run 'exit')
  const tmp = join(ROOT, 'tmp');
  for (const name of existsSync(tmp) ? readdirSync(tmp) : []) {
    const pid = /^tui-cli-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) rmSync(join(tmp, name), { recursive: true, force: true });
  }
  const dir = join(tmp, `tui-cli-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'), { recursive: true });
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    // tsc exits non-zero on a type error anywhere in src/ yet emits every file; what counts is checked below
  }
  // the explorer's browser files, as scripts/build-steps.mjs copies them
  const assets = join(dir, 'dist', 'explorer-ui');
  mkdirSync(assets, { recursive: true });
  for (const name of readdirSync(join(ROOT, 'src', 'explorer-ui'))) {
    if (/\.(html|js|css|svg)$/.test(name)) copyFileSync(join(ROOT, 'src', 'explorer-ui', name), join(assets, name));
  }
  for (const f of ['bin/run.js', 'package.json', 'oclif.manifest.json']) copyFileSync(join(ROOT, f), join(dir, f));
  symlinkSync(join(ROOT, 'contracts'), join(dir, 'contracts'));
  if (!cliBuiltIn(dir)) throw new Error(`could not compile the CLI into ${dir} (run npx tsc -p tsconfig.build.json to see why)`);
  cliDir = dir;
}

let count = 0;

export class Tmux {
  readonly socket = `ar-tui-test-${process.pid}-${++count}`;
  private readonly session = 'tui';

  /**
   * Starts the server with a bare shell (no rc files, `$ ` prompt, not in CI mode) at `columns` x
   * `rows`, in the folder whose bin/run.js ensureBuilt chose (the checkout, or its private build).
   */
  constructor(columns: number, rows: number) {
    const shell = "env -u CI -u CONTINUOUS_INTEGRATION PS1='$ ' bash --norc --noprofile";
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', this.session, '-x', String(columns), '-y', String(rows), '-c', cliDir, shell);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Types a line and presses Enter. */
  type(line: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', line);
    this.tmux('send-keys', '-t', this.session, 'Enter');
  }

  /** Sends keys by tmux name (q, p, Tab, Down, C-c, Escape, …). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** The visible screen, one string per row. */
  screen(): string[] {
    return this.tmux('capture-pane', '-p', '-t', this.session).replace(/\n$/, '').split('\n');
  }

  /** A pane variable, e.g. cursor_flag, pane_width. */
  get(name: string): string {
    return this.tmux('display-message', '-p', '-t', this.session, `#{${name}}`).trim();
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', this.session, '-x', String(columns), '-y', String(rows));
  }

  /** Polls the screen until `test` returns something truthy. */
  async until<T>(test: (screen: string[]) => T, label: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
    const start = performance.now();
    let last: string[] = [];
    for (;;) {
      last = this.screen();
      const v = test(last);
      if (v) return v;
      if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${label}; the screen:\n${last.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Polls until `test` holds for the screen, and returns that screen. */
  async screenWhere(test: (screen: string[]) => boolean, label: string, timeoutMs = 60_000): Promise<string[]> {
    return this.until((s) => (test(s) ? s : undefined), label, timeoutMs);
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

/** The packet rows on a dashboard screen. */
/** Packet rows: the clock leads them from 100 columns on, below it the direction does. */
export const packetRows = (screen: readonly string[]) => screen.filter((l) => /^(\d\d:\d\d:\d\d )?(fwd|in |out) /.test(l));

/** The fulfilled total in the header, or -1. */
export function fulfilledTotal(screen: readonly string[]): number {
  const m = /in flight [\d,]+ {2}fulfilled ([\d,]+)/.exec(screen.join('\n'));
  return m ? Number(m[1].replaceAll(',', '')) : -1;
}

/** True for the title line of the dashboard pane `name` (`▸` marks the focused pane). */
const isTitleOf = (name: string) => (line: string) => line.startsWith(`▸ ${name}  `) || line.startsWith(`  ${name}  `);

/** The title line of the dashboard pane `name` on a screen, or ''. */
export function paneTitle(screen: readonly string[], name: string): string {
  return screen.find(isTitleOf(name)) ?? '';
}

/** The rows of the dashboard pane `name` on a screen: below its title, up to the next pane's title. */
export function paneRows(screen: readonly string[], name: string): string[] {
  const top = screen.findIndex(isTitleOf(name));
  if (top < 0) return [];
  const rows: string[] = [];
  for (const l of screen.slice(top + 1)) {
    if (/^[▸ ] (packets|settlements)/.test(l)) break;
    rows.push(l);
  }
  return rows;
}

/** `agent-runtime start` of the built CLI running in a real terminal. */
export interface StartTerminal {
  term: Tmux;
  /** A fresh folder: config.yaml, data/ (the node's dataDir) and a.log. */
  dir: string;
}

/**
 * For a test file whose tests run `agent-runtime start` in a terminal: builds the CLI before all
 * (ensureBuilt) and, after each test, kills the terminal, runs `cleanup` (the test's own nodes),
 * then removes the folder. Returns `open`: writes `config` (YAML lines; `dataDir` is added) into a
 * fresh folder and types `node bin/run.js start --config …` into a new 120 × 40 terminal, the
 * shell printing `exit=<code>` when start ends.
 */
export function startTerminals(prefix: string, cleanup: () => Promise<void>): (config: readonly string[]) => StartTerminal {
  let open: StartTerminal | undefined;
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    const was = open;
    open = undefined;
    was?.term.kill();
    await cleanup();
    if (was) rmSync(was.dir, { recursive: true, force: true });
  }, 30_000);
  return (config) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, [...config, `dataDir: ${join(dir, 'data')}`, ''].join('\n'));
    const term = new Tmux(120, 40);
    open = { term, dir };
    term.type(`clear; node bin/run.js start --config ${file} --log-file ${join(dir, 'a.log')}; echo "exit=$?"`);
    return open;
  };
}

/** Presses q on a started dashboard and expects start to exit 0. */
export async function quitStart(t: Tmux): Promise<void> {
  t.keys('q');
  const after = await t.screenWhere((s) => s.some((l) => /^exit=\d+$/.test(l)), 'start to exit', 30_000);
  expect(after.join('\n')).toMatch(/^exit=0$/m);
}
