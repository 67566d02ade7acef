import { Box } from 'ink';
import type { RouteView } from '../../store/view-model.js';
import { Line } from '../line/line.js';
import { PaneTitle } from '../pane-title/pane-title.js';
import { routeSegments } from './route-row.js';

export interface RoutesPaneProps {
  readonly routes: readonly Readonly<RouteView>[];
  readonly focused: boolean;
  readonly width: number;
  /** lines below the title */
  readonly rows: number;
  /** first route shown */
  readonly scroll: number;
}

/** Static and CCP-learned routes: prefix, next hop, source, age, path. */
export function RoutesPane({ routes, focused, width, rows, scroll }: RoutesPaneProps) {
  const learned = routes.filter((r) => r.source === 'ccp').length;
  const start = Math.max(0, Math.min(scroll, routes.length - rows));
  const shown = routes.slice(start, start + rows);
  const more = routes.length > rows ? ` · ${start + 1}-${start + shown.length} of ${routes.length}` : '';
  return (
    <Box flexDirection="column" width={width} height={rows + 1}>
      <PaneTitle title="routes" detail={`${routes.length - learned} static · ${learned} ccp${more} · prefix, next hop, source, age, path`} focused={focused} width={width} />
      {shown.map((r, i) => (
        <Line key={i} segments={routeSegments(r, width)} width={width} />
      ))}
    </Box>
  );
}
