import { Box } from 'ink';
import type { DashboardEndpoint } from '../../source.js';
import type { ViewModel } from '../../store/view-model.js';
import { compact, duration, grouped } from '../../format.js';
import { Line } from '../line/line.js';
import type { Color, Segment } from '../line/segments.js';
import { Sparkline } from '../sparkline/sparkline.js';

const STATUS_COLOR: Record<string, Color> = { healthy: 'green', degraded: 'yellow', unhealthy: 'red', stopping: 'yellow', starting: 'yellow' };

/** `hub  g.hub  up 12m05s  healthy  fees earned 12.3k` */
export function identitySegments(vm: ViewModel): Segment[] {
  return [
    { text: vm.nodeId, bold: true, color: 'cyan' },
    { text: `  ${vm.ilpAddress}  up ${duration(vm.uptimeSec)}  ` },
    { text: vm.status, color: STATUS_COLOR[vm.status] },
    { text: vm.feesEarned !== 0n ? `  fees earned ${compact(vm.feesEarned)}` : '' },
  ];
}

/** `in 1.2k/s  out 1.2k/s  in flight 100  fulfilled 12,345  rejected 12` */
export function countersSegments(vm: ViewModel): Segment[] {
  return [
    { text: 'in ' },
    { text: `${compact(vm.rates.inPerSec)}/s`, bold: true },
    { text: '  out ' },
    { text: `${compact(vm.rates.outPerSec)}/s`, bold: true },
    { text: '  in flight ' },
    { text: grouped(vm.inFlight), bold: true },
    { text: '  fulfilled ' },
    { text: grouped(vm.totals.fulfilled), color: 'green' },
    { text: '  rejected ' },
    { text: grouped(vm.totals.rejected), color: vm.totals.rejected > 0 ? 'red' : undefined },
    { text: vm.totals.late > 0 ? `  late ${grouped(vm.totals.late)}` : '', color: 'yellow' },
  ];
}

/**
 * `defences  LEDGER STOPPED: ENOSPC  pre-auth refused 1,300  in-flight cap 7  late fulfills 2 (900)`:
 * what the node's defences did; empty (no line) while all of it is zero.
 */
export function defenceSegments(vm: ViewModel): Segment[] {
  const d = vm.defences;
  if (d.ledgerFault === undefined && d.preAuthRefused === 0 && d.inFlightRejected === 0 && d.lateFulfills === 0) return [];
  const out: Segment[] = [{ text: 'defences', dim: true }];
  if (d.ledgerFault !== undefined) out.push({ text: `  LEDGER STOPPED: ${d.ledgerFault}`, color: 'red', bold: true });
  if (d.preAuthRefused > 0) out.push({ text: '  pre-auth refused ' }, { text: grouped(d.preAuthRefused), color: 'yellow' });
  if (d.inFlightRejected > 0) out.push({ text: '  in-flight cap ' }, { text: grouped(d.inFlightRejected), color: 'yellow' });
  if (d.lateFulfills > 0) out.push({ text: '  late fulfills ' }, { text: `${grouped(d.lateFulfills)} (${compact(d.lateAmount)})`, color: 'yellow' });
  return out;
}

/**
 * `cluster  instance i1  members 2  leases 2: alice, bob  lanes evm i1, xrpl none`: this instance of a
 * cluster (no line on a lone node); `NO SESSION` while it has no database session, dead instances when any.
 */
export function clusterSegments(vm: ViewModel): Segment[] {
  const c = vm.cluster;
  if (c === undefined) return [];
  const out: Segment[] = [{ text: 'cluster', dim: true }, { text: '  instance ' }, { text: c.instanceId, bold: true, color: 'cyan' }];
  if (!c.session) out.push({ text: '  NO SESSION', color: 'red', bold: true });
  out.push({ text: `  members ${c.members}` });
  if (c.dead > 0) out.push({ text: `  dead ${c.dead}`, color: 'yellow' });
  out.push({ text: `  leases ${c.leases.length}${c.leases.length > 0 ? `: ${c.leases.join(', ')}` : ''}` });
  if (c.lanes !== undefined && c.lanes.length > 0) {
    out.push({ text: '  lanes ' });
    c.lanes.forEach(([lane, leader], i) => {
      out.push({ text: `${i === 0 ? '' : ', '}${lane} ` }, leader === null ? { text: 'none', color: 'yellow' } : { text: leader, bold: leader === c.instanceId });
    });
  }
  return out;
}

/** `admin http://127.0.0.1:8081  explorer http://127.0.0.1:3001  health …`: where each surface answers. */
export function endpointSegments(endpoints: readonly DashboardEndpoint[]): Segment[] {
  return endpoints.flatMap((e, i) => [{ text: `${i === 0 ? '' : '  '}${e.label} `, color: 'gray' as const }, { text: e.url }]);
}

/** Lines the header takes: the endpoints line only when there are endpoints to show, the defence line once it has news. */
export function headerLines(endpoints: readonly DashboardEndpoint[] = [], vm?: ViewModel): number {
  return 3 + (endpoints.length > 0 ? 1 : 0) + (vm?.cluster !== undefined ? 1 : 0) + (vm !== undefined && defenceSegments(vm).length > 0 ? 1 : 0);
}

export interface HeaderProps {
  readonly vm: ViewModel;
  readonly width: number;
  /** where the node's surfaces answer, shown under the identity line (none: no such line) */
  readonly endpoints?: readonly DashboardEndpoint[];
}

/** Who, where its surfaces answer (when given), the cluster line on a cluster instance, the counters, the throughput sparkline, and the defence line when it has news. */
export function Header({ vm, width, endpoints = [] }: HeaderProps) {
  const defences = defenceSegments(vm);
  return (
    <Box flexDirection="column" width={width}>
      <Line segments={identitySegments(vm)} width={width} />
      {endpoints.length > 0 ? <Line segments={endpointSegments(endpoints)} width={width} /> : null}
      {vm.cluster !== undefined ? <Line segments={clusterSegments(vm)} width={width} /> : null}
      <Line segments={countersSegments(vm)} width={width} />
      <Sparkline values={vm.throughput} width={width} />
      {defences.length > 0 ? <Line segments={defences} width={width} /> : null}
    </Box>
  );
}
