/**
 * Test helpers: real nodes on 127.0.0.1 port 0 with LevelDB in a temp folder, cleaned up after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ConnectorNode } from '../../src/index.js';
import type { NodeConfigInput } from '../../src/config/index.js';

export const quietLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function tempDir(prefix = 'ar-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Tracks what a test starts so afterEach can stop it all. */
export class Harness {
  private readonly nodes: ConnectorNode[] = [];
  private readonly dirs: string[] = [];
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  dir(): string {
    const d = tempDir();
    this.dirs.push(d);
    return d;
  }

  /** A node on ephemeral ports, admin API on, data in a fresh temp dir. */
  node(config: Partial<NodeConfigInput> & { nodeId: string }): ConnectorNode {
    const node = new ConnectorNode(
      {
        btpServerPort: 0,
        healthCheckPort: 0,
        dataDir: this.dir(),
        logLevel: 'silent',
        ...config,
        adminApi: { enabled: true, port: 0, ...(config.adminApi ?? {}) },
      },
      quietLogger(),
      { env: {} },
    );
    this.nodes.push(node);
    return node;
  }

  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  async cleanup(): Promise<void> {
    for (const fn of this.cleanups.reverse()) await fn();
    await Promise.all(this.nodes.map((n) => n.stop()));
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    this.nodes.length = 0;
    this.dirs.length = 0;
    this.cleanups.length = 0;
  }
}

/** Polls `fn` until it returns a truthy value (never sleeps a fixed time). */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, label = 'condition'): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
