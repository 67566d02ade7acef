import { Text } from 'ink';

export interface FooterProps {
  /** the filter being typed, when the prompt is open */
  readonly draft?: string;
  readonly filter: string;
  readonly paused: boolean;
  readonly stopping: boolean;
  readonly width: number;
}

const KEYS = 'q quit · p pause · tab focus · ↑↓ scroll · / filter · ? help';

/** One line: the filter prompt while typing, else the state (stopping, paused, filter) and the keys. */
export function Footer({ draft, filter, paused, stopping, width }: FooterProps) {
  if (draft !== undefined) {
    return (
      <Text wrap="truncate">
        <Text color="cyan">filter destination prefix: </Text>
        {draft}
        <Text inverse> </Text>
        <Text dimColor>{'  enter apply · esc cancel'}</Text>
      </Text>
    );
  }
  return (
    <Text wrap="truncate">
      {stopping ? <Text color="yellow">{'stopping: packets in flight finish… '}</Text> : null}
      {paused ? <Text inverse color="yellow">{' PAUSED '}</Text> : null}
      {paused ? ' ' : null}
      {filter ? <Text color="cyan">{`filter ${filter} `}</Text> : null}
      <Text dimColor>{KEYS.slice(0, Math.max(0, width))}</Text>
    </Text>
  );
}
