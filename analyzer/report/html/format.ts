/** Figures for people, as the text report writes them (same rounding in both reports). */
import type { Gain } from '../../recommend/types.js';
import { delayText } from '../recommend-text.js';
import { num, percent } from '../table.js';

export { delayText, num, percent };

/** `12 s`; `–` when the model cannot say. */
export function seconds(s: number | null | undefined): string {
  return s === null || s === undefined ? '–' : `${num(s)} s`;
}

/** RFC 3339 without milliseconds. */
export function when(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function gainValue(g: Gain, v: Gain['baseline']): string {
  if (v === null) return '–';
  if (v === 'overloaded') return 'overloaded';
  switch (g.unit) {
    case 'ms':
      return delayText(v);
    case 's':
      return seconds(v);
    case 'ratio':
      return g.figure.startsWith('peak utilisation') ? percent(v) : num(v);
    case 'index':
      return v.toFixed(3);
  }
}

/** `78 % better`, `12 % worse`, `–`. */
export function improvementText(improvement: number | null): string {
  if (improvement === null) return '–';
  if (improvement === 0) return 'no change';
  return `${percent(Math.abs(improvement))} ${improvement > 0 ? 'better' : 'worse'}`;
}
