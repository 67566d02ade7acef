import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeSource, fulfilled, until } from './helpers.js';

// Ink reads CI once when it loads and then draws only the last frame; load it the way the dashboard
// seam does (src/cli/dashboard-seam.ts), with CI hidden, so the test sees what a terminal sees.
const savedCi = process.env.CI;
delete process.env.CI;
const { runDashboard } = await import('../../src/tui/run-dashboard.js');
if (savedCi !== undefined) process.env.CI = savedCi;

/** A terminal stand-in: keeps what is written, says it is a 100x30 tty. */
function terminal() {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 100, rows: 30 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => out };
}

describe('runDashboard', () => {
  it('draws on the alternate screen until the node stops, then gives the screen back (stdin not a terminal)', async () => {
    const src = new FakeSource();
    const term = terminal();
    // /dev/null or a file as stdin: no keys, but no raw-mode error either.
    const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
    const running = runDashboard(src, { stdout: term.stream, stdin, colors: false, patchConsole: false }); // vitest owns console
    src.emit(fulfilled({ destination: 'g.hub.bob.seen' }));
    await until(() => term.text().includes('g.hub.bob.seen'), 'the packet on the screen');
    expect(term.text().startsWith('\x1b[?1049h')).toBe(true);
    src.emit({ type: 'node:stopping', reason: 'SIGTERM' });
    const result = await running;
    expect(result).toEqual({ reason: 'stopping', totals: { fulfilled: 1, rejected: 0 } });
    expect(term.text().endsWith('\x1b[?1049l')).toBe(true);
    expect(src.events.active).toBe(false);
  });
});
