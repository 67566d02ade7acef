#!/usr/bin/env -S node --import tsx
// Runs the CLI from the TypeScript sources (no build): oclif is pointed at src/commands.
import { readFileSync } from 'node:fs';
import { execute } from '@oclif/core';

const root = new URL('..', import.meta.url);
const pjson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
await execute({
  development: true,
  dir: import.meta.url,
  loadOptions: { root: root.pathname, pjson: { ...pjson, oclif: { ...pjson.oclif, commands: './src/commands' } } },
});
