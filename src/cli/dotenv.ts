/**
 * The few variables the admin commands take from a `.env` in the current directory (what `setup`
 * writes next to config.yaml). Kept apart from the config loader so that a quick command such as
 * `health` does not load the config schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/** The variables of `<dir>/.env`; empty when there is none or it cannot be read. */
export function readLocalEnv(dir: string): Record<string, string | undefined> {
  try {
    return parseEnv(readFileSync(join(dir, '.env'), 'utf8'));
  } catch {
    return {};
  }
}
