// Extra build steps (contract artifacts, explorer assets) register here, each `async (root, run) => {}`.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { buildContracts } from './build-contracts.mjs';

/** The explorer's browser files ship as written (plain JS modules, CSS, HTML): copied, not bundled. */
const EXPLORER_ASSET_TYPES = new Set(['.html', '.js', '.css', '.svg']);

/** Copies src/explorer-ui/ into dist/explorer-ui/, where the explorer server looks for it. */
async function explorerAssets(root) {
  const from = join(root, 'src', 'explorer-ui');
  const to = join(root, 'dist', 'explorer-ui');
  mkdirSync(to, { recursive: true });
  const names = readdirSync(from).filter((n) => EXPLORER_ASSET_TYPES.has(extname(n)));
  if (!names.includes('index.html')) throw new Error(`explorer assets: ${from} has no index.html`);
  for (const name of names) copyFileSync(join(from, name), join(to, name));
}

export const steps = [explorerAssets, buildContracts];
