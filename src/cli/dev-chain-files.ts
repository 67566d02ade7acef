/**
 * What `agent-runtime chain dev` writes: two node configs (alice pays bob over a payment channel on the
 * dev chain), each with its secrets in a .env next to it (mode 600), on ports free when written.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { peerSecretEnvName } from '../config/index.js';
import { appError } from '../errors/index.js';
import { makeDirectory } from '../make-directory.js';
import type { EvmSection } from '../settlement/chains/evm/operator.js';
import { settlementYaml } from './evm-section.js';
import { newSecret } from './setup-files.js';

/** One dev node to write. */
export interface DevNode {
  nodeId: 'alice' | 'bob';
  privateKey: string;
  address: string;
  btpPort: number;
  healthPort: number;
  adminPort: number;
  /** bob only: where his packets are delivered (`chain dev` answers there, accepting all). */
  handlerUrl?: string;
}

/** What was written for one node. */
export interface DevNodeFiles {
  nodeId: string;
  configPath: string;
  envPath: string;
  /** The node's chain account. */
  address: string;
  adminUrl: string;
  btpUrl: string;
}

const q = (s: string): string => JSON.stringify(s);

/** alice's settleThreshold for bob, in asset units (assetScale 6: 0.01). */
export const DEV_THRESHOLD = '10000';

function config(me: DevNode, other: DevNode, evm: EvmSection, dataDir: string, secretEnv: string): string {
  const payer = me.nodeId === 'alice';
  return [
    `# ${me.nodeId} on the dev chain ${evm.rpcUrl}, written by \`agent-runtime chain dev\`. ${payer ? 'alice pays bob.' : 'bob is paid by alice.'}`,
    '# Secrets are in .env next to this file. Run: agent-runtime start --config <this file>',
    `nodeId: ${q(me.nodeId)}`,
    'assetCode: "USD"',
    'assetScale: 6',
    `btpServerPort: ${me.btpPort}`,
    `healthCheckPort: ${me.healthPort}`,
    `dataDir: ${q(dataDir)}`,
    'adminApi:',
    '  enabled: true',
    `  port: ${me.adminPort}`,
    ...(me.handlerUrl === undefined ? [] : ['localDelivery:', '  enabled: true', `  handlerUrl: ${q(me.handlerUrl)}`]),
    'peers:',
    `  - id: ${q(other.nodeId)}`,
    '    relation: peer',
    ...(payer ? [`    url: "ws://127.0.0.1:${other.btpPort}"`] : []),
    `    authToken: \${${secretEnv}}`,
    `    creditLimit: ${q(payer ? '0' : '1000000000')}`,
    ...(payer ? [`    settleThreshold: ${q(DEV_THRESHOLD)}`] : []),
    '    settlement:',
    '      chain: evm',
    `      address: ${q(other.address)}`,
    ...(payer ? ['routes:', `  - prefix: "g.${other.nodeId}"`, `    nextHop: ${q(other.nodeId)}`] : []),
    ...settlementYaml(evm),
    '    pollIntervalMs: 1000',
    '    resendIntervalMs: 2000',
    '',
  ].join('\n');
}

/**
 * Writes `<dir>/alice/{config.yaml,.env}` and `<dir>/bob/…`; refuses to overwrite unless `force`.
 * @throws AppError FILE_EXISTS
 */
export function writeDevConfigs(dir: string, nodes: [DevNode, DevNode], evm: EvmSection, force: boolean): DevNodeFiles[] {
  const secret = newSecret();
  const paths = nodes.map((n) => ({ n, dir: resolve(dir, n.nodeId) }));
  if (!force) {
    for (const p of paths) for (const f of ['config.yaml', '.env']) if (existsSync(join(p.dir, f))) throw appError('FILE_EXISTS', { path: join(p.dir, f) });
  }
  return paths.map(({ n, dir: nodeDir }) => {
    const other = nodes.find((o) => o !== n)!;
    const secretEnv = peerSecretEnvName(other.nodeId);
    makeDirectory(nodeDir);
    const configPath = join(nodeDir, 'config.yaml');
    const envPath = join(nodeDir, '.env');
    writeFileSync(configPath, config(n, other, evm, join(nodeDir, 'data'), secretEnv));
    const env = [
      `# ${n.nodeId}'s secrets on the dev chain (throwaway keys: never use them on a real network).`,
      `AGENT_RUNTIME_EVM_PRIVATE_KEY=${n.privateKey}`,
      `${secretEnv}=${secret}`,
      `AGENT_RUNTIME_URL=http://127.0.0.1:${n.adminPort}`,
      '',
    ].join('\n');
    writeFileSync(envPath, env, { mode: 0o600 });
    chmodSync(envPath, 0o600);
    return { nodeId: n.nodeId, configPath, envPath, address: n.address, adminUrl: `http://127.0.0.1:${n.adminPort}`, btpUrl: `ws://127.0.0.1:${n.btpPort}` };
  });
}
