/**
 * The admin API's view of settlement across lanes: lists and states gather every lane; an operation
 * on a channel goes to the lane that holds it; opening a channel goes to the lane of the chain asked
 * for, which must be the peer's configured `settlement.chain` and configured on this node.
 */
import { appError } from '../errors/index.js';
import type { ChainKind } from './chain.js';
import type { Lane } from './lane.js';
import type { OperationLog, OperationView } from './operation-log.js';
import type { SettlementContext } from './module.js';
import type { ChannelView, SettleResult, SettlementStateView } from './operations.js';

/** What the admin routes call. */
export interface OperationsApi {
  listChannels(filter?: { peerId?: string; status?: string; direction?: string; chain?: string }): ChannelView[];
  channel(channelId: string): Promise<ChannelView>;
  claims(channelId: string): unknown;
  states(): SettlementStateView[];
  open(req: { peerId: string; chain?: string; initialDeposit: string; settlementTimeout?: number }): Promise<ChannelView>;
  deposit(channelId: string, amount: string): Promise<ChannelView & { txHash: string }>;
  withdraw(channelId: string, amount: string): Promise<ChannelView & { txHash: string }>;
  close(channelId: string, cooperative?: boolean): Promise<ChannelView & { txHash: string }>;
  settle(peerId: string): Promise<SettleResult>;
  /** Our transactions, newest first: pending, final, failed or reorged. */
  operationsList(filter?: { state?: string; chain?: string; channelId?: string; peerId?: string }): OperationView[];
}

/** Operations shown with each channel. */
const CHANNEL_OPERATIONS = 5;

/** What each chain's section needs, for the error that says to add it. */
const SECTION: Record<ChainKind, string> = {
  evm: 'settlement.evm {rpcUrl, chainId, contract, token} and AGENT_RUNTIME_EVM_PRIVATE_KEY',
  xrpl: 'settlement.xrpl {server} and AGENT_RUNTIME_XRPL_SEED',
  aptos: 'settlement.aptos {nodeUrl, module} and AGENT_RUNTIME_APTOS_PRIVATE_KEY',
};

export class SettlementOperations implements OperationsApi {
  constructor(
    private readonly ctx: SettlementContext,
    private readonly lanes: ReadonlyMap<ChainKind, Lane>,
    private readonly log: OperationLog,
  ) {}

  operationsList(filter: { state?: string; chain?: string; channelId?: string; peerId?: string } = {}): OperationView[] {
    return this.log.list(filter);
  }

  /** A channel view with its operations. */
  private withOperations<T extends ChannelView>(view: T): T {
    return { ...view, operations: this.log.list({ chain: view.chain, channelId: view.channelId }).slice(0, CHANNEL_OPERATIONS) };
  }

  /** Every lane's channels, oldest first (a lane never connected since its store was made shows none: its units are unknown). */
  listChannels(filter: { peerId?: string; status?: string; direction?: string; chain?: string } = {}): ChannelView[] {
    const out: { at: number; view: ChannelView }[] = [];
    for (const lane of this.lanes.values()) {
      if ((lane.core.units ?? lane.core.knownUnits) === undefined || (filter.chain !== undefined && !matchesChain(filter.chain, lane.kind))) continue;
      for (const view of lane.operations.listChannels(filter)) out.push({ at: lane.core.records.get(view.channelId)?.openedAt ?? 0, view });
    }
    return out.sort((a, b) => a.at - b.at).map((x) => this.withOperations(x.view));
  }

  async channel(channelId: string): Promise<ChannelView> {
    const { lane, id } = this.locate(channelId);
    return this.withOperations(await lane.operations.channel(id));
  }

  claims(channelId: string): unknown {
    const { lane, id } = this.locate(channelId);
    return lane.operations.claims(id);
  }

  states(): SettlementStateView[] {
    const pending = new Map<string, number>();
    for (const op of this.log.list()) {
      if ((op.state === 'pending' || op.state === 'reorged') && op.peerId !== null) pending.set(`${op.chain}:${op.peerId}`, (pending.get(`${op.chain}:${op.peerId}`) ?? 0) + 1);
    }
    return [...this.lanes.values()]
      .flatMap((lane) => lane.operations.states())
      .map((st) => ({ ...st, pendingOperations: pending.get(`${st.chain}:${st.peerId}`) ?? 0 }))
      .sort((a, b) => a.peerId.localeCompare(b.peerId));
  }

  /**
   * Opens a channel to a peer. `chain`: evm, xrpl or aptos (EVM also `evm:<chainId>` and the seed's
   * `evm:<network>:<chainId>`); unset: the peer's configured settlement.chain.
   */
  open(req: { peerId: string; chain?: string; initialDeposit: string; settlementTimeout?: number }): Promise<ChannelView> {
    const peer = this.ctx.peers().find((p) => p.id === req.peerId);
    if (peer === undefined) throw appError('PEER_NOT_FOUND', { peerId: req.peerId });
    const configured = peer.settlement?.chain;
    const asked = req.chain === undefined ? undefined : parseChain(req.chain);
    const kind = asked?.kind ?? configured;
    if (kind === undefined) {
      throw appError('INVALID_ARGUMENT', {
        field: 'peerId',
        reason: `peer ${req.peerId} has no settlement chain: register it with settlement {chain: evm|xrpl|aptos, address: …} first`,
      });
    }
    if (configured === undefined || configured !== kind) {
      throw appError('INVALID_ARGUMENT', {
        field: 'chain',
        reason:
          configured === undefined
            ? `peer ${req.peerId} has no settlement chain: set its settlement {chain: ${kind}, address: …} first`
            : `peer ${req.peerId} settles on ${configured} (its settlement.chain), not ${kind}: open the channel on ${configured} (--chain ${configured}, or no --chain), or change the peer's settlement.chain`,
      });
    }
    const lane = this.lanes.get(kind);
    if (lane === undefined) {
      this.ledElsewhere(kind);
      throw appError('INVALID_ARGUMENT', { field: 'chain', reason: `this node does not settle on ${kind}: add ${SECTION[kind]} to its config and restart it` });
    }
    if (asked?.chainId !== undefined && lane.core.chain !== undefined && asked.chainId !== lane.core.chain.chainId) {
      throw appError('INVALID_ARGUMENT', { field: 'chain', reason: `this node's ${kind} chain is ${lane.core.chain.chainId}, not ${asked.chainId}` });
    }
    return lane.operations.open({ peerId: req.peerId, initialDeposit: req.initialDeposit, settlementTimeout: req.settlementTimeout }).then((v) => this.withOperations(v));
  }

  deposit(channelId: string, amount: string): Promise<ChannelView & { txHash: string }> {
    const { lane, id } = this.locate(channelId);
    return lane.operations.deposit(id, amount).then((v) => this.withOperations(v));
  }

  withdraw(channelId: string, amount: string): Promise<ChannelView & { txHash: string }> {
    const { lane, id } = this.locate(channelId);
    return lane.operations.withdraw(id, amount).then((v) => this.withOperations(v));
  }

  close(channelId: string, cooperative = false): Promise<ChannelView & { txHash: string }> {
    const { lane, id } = this.locate(channelId);
    return lane.operations.close(id, cooperative).then((v) => this.withOperations(v));
  }

  /**
   * `settle <peer>` on the lane of the peer's chain; channels the peer pays us through on other lanes
   * (opened before its chain changed) are redeemed too.
   */
  async settle(peerId: string): Promise<SettleResult> {
    const chain = this.ctx.peers().find((p) => p.id === peerId)?.settlement?.chain;
    const involved = [...this.lanes.values()].filter((l) => l.kind === chain || [...l.core.records.values()].some((r) => r.peerId === peerId));
    if (involved.length === 0) {
      if (chain !== undefined) this.ledElsewhere(chain);
      if (chain !== undefined) throw appError('INVALID_ARGUMENT', { field: 'peerId', reason: `peer ${peerId} settles on ${chain} but this node does not: add ${SECTION[chain]} to its config` });
      throw appError('PEER_NOT_FOUND', { peerId });
    }
    const main = involved.find((l) => l.kind === chain) ?? involved[0];
    const result = await main.operations.settle(peerId);
    for (const lane of involved) {
      if (lane === main || !lane.core.ready) continue;
      const redeemed = await Promise.all(lane.core.incomingFor(peerId).filter((r) => r.state !== 'settled' && lane.incoming.unredeemed(r) > 0n).map((r) => lane.incoming.redeem(r)));
      result.redeemed.push(...redeemed);
      result.ok &&= redeemed.every((x) => x.status !== 'failed');
    }
    return result;
  }

  /** The lane that holds `channelId`, with the id in that chain's canonical form. */
  private locate(channelId: string): { lane: Lane; id: string } {
    for (const lane of this.lanes.values()) {
      const r = lane.operations.find(channelId);
      if (r !== undefined) return { lane, id: r.channelId };
    }
    // In a cluster the channel may be on a lane another instance leads: name it.
    for (const kind of ['evm', 'xrpl', 'aptos'] as const) if (!this.lanes.has(kind)) this.ledElsewhere(kind);
    throw appError('CHANNEL_NOT_FOUND', { channelId });
  }

  /** In a cluster, a configured lane this instance does not lead: a 409 naming its leader. */
  private ledElsewhere(kind: ChainKind): void {
    const lanes = this.ctx.lanes;
    if (lanes === undefined || this.ctx.config.settlement[kind] === undefined) return;
    const leader = lanes.leaderOf(kind);
    const what = `The ${kind} settlement lane`;
    throw appError('CONFLICT', {
      what,
      message: leader === undefined
        ? `${what} has no leader in this cluster right now (an instance takes it within cluster.leaseCheckMs): try again shortly`
        : `${what} is led by cluster instance ${leader}: call that instance's admin API (GET /health names each lane's leader)`,
    });
  }
}

/** `evm`, `xrpl`, `aptos`, `evm:<chainId>` or `evm:<network>:<chainId>` (likewise for the others). */
export function parseChain(value: string): { kind: ChainKind; chainId?: number } {
  const m = /^(evm|xrpl|aptos)(?::([a-z0-9-]+))?(?::([0-9]+))?$/i.exec(value.trim());
  if (m === null) {
    throw appError('INVALID_ARGUMENT', { field: 'chain', reason: `must be evm, xrpl or aptos (EVM also evm:<network>:<chainId>, e.g. evm:base:8453), got ${JSON.stringify(value)}` });
  }
  const kind = m[1].toLowerCase() as ChainKind;
  const id = m[3] ?? (m[2] !== undefined && /^[0-9]+$/.test(m[2]) ? m[2] : undefined);
  return id === undefined ? { kind } : { kind, chainId: Number(id) };
}

function matchesChain(filter: string, kind: ChainKind): boolean {
  try {
    return parseChain(filter).kind === kind;
  } catch {
    return false;
  }
}
