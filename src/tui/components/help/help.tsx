import { Box, Text } from 'ink';

export interface HelpProps {
  readonly width: number;
  readonly height: number;
}

// Every line fits in 80 columns.
const KEYS: readonly (readonly [string, string])[] = [
  ['q, Ctrl-C', 'quit: the node stops gracefully (packets in flight finish)'],
  ['p, space', 'pause or resume the packet list (the counters go on)'],
  ['tab, shift-tab', 'move the focus: peers, routes, approvals, packets, settlements'],
  ['↑ ↓, PgUp PgDn', 'scroll the focused pane (g newest, G oldest)'],
  ['/', 'filter packets by destination prefix (esc clears it)'],
  ['?, esc', 'show or hide this help'],
];

const NOTES: readonly string[] = [
  'dir: in = to our agent, out = from our agent, fwd = between two peers',
  'bar: left = we owe the peer (full at its settle threshold),',
  '     right = it owes us (full at its credit limit); red = due or near it',
  'codes: F final · T temporary (may work later) · R relative (amount, expiry)',
  'routes: static (config, runtime) or ccp (learned); age: since its speaker',
  '        last announced it; path: the connectors it passes, nearest first',
];

/** The key list and what the columns mean; it replaces the panes while open. */
export function Help({ width, height }: HelpProps) {
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color="cyan">
        {'▸ help'}
      </Text>
      {KEYS.map(([k, what]) => (
        <Text key={k} wrap="truncate">
          <Text bold>{`  ${k.padEnd(16)}`}</Text>
          {what}
        </Text>
      ))}
      <Text> </Text>
      {NOTES.map((n) => (
        <Text key={n} dimColor wrap="truncate">{`  ${n}`}</Text>
      ))}
    </Box>
  );
}
