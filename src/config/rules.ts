/**
 * Cross-field rules of the config schema: what no single key can check alone.
 *
 * Every issue carries `params.keys`, the paths of all keys it involves, so the validator can tell
 * which rules were judged on values it had to drop, and `params.hint` when there is a fix to name.
 */
import type { z } from 'zod';
import { chainAssetKey, settlementAssetProblem } from './chain-assets.js';
import { formatPath, peerSecretEnvName } from './names.js';
import type { BaseConfig } from './schema.js';
import { peerTransportIssues } from './schema-peers.js';

type Ctx = z.RefinementCtx<BaseConfig>;
type Path = (string | number)[];

/** The three well-known private keys of the Anvil / Hardhat development accounts 0, 1 and 2. */
export const DEV_PRIVATE_KEYS: readonly string[] = [
  'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
];

function report(ctx: Ctx, path: Path, message: string, opts: { hint?: string; keys?: Path[] } = {}): void {
  const keys = (opts.keys ?? [path]).map(formatPath);
  ctx.addIssue({ code: 'custom', path, message, params: { hint: opts.hint, keys } });
}

/** Runs every cross-field rule against a config whose fields each parsed. */
export function checkRules(c: BaseConfig, ctx: Ctx): void {
  checkPeers(c, ctx);
  checkListeners(c, ctx);
  checkAdmin(c, ctx);
  checkSettlement(c, ctx);
  checkLedger(c, ctx);
  if (c.security.environment === 'production') checkProduction(c, ctx);
}

function checkLedger(c: BaseConfig, ctx: Ctx): void {
  if (c.ledger.backend === 'postgres' && c.ledger.postgres.url === undefined) {
    report(ctx, ['ledger', 'postgres', 'url'], 'ledger.backend is postgres but ledger.postgres.url is not set', {
      hint: 'set AGENT_RUNTIME_LEDGER_POSTGRES_URL=postgres://user:password@host:port/database (or ledger.postgres.url), or remove ledger.backend',
      keys: [['ledger', 'postgres', 'url'], ['ledger', 'backend']],
    });
  }
}

function checkPeers(c: BaseConfig, ctx: Ctx): void {
  const byId = new Map<string, number>();
  const byEnv = new Map<string, number>();
  let parent: number | undefined;
  c.peers.forEach((p, i) => {
    const idPath = ['peers', i, 'id'];
    const first = byId.get(p.id);
    if (first !== undefined) {
      report(ctx, idPath, `duplicate peer id '${p.id}' (also peers[${first}].id)`, {
        keys: [idPath, ['peers', first, 'id']],
      });
    } else byId.set(p.id, i);
    if (p.id === c.nodeId || p.id === 'local') {
      report(ctx, idPath, `peer id '${p.id}' is reserved`, {
        hint: `'local' and the nodeId ('${c.nodeId}') name this node itself; give the peer another id`,
        keys: [idPath, ['nodeId']],
      });
    }
    const envName = peerSecretEnvName(p.id);
    const other = byEnv.get(envName);
    if (other !== undefined && c.peers[other].id !== p.id) {
      report(ctx, idPath, `peer ids '${c.peers[other].id}' (peers[${other}]) and '${p.id}' (peers[${i}]) share the secret variable ${envName}`, {
        hint: 'rename one of them: ids that differ only in -, ~ and _ or in letter case map to one variable',
        keys: [idPath, ['peers', other, 'id']],
      });
    } else if (other === undefined) byEnv.set(envName, i);
    for (const t of peerTransportIssues(p)) {
      const path = ['peers', i, ...t.path];
      const hint = t.path[0] === 'authToken' ? `set ${envName} in the environment or .env, or peers[${i}].authToken` : t.hint;
      report(ctx, path, t.message, { hint, keys: [path, ['peers', i, 'transport']] });
    }
    if (p.relation === 'parent') {
      if (parent !== undefined) {
        report(ctx, ['peers', i, 'relation'], `more than one parent: '${c.peers[parent].id}' and '${p.id}'`, {
          hint: 'a node has at most one parent; make the others relation: peer',
          keys: [['peers', i, 'relation'], ['peers', parent, 'relation']],
        });
      } else parent = i;
    }
  });
}

interface Listener {
  key: string;
  path: Path;
  host: string;
  port: number;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

function normalHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** True for loopback addresses and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = normalHost(host);
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Whether two bind/connect hosts can name the same socket: a wildcard overlaps every host. */
export function hostsOverlap(a: string, b: string): boolean {
  const x = normalHost(a);
  const y = normalHost(b);
  if (x === y || WILDCARD_HOSTS.has(x) || WILDCARD_HOSTS.has(y)) return true;
  return (x === 'localhost' && isLoopbackHost(y)) || (y === 'localhost' && isLoopbackHost(x));
}

function handlerListener(c: BaseConfig): Listener | undefined {
  if (!c.localDelivery.enabled || c.localDelivery.handlerUrl === undefined) return undefined;
  const url = new URL(c.localDelivery.handlerUrl);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { key: 'localDelivery.handlerUrl', path: ['localDelivery', 'handlerUrl'], host: url.hostname, port };
}

/** Whether the ILP-over-HTTP listener runs: http.enabled, or unset and some peer uses transport http. */
export function httpListenerOn(c: { readonly http: { readonly enabled?: boolean }; readonly peers: readonly { readonly transport?: string }[] }): boolean {
  return c.http.enabled ?? c.peers.some((p) => p.transport === 'http');
}

function checkListeners(c: BaseConfig, ctx: Ctx): void {
  const all: (Listener | undefined)[] = [
    { key: 'btpServerPort', path: ['btpServerPort'], host: c.btpServerHost, port: c.btpServerPort },
    { key: 'healthCheckPort', path: ['healthCheckPort'], host: c.healthCheckHost, port: c.healthCheckPort },
    c.adminApi.enabled
      ? { key: 'adminApi.port', path: ['adminApi', 'port'], host: c.adminApi.host, port: c.adminApi.port }
      : undefined,
    c.explorer.enabled
      ? { key: 'explorer.port', path: ['explorer', 'port'], host: c.explorer.host, port: c.explorer.port }
      : undefined,
    handlerListener(c),
    httpListenerOn(c) ? { key: 'http.port', path: ['http', 'port'], host: c.http.host, port: c.http.port } : undefined,
  ];
  const listeners = all.filter((l): l is Listener => l !== undefined && l.port !== 0);
  for (let i = 0; i < listeners.length; i++) {
    for (let j = i + 1; j < listeners.length; j++) {
      const a = listeners[i];
      const b = listeners[j];
      if (a.port !== b.port || !hostsOverlap(a.host, b.host)) continue;
      // The handler URL names the user's own server: it cannot "pick a free port"; move either side.
      const hint = b.key === 'localDelivery.handlerUrl'
        ? `the handler URL is your own server's address: run that server on a port the node does not listen on (and change the URL to it), or move ${a.key} to another port (0 picks a free one)`
        : `give ${b.key} another port (0 picks a free one)`;
      report(ctx, b.path, `${b.key} and ${a.key} both use ${b.host}:${b.port} (${a.host}:${a.port})`, {
        hint,
        keys: [b.path, a.path],
      });
    }
  }
}

function checkAdmin(c: BaseConfig, ctx: Ctx): void {
  const admin = c.adminApi;
  if (admin.enabled && admin.apiKey === undefined && (admin.keys ?? []).length === 0 && !isLoopbackHost(admin.host)) {
    report(ctx, ['adminApi', 'apiKey'], `is required when the admin API listens on ${admin.host} (not loopback)`, {
      hint: 'set AGENT_RUNTIME_API_KEY, or keep adminApi.host at 127.0.0.1',
      keys: [['adminApi', 'apiKey'], ['adminApi', 'host']],
    });
  }
  if (c.localDelivery.enabled && c.localDelivery.handlerUrl === undefined) {
    report(ctx, ['localDelivery', 'handlerUrl'], 'is required when localDelivery.enabled is true', {
      hint: 'the URL of your business-logic server, e.g. http://127.0.0.1:4000',
      keys: [['localDelivery', 'handlerUrl'], ['localDelivery', 'enabled']],
    });
  }
}

const SECRET_ENV = { evm: 'AGENT_RUNTIME_EVM_PRIVATE_KEY', xrpl: 'AGENT_RUNTIME_XRPL_SEED', aptos: 'AGENT_RUNTIME_APTOS_PRIVATE_KEY' };

function checkSettlement(c: BaseConfig, ctx: Ctx): void {
  const s = c.settlement;
  if (!s.enabled) return;
  const chains = { evm: s.evm?.privateKey, xrpl: s.xrpl?.seed, aptos: s.aptos?.privateKey };
  const configured = (['evm', 'xrpl', 'aptos'] as const).filter((ch) => s[ch] !== undefined);
  if (configured.length === 0) {
    report(ctx, ['settlement', 'enabled'], 'is true but no chain is configured', {
      hint: 'add settlement.evm, settlement.xrpl or settlement.aptos, or set settlement.enabled: false',
    });
  }
  for (const chain of configured) {
    if (chains[chain] !== undefined) continue;
    const field = chain === 'xrpl' ? 'seed' : 'privateKey';
    report(ctx, ['settlement', chain, field], `is required when settlement is enabled with ${chain}`, {
      hint: `set ${SECRET_ENV[chain]} (or reference it as \${${SECRET_ENV[chain]}})`,
      keys: [['settlement', chain, field], ['settlement', 'enabled']],
    });
  }
  c.peers.forEach((p, i) => {
    if (p.settlement === undefined || s[p.settlement.chain] !== undefined) return;
    report(ctx, ['peers', i, 'settlement', 'chain'], `is ${p.settlement.chain} but settlement.${p.settlement.chain} is not configured`, {
      hint: `add settlement.${p.settlement.chain}, or remove peers[${i}].settlement`,
      keys: [['peers', i, 'settlement', 'chain'], ['settlement', p.settlement.chain]],
    });
  });
  checkSettlementAssets(c, ctx);
}

/** A peer settles only on a chain that carries its own asset (chain-assets.ts). */
function checkSettlementAssets(c: BaseConfig, ctx: Ctx): void {
  c.peers.forEach((p, i) => {
    if (p.settlement === undefined || c.settlement[p.settlement.chain] === undefined) return;
    const chain = p.settlement.chain;
    const problem = settlementAssetProblem(p.assetCode ?? c.assetCode, chain, c.settlement, c.assetCode);
    if (problem === undefined) return;
    const own = p.assetCode === undefined ? " (unset: the node's assetCode)" : '';
    report(ctx, ['peers', i, 'assetCode'], `is ${p.assetCode ?? c.assetCode}${own} but peers[${i}].settlement.chain ${chain} carries ${problem.chainAsset}: its claims would pay ${problem.chainAsset} for ${p.assetCode ?? c.assetCode}`, {
      hint: `set peers[${i}].assetCode: ${problem.chainAsset} (with a rate for it in rates), or settle this peer on a chain that carries ${p.assetCode ?? c.assetCode}${chain === 'xrpl' ? '' : ` (${chainAssetKey(chain)} names the ${chain === 'evm' ? "token's" : "coin's"} code)`}`,
      keys: [['peers', i, 'assetCode'], ['peers', i, 'settlement', 'chain'], ...(chain === 'xrpl' ? [] : [['settlement', chain, 'assetCode']]), ['assetCode']],
    });
  });
}

function checkProduction(c: BaseConfig, ctx: Ctx): void {
  const why = 'security.environment is production';
  if (c.adminApi.enabled && c.adminApi.apiKey === undefined) {
    report(ctx, ['adminApi', 'apiKey'], `is required: ${why}`, {
      hint: 'set AGENT_RUNTIME_API_KEY, or adminApi.enabled: false',
      keys: [['adminApi', 'apiKey'], ['security', 'environment']],
    });
  }
  const keys: [Path, string | undefined][] = [[['settlement', 'evm', 'privateKey'], c.settlement.evm?.privateKey]];
  for (const [path, value] of keys) {
    if (value !== undefined && DEV_PRIVATE_KEYS.includes(value.toLowerCase().replace(/^0x/, ''))) {
      report(ctx, path, `is a well-known Anvil/Hardhat development key: ${why}`, {
        hint: 'anyone can spend from this key; use a key of your own',
        keys: [path, ['security', 'environment']],
      });
    }
  }
  const urls: [Path, string | undefined, string][] = [
    [['settlement', 'evm', 'rpcUrl'], c.settlement.evm?.rpcUrl, 'https:// or wss://'],
    [['settlement', 'xrpl', 'server'], c.settlement.xrpl?.server, 'wss://'],
    [['settlement', 'aptos', 'nodeUrl'], c.settlement.aptos?.nodeUrl, 'https://'],
  ];
  for (const [path, url, secure] of urls) {
    if (url === undefined || !/^(http|ws):/i.test(url)) continue;
    report(ctx, path, `is a plain ${url.split(':')[0]}:// URL: ${why}`, {
      hint: `use ${secure}; plain connections can be read and altered on the way`,
      keys: [path, ['security', 'environment']],
    });
  }
}
