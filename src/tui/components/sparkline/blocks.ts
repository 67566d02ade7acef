const LEVELS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` samples as block characters, scaled to the largest of them (zero is the lowest
 * block, so an idle node draws a flat line rather than nothing).
 */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0 || values.length === 0) return '';
  const shown = values.length > width ? values.slice(values.length - width) : values;
  let max = 0;
  for (const v of shown) if (v > max) max = v;
  let out = '';
  for (const v of shown) {
    const level = max <= 0 || v <= 0 ? 0 : Math.min(LEVELS.length - 1, Math.ceil((v / max) * LEVELS.length) - 1);
    out += LEVELS[level];
  }
  return out;
}
