/**
 * Settlement for `agent-runtime demo` on a chain from startDemoChain(): every node settles on it with
 * its own fresh key, each payer opens a channel (alice → hub, hub → bob) once the nodes are up, claims
 * flow at a low threshold and the payees redeem on a short timer, so the first on-chain settlement
 * shows within seconds. The returned object is a DemoExtension (src/cli/demo-network.ts).
 */
import type { NodeConfigInput } from '../config/index.js';
import type { NodeHandle } from '../node/ports.js';
import type { DemoChain } from './demo-chain.js';

type Role = 'hub' | 'alice' | 'bob';

export interface DemoSettlementOptions {
  /** Claims are sent once this much is owed (asset units; default 20000: a claim every few seconds). */
  threshold?: bigint;
  /** Payees redeem what they hold this often, ms (default 5000). */
  redeemIntervalMs?: number;
  /** Each channel's deposit (asset units; default 1e9). */
  deposit?: bigint;
}

/** The three nodes as the demo network holds them. */
interface DemoNodes {
  hub: NodeHandle;
  alice?: NodeHandle;
  bob?: NodeHandle;
}

/** What the demo network calls (structurally its DemoExtension). */
export interface DemoSettlementExtension {
  config(role: Role, config: NodeConfigInput): NodeConfigInput;
  afterStart(net: DemoNodes): Promise<void>;
}

/** Keys by role: the chain's accounts 0, 1, 2. */
const ROLES: Role[] = ['hub', 'alice', 'bob'];

export function demoSettlement(chain: DemoChain, o: DemoSettlementOptions = {}): DemoSettlementExtension {
  if (chain.keys.length < ROLES.length) throw new Error('the demo chain needs three funded accounts (hub, alice, bob)');
  const key = (role: Role) => chain.keys[ROLES.indexOf(role)];
  const threshold = (o.threshold ?? 20_000n).toString();
  return {
    config(role, config) {
      const peers = (config.peers ?? []).map((p) => ({
        ...p,
        settleThreshold: threshold,
        settlement: { chain: 'evm' as const, address: key(p.id as Role).address },
      }));
      return {
        ...config,
        peers,
        settlement: {
          enabled: true,
          redeem: { intervalMs: o.redeemIntervalMs ?? 5000 },
          evm: {
            rpcUrl: chain.rpcUrl,
            chainId: chain.chainId,
            contract: chain.contract,
            token: chain.token,
            privateKey: key(role).privateKey,
            pollIntervalMs: 1000,
            resendIntervalMs: 2000,
          },
        },
      };
    },
    async afterStart(net) {
      const deposit = (o.deposit ?? 1_000_000_000n).toString();
      const open = async (payer: NodeHandle | undefined, peerId: string) => {
        const url = payer?.endpoints.admin;
        if (url === undefined) throw new Error(`the demo's ${payer?.nodeId ?? 'payer'} has no admin API`);
        const res = await fetch(`${url}/admin/channels`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ peerId, initialDeposit: deposit }),
          signal: AbortSignal.timeout(60_000),
        });
        if (res.status !== 201) throw new Error(`opening the demo channel ${payer?.nodeId} → ${peerId} failed: ${await res.text()}`);
      };
      await Promise.all([open(net.alice, 'hub'), open(net.hub, 'bob')]);
    },
  };
}
