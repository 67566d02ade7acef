import { Text } from 'ink';
import { balanceBar } from './bar.js';

export interface BalanceBarProps {
  readonly balance: string;
  readonly settleThreshold?: string;
  readonly creditLimit?: string;
  /** total width in cells, the middle mark included */
  readonly width: number;
}

/** `····███│██······`: we owe it (scaled to the settle threshold) │ it owes us (scaled to its credit limit). */
export function BalanceBar({ balance, settleThreshold, creditLimit, width }: BalanceBarProps) {
  const half = Math.max(1, Math.floor((width - 1) / 2));
  const p = balanceBar(balance, settleThreshold, creditLimit, half);
  const extra = width - 1 - half * 2;
  return (
    <Text>
      <Text dimColor>{'·'.repeat(p.leftEmpty + extra)}</Text>
      <Text color={p.settleDue ? 'red' : 'yellow'}>{'█'.repeat(p.leftFill)}</Text>
      <Text dimColor>│</Text>
      <Text color={p.nearLimit ? 'red' : 'green'}>{'█'.repeat(p.rightFill)}</Text>
      <Text dimColor>{'·'.repeat(p.rightEmpty)}</Text>
    </Text>
  );
}
