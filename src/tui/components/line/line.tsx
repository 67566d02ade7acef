import { createContext, useContext } from 'react';
import { Transform } from 'ink';
import { fitLine, render, type Segment } from './segments.js';

/** Whether lines carry colour codes (the terminal's answer, decided once at mount). */
export const ColorsContext = createContext(false);

const blanks = new Map<number, string>();
function blank(width: number): string {
  let b = blanks.get(width);
  if (b === undefined) {
    b = ' '.repeat(width);
    blanks.set(width, b);
  }
  return b;
}

export interface LineProps {
  readonly segments: readonly Segment[];
  /** cells; the line is cut or padded to exactly this */
  readonly width: number;
}

/**
 * One screen line of exactly `width` cells. Ink lays out a constant blank of that width and the
 * real text replaces it when the frame is written: Ink 6 keeps every distinct string it ever measured
 * in a cache with no eviction (vadimdemedes/ink#986), and a packet stream is nothing but distinct
 * strings. Layout and width are ours to get right, which `fitLine` does.
 */
export function Line({ segments, width }: LineProps) {
  const colors = useContext(ColorsContext);
  const w = Math.max(1, width);
  const text = render(fitLine(segments, w), colors);
  return <Transform transform={() => text}>{blank(w)}</Transform>;
}
