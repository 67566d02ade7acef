/**
 * A real disk fault for ledger tests: a store folder made immutable with `chattr +i` (root cannot
 * bypass it: LevelDB's append to its open log fails with EPERM, and no file can be created). Needs
 * e2fsprogs and an ext-like temp filesystem; under CI=true a missing `chattr` fails loudly at import.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';

let works: boolean | undefined;

/** Whether `chattr +i` works in the temp folder (tried once). */
export function canMakeImmutable(): boolean {
  if (works !== undefined) return works;
  try {
    const f = join(tempDir(), 'probe');
    writeFileSync(f, 'x');
    execFileSync('chattr', ['+i', f], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', f], { stdio: 'ignore' });
    works = true;
  } catch {
    works = false;
  }
  if (!works && process.env.CI) throw new Error('chattr +i does not work in the temp folder: CI needs e2fsprogs (scripts/debian-packages.txt) and an ext4/xfs temp filesystem');
  return works;
}

const frozen: string[] = [];

/** Makes `dir` and every file in it immutable (on) or writable again (off). */
export function setImmutable(dir: string, on: boolean): void {
  execFileSync('chattr', [on ? '+i' : '-i', dir, ...readdirSync(dir).map((f) => join(dir, f))], { stdio: 'ignore' });
  if (on) frozen.push(dir);
}

/** Makes everything `setImmutable` froze writable again (call in afterEach: nothing could delete it otherwise). */
export function unfreezeAll(): void {
  for (const d of frozen.splice(0)) execFileSync('chattr', ['-R', '-i', d], { stdio: 'ignore' });
}
