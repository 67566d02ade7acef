/**
 * The explorer's browser assets (HTML, JS, CSS), shipped with the package and served from memory:
 * no CDN, nothing fetched from elsewhere. From `src/` (tsx, tests) they are read in
 * `src/explorer-ui/`; from the built package in `dist/explorer-ui/` (scripts/build-steps.mjs copies
 * them there), the same path relative to this module.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The asset file types served (and copied into dist/ by the build), with their content types. */
export const ASSET_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
});

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The default asset folder: `../../../explorer-ui` next to this module (src/ or dist/). */
export function defaultAssetDir(): string {
  return fileURLToPath(new URL('../../../explorer-ui/', import.meta.url));
}

/**
 * Reads every servable file of `dir` (not recursive) into memory, keyed by its URL path
 * (`/app.js`; `/` is index.html). An empty map when the folder is missing.
 */
export function loadAssets(dir: string = defaultAssetDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const contentType = ASSET_TYPES[extname(name)];
    if (contentType === undefined) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(`/${name}`, { body, contentType, etag });
  }
  const index = assets.get('/index.html');
  if (index) assets.set('/', index);
  return assets;
}
