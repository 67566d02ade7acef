import { Box, Text } from 'ink';
import type { ViewModel } from '../../store/view-model.js';
import { compact, duration, grouped } from '../../format.js';
import { Sparkline } from '../sparkline/sparkline.js';

export interface HeaderProps {
  readonly vm: ViewModel;
  readonly width: number;
}

const STATUS_COLOR: Record<string, string> = { healthy: 'green', degraded: 'yellow', unhealthy: 'red', stopping: 'yellow', starting: 'yellow' };

/** Three lines: who and where, the counters, the throughput sparkline. */
export function Header({ vm, width }: HeaderProps) {
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color="cyan">
          {vm.nodeId}
        </Text>
        {'  '}
        {vm.ilpAddress}
        {'  up '}
        {duration(vm.uptimeSec)}
        {'  '}
        <Text color={STATUS_COLOR[vm.status]}>{vm.status}</Text>
        {vm.feesEarned !== 0n ? `  fees earned ${compact(vm.feesEarned)}` : ''}
      </Text>
      <Text wrap="truncate">
        {'in '}
        <Text bold>{compact(vm.rates.inPerSec)}/s</Text>
        {'  out '}
        <Text bold>{compact(vm.rates.outPerSec)}/s</Text>
        {'  in flight '}
        <Text bold>{grouped(vm.inFlight)}</Text>
        {'  fulfilled '}
        <Text color="green">{grouped(vm.totals.fulfilled)}</Text>
        {'  rejected '}
        <Text color={vm.totals.rejected > 0 ? 'red' : undefined}>{grouped(vm.totals.rejected)}</Text>
        {vm.totals.late > 0 ? `  late ${grouped(vm.totals.late)}` : ''}
      </Text>
      <Sparkline values={vm.throughput} width={width} />
    </Box>
  );
}
