/**
 * Mounts the dashboard on the terminal until the user quits or the node starts stopping. It takes the
 * terminal's alternate screen (like less or htop), so whatever was printed before is there again
 * afterwards, and it never stops the node itself: the caller does, on return.
 */
import { render } from 'ink';
import { DashboardApp } from './app.js';
import { DashboardFeed } from './feed.js';
import type { DashboardEndpoint, DashboardSource } from './source.js';
import type { DashboardApprovals } from './approvals/types.js';

export interface RunDashboardOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** draw on the alternate screen (default: when stdout is a terminal) */
  alternateScreen?: boolean;
  /** colour codes (default: what the terminal says it takes; NO_COLOR and FORCE_COLOR count) */
  colors?: boolean;
  /** route console.* through Ink so it cannot tear the frame (default true) */
  patchConsole?: boolean;
  /** where the node's surfaces answer, shown in the header */
  endpoints?: readonly DashboardEndpoint[];
  /** the approvals pane's port (absent: no approvals pane) */
  approvals?: DashboardApprovals;
}

export interface DashboardResult {
  /** quit: q or Ctrl-C; stopping: the node began to stop (a signal, a duration); error: the view failed */
  reason: 'quit' | 'stopping' | 'error';
  error?: unknown;
  totals: { fulfilled: number; rejected: number };
}

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
/**
 * Ink's own throttle, kept out of the way: the app paces data frames itself (ten a second at most,
 * fewer when they are expensive) and must see each frame drawn inside its commit to measure it. A
 * frame Ink deferred to its trailing edge would be drawn later, unmeasured.
 */
const INK_MAX_FPS = 60;

export async function runDashboard(source: DashboardSource, o: RunDashboardOptions = {}): Promise<DashboardResult> {
  const stdout = o.stdout ?? process.stdout;
  const alt = o.alternateScreen ?? stdout.isTTY === true;
  const colors = o.colors ?? (stdout.isTTY === true && typeof stdout.hasColors === 'function' && stdout.hasColors());
  const feed = new DashboardFeed(source);
  let finish: (r: Pick<DashboardResult, 'reason' | 'error'>) => void = () => undefined;
  const ended = new Promise<Pick<DashboardResult, 'reason' | 'error'>>((resolve) => {
    finish = resolve;
  });
  if (alt) stdout.write(ENTER_ALT_SCREEN);
  const ink = render(<DashboardApp feed={feed} colors={colors} endpoints={o.endpoints} approvals={o.approvals} onQuit={() => finish({ reason: 'quit' })} />, {
    stdout,
    stdin: o.stdin ?? process.stdin,
    stderr: o.stderr ?? process.stderr,
    // Ctrl-C arrives as a key in raw mode; the app treats it like q (a graceful stop, not an exit).
    exitOnCtrlC: false,
    patchConsole: o.patchConsole ?? true,
    maxFps: INK_MAX_FPS,
  });
  ink.waitUntilExit().then(
    () => finish({ reason: 'quit' }),
    (error: unknown) => finish({ reason: 'error', error }),
  );
  const offStopping = feed.onStopping(() => finish({ reason: 'stopping' }));
  const result = await ended;
  offStopping();
  ink.unmount();
  feed.close();
  if (alt) stdout.write(LEAVE_ALT_SCREEN);
  return { ...result, totals: { fulfilled: feed.store.totals.fulfilled, rejected: feed.store.totals.rejected } };
}
