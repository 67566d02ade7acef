/**
 * A private PostgreSQL server for one test file: a data dir in a temp dir (a copy of one initdb'd
 * template per machine), the server on a free 127.0.0.1 port (its socket in that dir too), one
 * database, stopped by its PID at the end (and killed by PID if the test process exits first).
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then initdb and the server run as the
 * `postgres` user the Debian package creates (else `nobody`), spawned with that uid directly so the
 * PID we hold is the server's own. Without the binaries (Debian `postgresql` 15 under
 * /usr/lib/postgresql/<version>/bin) a test file skips, except under CI=true where that is a failure:
 * CI installs the package (scripts/debian-packages.txt), so a missing server there is a broken setup.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const VERSIONS = ['15', '16', '17', '14'];
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** The directory of initdb and postgres, or undefined when PostgreSQL is not installed. */
export function postgresBin(): string | undefined {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'postgres'))) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const found = existsSync(root) ? readdirSync(root) : [];
  for (const v of [...VERSIONS, ...found]) {
    const dir = join(root, v, 'bin');
    if (existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

/**
 * True when tests can start a server. Under CI=true a missing PostgreSQL throws (a loud failure, not
 * a skip); elsewhere the caller skips with `describe.skipIf(!havePostgres())`.
 */
export function havePostgres(): boolean {
  if (postgresBin() !== undefined) return true;
  if (process.env.CI === 'true') {
    throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres) but CI=true: scripts/test.sh installs the Debian package postgresql listed in scripts/debian-packages.txt; install it (apt-get install -y postgresql)');
  }
  return false;
}

/**
 * An initdb'd data directory, made once per machine, user and PostgreSQL build and copied (`cp -a`)
 * for each server: initdb takes seconds on a loaded machine, a copy a fraction of that. Made in a
 * temp name and renamed into place, so parallel test files never see half of one.
 */
function templateFor(bin: string, user: { uid: number; gid: number } | undefined): string {
  const key = `${bin.replace(/[^a-zA-Z0-9]+/g, '_')}-${user?.uid ?? process.getuid?.() ?? 'u'}`;
  const final = join(tmpdir(), `agent-runtime-pg-template-${key}`);
  if (existsSync(join(final, 'data', 'PG_VERSION'))) return join(final, 'data');
  const work = mkdtempSync(join(tmpdir(), 'ar-pg-template-'));
  try {
    if (user) chownSync(work, user.uid, user.gid);
    const init = spawnSync(join(bin, 'initdb'), ['-D', join(work, 'data'), '-U', 'agent', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
      encoding: 'utf8',
      uid: user?.uid,
      gid: user?.gid,
      cwd: work,
      env: { ...process.env, LC_ALL: 'C' },
    });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
    try {
      renameSync(work, final);
    } catch {
      // another test file made it first: use theirs
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return join(final, 'data');
}

/** The unprivileged user the server runs as when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0) return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

/** A port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** One private server. */
export class TestPostgres {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = '';
  private readonly onExit = () => this.killNow();
  port = 0;

  private constructor(
    readonly dir: string,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
    /** The database tests use. */
    readonly database: string,
  ) {}

  /** initdb, start, create `database`. Throws (after cleaning up) when any step fails. */
  static async start(database = 'agent_runtime_test'): Promise<TestPostgres> {
    const bin = postgresBin();
    if (bin === undefined) throw new Error('PostgreSQL is not installed (see havePostgres)');
    const user = runAs();
    const dir = mkdtempSync(join(tmpdir(), 'ar-pg-'));
    const server = new TestPostgres(dir, bin, user, database);
    try {
      if (user) chownSync(dir, user.uid, user.gid);
      const copy = spawnSync('cp', ['-a', templateFor(bin, user), join(dir, 'data')], { encoding: 'utf8' });
      if (copy.status !== 0) throw new Error(`copying the initdb template failed: ${copy.stderr}`);
      await server.startServer();
      const admin = new pg.Client({ ...server.connection('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${database}`);
      } finally {
        await admin.end();
      }
      return server;
    } catch (err) {
      await server.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Client options for `db` (default: the test database). */
  connection(db = this.database): { host: string; port: number; user: string; database: string } {
    return { host: '127.0.0.1', port: this.port, user: 'agent', database: db };
  }

  /** A postgres:// URL of the test database (no password: trust auth on 127.0.0.1). */
  get url(): string {
    return `postgres://agent@127.0.0.1:${this.port}/${this.database}`;
  }

  /** The server's PID while it runs. */
  get pid(): number | undefined {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts the server (again) on its data dir; the same port as before when it had one. */
  async startServer(): Promise<void> {
    if (this.pid !== undefined) return;
    for (let attempt = 0; ; attempt++) {
      if (this.port === 0 || attempt > 0) this.port = await freePort();
      try {
        await this.spawnServer();
        return;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
  }

  private async spawnServer(): Promise<void> {
    this.log = '';
    // Durable settings, as production: fsync and synchronous_commit on (the defaults, said out loud).
    const args = ['-D', join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'max_connections=60', '-c', 'shared_buffers=32MB'];
    const child = spawn(join(this.bin, 'postgres'), args, { uid: this.user?.uid, gid: this.user?.gid, cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    this.child = child;
    process.on('exit', this.onExit);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const keep = (b: Buffer) => {
      if (this.log.length < 20_000) this.log += b.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited at start: ${this.log}`);
      const c = new pg.Client({ ...this.connection('postgres'), connectionTimeoutMillis: 2_000 });
      try {
        await c.connect();
        await c.end();
        return;
      } catch {
        await c.end().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        await this.stopServer('SIGKILL');
        throw new Error(`postgres did not accept connections within ${START_TIMEOUT_MS} ms: ${this.log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Stops the server by its PID: SIGINT (fast shutdown) by default, SIGQUIT (immediate), SIGKILL to crash it; waits for the
   * exit (SIGKILL after STOP_TIMEOUT_MS).
   */
  async stopServer(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS)));
    if (await Promise.race([this.exited.then(() => false), late])) {
      child.kill('SIGKILL');
      await this.exited;
    }
    clearTimeout(timer);
    process.off('exit', this.onExit);
  }

  private killNow(): void {
    try {
      this.child?.kill('SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Stops the server (immediate shutdown: its data is thrown away anyway) and removes its directory. */
  async stop(): Promise<void> {
    try {
      await this.stopServer('SIGQUIT');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** The server's log so far (for a failing test's message). */
  get output(): string {
    return this.log;
  }
}
