/**
 * The import rules of DESIGN.md ("Control plane, one owner") as a test: it reads every source file's
 * static and dynamic imports and fails on any import across the rules.
 *
 * - the core (src/node) imports nothing of the CLI, the commands or the dashboard;
 * - the ledger (src/ledger) imports nothing of the node, settlement, CLI, commands or dashboard;
 * - settlement (src/settlement) takes from the core only its ports (src/node/ports.ts);
 * - the dashboard (src/tui) takes from the core and settlement only types.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

interface Import {
  readonly from: string; // importing file, relative to src/
  readonly to: string; // imported file, relative to src/ (relative specifiers only)
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'explorer-ui') out.push(...sourceFiles(path));
    } else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return;
    found.push({ from: relative(src, file), to: relative(src, resolve(dirname(file), spec)), typeOnly });
  };
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/g)) add(m[2], Boolean(m[1]));
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) add(m[1], false);
  return found;
}

const all = sourceFiles(src).flatMap(importsOf);
const under = (path: string, dir: string) => path.startsWith(`${dir}/`);
const show = (list: Import[]) => list.map((i) => `${i.from} -> ${i.to}${i.typeOnly ? ' (type)' : ''}`);

describe('import rules', () => {
  it('reads the imports of the source tree (the scanner works)', () => {
    expect(all.length).toBeGreaterThan(200);
    expect(all.some((i) => i.from === 'node/connector-node.ts')).toBe(true);
  });

  it('the core imports nothing of the CLI, the commands or the dashboard', () => {
    const bad = all.filter((i) => under(i.from, 'node') && ['cli', 'commands', 'tui'].some((d) => under(i.to, d)));
    expect(show(bad)).toEqual([]);
  });

  it('the ledger imports nothing of the node, settlement, CLI, commands or dashboard', () => {
    const bad = all.filter((i) => under(i.from, 'ledger') && ['node', 'settlement', 'cli', 'commands', 'tui'].some((d) => under(i.to, d)));
    expect(show(bad)).toEqual([]);
  });

  it('settlement takes from the core only its ports', () => {
    const bad = all.filter(
      (i) => under(i.from, 'settlement') && ((under(i.to, 'node') && i.to !== 'node/ports.js') || ['cli', 'commands', 'tui'].some((d) => under(i.to, d))),
    );
    expect(show(bad)).toEqual([]);
  });

  it('the dashboard takes from the core and settlement only types', () => {
    const bad = all.filter((i) => under(i.from, 'tui') && !i.typeOnly && (under(i.to, 'node') || under(i.to, 'settlement')));
    expect(show(bad)).toEqual([]);
  });
});
