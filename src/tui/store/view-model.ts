/**
 * The view model: an immutable copy of what the screen shows, built from the store at most ten times
 * a second. Lists are bounded by the store's rings, so building one costs the same at 10 or 10,000
 * packets a second.
 */
import type { ActivityRecord, ChannelState, DashboardStore, Defences, PacketRecord, PeerState, SettlementTotals } from './dashboard-store.js';
import type { RouteState } from './routes.js';
import type { ClusterView } from './cluster.js';
import type { AssetView } from '../format.js';

/** A route as the routes pane draws it. */
export interface RouteView extends RouteState {
  /** learned routes: s since its speaker last announced or refreshed it */
  readonly ageSec?: number;
  /** its next hop is connected (local delivery always is) */
  readonly up: boolean;
}

export interface ViewModel {
  readonly nodeId: string;
  readonly ilpAddress: string;
  readonly status: string;
  readonly stopping: boolean;
  /** s */
  readonly uptimeSec: number;
  readonly rates: Readonly<DashboardStore['rates']>;
  readonly inFlight: number;
  readonly totals: Readonly<DashboardStore['totals']>;
  /** what this node earned in fees (asset units): minus the fees account's balance */
  readonly feesEarned: bigint;
  /** packets in per second, oldest first */
  readonly throughput: readonly number[];
  readonly peers: readonly Readonly<PeerState>[];
  /** newest first, filtered */
  readonly packets: readonly PacketRecord[];
  /** newest first */
  readonly activity: readonly ActivityRecord[];
  readonly channels: readonly Readonly<ChannelState>[];
  readonly settlement: Readonly<SettlementTotals>;
  readonly defences: Readonly<Defences>;
  /** static first, then learned, by prefix */
  readonly routes: readonly RouteView[];
  /** the asset of each peer by id, and of `local` (the node's): what packet amounts are amounts of */
  readonly assets: ReadonlyMap<string, AssetView>;
  /** cluster instances only: instance id, members, leases held, lane leaders */
  readonly cluster?: ClusterView;
}

export interface ViewOptions {
  /** ms since the epoch */
  now: number;
  /** destination prefix; '' = all */
  filter: string;
  /** the packet list captured when the stream was paused */
  frozen?: readonly PacketRecord[];
}

export function buildViewModel(s: DashboardStore, o: ViewOptions): ViewModel {
  const keep = o.filter === '' ? undefined : (p: PacketRecord) => p.destination.startsWith(o.filter);
  let packets: readonly PacketRecord[];
  if (o.frozen) packets = keep ? o.frozen.filter(keep) : o.frozen;
  else packets = keep ? s.packets.select(keep, 0, s.packets.size).items : s.packets.newest();
  const fees = s.balances.get('fees');
  const assets = new Map<string, AssetView>();
  if (s.nodeAsset) assets.set('local', s.nodeAsset);
  for (const p of s.peers.values()) if (p.asset) assets.set(p.id, p.asset);
  return {
    nodeId: s.nodeId,
    ilpAddress: s.ilpAddress,
    status: s.status,
    stopping: s.stopping,
    uptimeSec: Math.max(0, Math.floor(s.uptimeSec + (o.now - s.uptimeAt) / 1000)),
    rates: { ...s.rates },
    inFlight: Math.max(0, s.inFlight),
    totals: { ...s.totals },
    feesEarned: fees === undefined ? 0n : -BigInt(fees),
    throughput: s.throughput.newest().reverse(),
    peers: [...s.peers.values()].sort((a, b) => a.id.localeCompare(b.id)).map((p) => ({ ...p, settlement: { ...p.settlement } })),
    packets,
    activity: s.activity.newest(),
    channels: [...s.channels.values()].map((c) => ({ ...c })),
    settlement: { ...s.settlement },
    defences: { ...s.defences },
    routes: s.routes.routes.map((r) => ({
      ...r,
      ...(r.since === undefined ? {} : { ageSec: Math.max(0, Math.floor((o.now - r.since) / 1000)) }),
      up: r.nextHop === 'local' || s.nodeId === r.nextHop || s.peers.get(r.nextHop)?.connected === true,
    })),
    assets,
    ...(s.cluster === undefined ? {} : { cluster: s.cluster }),
  };
}
