// The opt-in tests against a real chain node, one command each (docs/settlement.md, "Real nodes"):
//
//   XRPL_URL=ws://127.0.0.1:6006 npm run test:xrpl-real
//   APTOS_NODE_URL=http://127.0.0.1:8080/v1 APTOS_MODULE=0x<addr>::payment_channel npm run test:aptos-real
//
// Unlike `npx vitest run <file>` (which skips the file when its variables are unset), this refuses to
// run without them, naming what is missing, so a green run always means the real node was used.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHAINS = {
  xrpl: {
    file: 'test/settlement/xrpl-real.test.ts',
    needs: { XRPL_URL: 'the WebSocket URL of a rippled in standalone mode with an admin port (ws://127.0.0.1:6006)' },
  },
  aptos: {
    file: 'test/settlement/aptos-real.test.ts',
    needs: {
      APTOS_NODE_URL: 'the REST URL of an Aptos localnet (http://127.0.0.1:8080/v1; faucet on :8081 or APTOS_FAUCET_URL)',
      APTOS_MODULE: 'the published module id 0x<address>::payment_channel, or a build-publish-payload JSON path with APTOS_PUBLISHER_KEY',
    },
  },
};

const chain = CHAINS[process.argv[2]];
if (chain === undefined) {
  process.stderr.write(`usage: node scripts/real-chain-test.mjs ${Object.keys(CHAINS).join('|')}\n`);
  process.exit(2);
}
const missing = Object.entries(chain.needs).filter(([name]) => !process.env[name]);
if (missing.length > 0) {
  for (const [name, what] of missing) process.stderr.write(`${name} is not set: ${what}\n`);
  process.stderr.write('see docs/settlement.md, "Real nodes"\n');
  process.exit(2);
}
const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', chain.file], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
