/**
 * A real terminal for the dashboard tests: a tmux server of our own (its own socket), one session
 * running a plain shell, keys sent with send-keys and the screen read with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
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

/** Builds dist/ (npm run build) when the CLI is missing or the dashboard in it is older than its sources. */
export function ensureBuilt(): void {
  const built = ['dist/commands/demo.js', 'dist/commands/start.js', 'oclif.manifest.json'].every((f) => existsSync(join(ROOT, f)));
  if (!built || dashboardStale()) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
}

let count = 0;

export class Tmux {
  readonly socket = `ar-tui-test-${process.pid}-${++count}`;
  private readonly session = 'tui';

  /** Starts the server with a bare shell (no rc files, `$ ` prompt, not in CI mode) at `columns` x `rows`. */
  constructor(columns: number, rows: number) {
    const shell = "env -u CI -u CONTINUOUS_INTEGRATION PS1='$ ' bash --norc --noprofile";
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', this.session, '-x', String(columns), '-y', String(rows), '-c', ROOT, shell);
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
  async until<T>(test: (screen: string[]) => T, label: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
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
  async screenWhere(test: (screen: string[]) => boolean, label: string, timeoutMs = 20_000): Promise<string[]> {
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
export const packetRows = (screen: readonly string[]) => screen.filter((l) => /^\d\d:\d\d:\d\d (fwd|in |out) /.test(l));

/** The fulfilled total in the header, or -1. */
export function fulfilledTotal(screen: readonly string[]): number {
  const m = /in flight [\d,]+ {2}fulfilled ([\d,]+)/.exec(screen.join('\n'));
  return m ? Number(m[1].replaceAll(',', '')) : -1;
}
