/** Plain-text tables for the terminal reports: columns padded to their widest cell. */

export type Align = 'left' | 'right';

export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        (align[i] ?? 'left') === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A number for people: 3 significant digits, thousands kept whole. */
export function num(value: number | undefined, unit = ''): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const text = Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : abs >= 1000
      ? Math.round(value).toLocaleString('en-US')
      : abs >= 100
        ? value.toFixed(0)
        : abs >= 10
          ? value.toFixed(1)
          : abs >= 1
            ? value.toFixed(2)
            : value.toPrecision(2);
  return unit ? `${text} ${unit}` : text;
}

export function percent(share: number | undefined): string {
  return share === undefined ? '–' : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
}

/** `2.1 [1.8–2.4]` for an estimate with its 95 % interval. */
export function estimate(
  e: { value: number; ci95?: readonly [number, number] } | undefined,
  unit = '',
): string {
  if (!e) return '–';
  const ci = e.ci95 ? ` [${num(e.ci95[0])}–${num(e.ci95[1])}]` : '';
  return `${num(e.value)}${ci}${unit ? ` ${unit}` : ''}`;
}
