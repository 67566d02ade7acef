import { Text } from 'ink';

export interface PaneTitleProps {
  readonly title: string;
  /** shown after the title, e.g. counts, the filter, PAUSED */
  readonly detail?: string;
  readonly focused: boolean;
  readonly width: number;
}

/** `▸ packets  412 · filter g.hub.bob ─────────`; the focused pane's title is marked and bold. */
export function PaneTitle({ title, detail, focused, width }: PaneTitleProps) {
  const head = `${focused ? '▸' : ' '} ${title}`;
  const tail = detail ? `  ${detail} ` : ' ';
  const rule = '─'.repeat(Math.max(0, width - head.length - tail.length));
  return (
    <Text wrap="truncate">
      <Text bold={focused} color={focused ? 'cyan' : undefined}>
        {head}
      </Text>
      <Text dimColor={!focused}>{tail}</Text>
      <Text dimColor>{rule}</Text>
    </Text>
  );
}
