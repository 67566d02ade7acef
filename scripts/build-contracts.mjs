// Build step: compile contracts/*.sol with solc-js (npm `solc`) into contracts/artifacts/<Name>.json
// ({contractName, abi, bytecode, deployedBytecode, compiler: {version, settings}, sources}).
// The artifacts are committed; test/contracts/artifacts.test.ts recompiles and fails on drift.
// Run alone: `node scripts/build-contracts.mjs` (writes) or `--check` (exit 1 when an artifact is stale).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The contracts that get an artifact (test-only contracts under contracts/test/ do not). */
export const CONTRACTS = ['TokenNetwork', 'TestToken'];

/**
 * Compiler settings, recorded in each artifact. `cancun` runs on Base and every current EVM chain;
 * the metadata hash stays in the bytecode (it is deterministic for a given source and compiler).
 */
export const SETTINGS = {
  optimizer: { enabled: true, runs: 10000 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** Compiles the artifact contracts of `<root>/contracts`; returns the artifacts by name. */
export function compileContracts(root) {
  const require = createRequire(join(root, 'package.json'));
  const solc = require('solc');
  const dir = join(root, 'contracts');
  const files = readdirSync(dir).filter((f) => f.endsWith('.sol')).sort();
  const sources = Object.fromEntries(files.map((f) => [f, { content: readFileSync(join(dir, f), 'utf8') }]));
  const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings: SETTINGS })));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const version = solc.version();
  const artifacts = {};
  for (const name of CONTRACTS) {
    const out = output.contracts[`${name}.sol`]?.[name];
    if (!out) throw new Error(`solc produced no ${name} (expected contracts/${name}.sol)`);
    artifacts[name] = {
      contractName: name,
      sourceName: `contracts/${name}.sol`,
      abi: out.abi,
      bytecode: `0x${out.evm.bytecode.object}`,
      deployedBytecode: `0x${out.evm.deployedBytecode.object}`,
      compiler: { name: 'solc-js', version, settings: SETTINGS },
      sources: Object.fromEntries(files.map((f) => [`contracts/${f}`, { sha256: sha256(sources[f].content) }])),
    };
  }
  return artifacts;
}

const artifactPath = (root, name) => join(root, 'contracts', 'artifacts', `${name}.json`);
const serialize = (artifact) => `${JSON.stringify(artifact, null, 2)}\n`;

/** Writes the artifacts whose content changed; returns the names written. */
export function writeArtifacts(root, artifacts) {
  mkdirSync(join(root, 'contracts', 'artifacts'), { recursive: true });
  const written = [];
  for (const [name, artifact] of Object.entries(artifacts)) {
    const path = artifactPath(root, name);
    const text = serialize(artifact);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    writeFileSync(path, text);
    written.push(name);
  }
  return written;
}

/** The build step (scripts/build-steps.mjs): skipped, with a note, when solc is not installed. */
export async function buildContracts(root) {
  try {
    createRequire(join(root, 'package.json')).resolve('solc');
  } catch {
    console.error('build-contracts: solc is not installed; keeping the committed contracts/artifacts');
    return;
  }
  const written = writeArtifacts(root, compileContracts(root));
  console.error(written.length > 0 ? `build-contracts: wrote ${written.join(', ')}` : 'build-contracts: artifacts up to date');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  if (process.argv.includes('--check')) {
    const fresh = compileContracts(root);
    const stale = Object.entries(fresh).filter(([name, a]) => !existsSync(artifactPath(root, name)) || readFileSync(artifactPath(root, name), 'utf8') !== serialize(a));
    if (stale.length > 0) {
      console.error(`stale artifacts: ${stale.map(([n]) => n).join(', ')} (run node scripts/build-contracts.mjs)`);
      process.exit(1);
    }
  } else {
    await buildContracts(root);
  }
}
