import { duration } from '../../format.js';
import type { RouteView } from '../../store/view-model.js';
import { SPACE, col, type Segment } from '../line/segments.js';

/** Column widths of the routes pane at a given total width (the path takes what is left). */
export function routeColumns(width: number) {
  const wide = width >= 100;
  const fixed = { hop: wide ? 16 : 11, source: 6, age: 7 };
  const rest = width - fixed.hop - fixed.source - fixed.age - 4;
  const prefix = Math.max(10, Math.floor(rest * (wide ? 0.4 : 0.45)));
  return { ...fixed, prefix, path: Math.max(0, rest - prefix) };
}

/** `g.b.c › g.d` (nearest first); `-` for a static route. */
export function pathText(path: readonly string[]): string {
  return path.length === 0 ? '-' : path.join(' › ');
}

/** prefix, next hop (marked when it is down), source, age (learned only), path. */
export function routeSegments(r: Readonly<RouteView>, width: number): Segment[] {
  const c = routeColumns(width);
  const hop = r.up ? r.nextHop : `${r.nextHop} down`;
  return [
    col(r.prefix, c.prefix),
    SPACE,
    col(hop, c.hop, { color: r.up ? undefined : 'red' }),
    SPACE,
    col(r.source, c.source, { color: r.source === 'ccp' ? 'cyan' : undefined, dim: r.source === 'static' }),
    SPACE,
    col(r.ageSec === undefined ? '-' : duration(r.ageSec), c.age, { align: 'right', dim: true }),
    SPACE,
    col(pathText(r.path), c.path, { dim: true }),
  ];
}
