/** Temp folders with real config files for the config tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import type { ConfigIssue, LoadOptions, NodeConfigInput, PeerConfigInput } from '../../src/config/index.js';

const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp folder holding `files` (relative path → content); removed after the test. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-runtime-config-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** The issues a load fails with; fails the test when the load succeeds. */
export function issuesOf(input: string | NodeConfigInput | undefined, opts: LoadOptions = {}): ConfigIssue[] {
  try {
    loadConfig(input, { env: {}, cwd: tempDir(), ...opts });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

/** The one issue at `path` (fails when there is none or more than one). */
export function issueAt(issues: ConfigIssue[], path: string): ConfigIssue {
  const found = issues.filter((i) => i.path === path);
  if (found.length !== 1) {
    throw new Error(`expected one issue at ${path}, got: ${JSON.stringify(issues, null, 2)}`);
  }
  return found[0];
}

/** A peer with every required key. */
export function peer(id: string, extra: Record<string, unknown> = {}): PeerConfigInput {
  return { id, authToken: `token-${id}`, creditLimit: 1000, ...extra };
}
