/** Cost figures for people: bits/s, packets/s, bytes and headroom in the units an SRE reads them in. */

function scaled(value: number, units: readonly string[], step: number): string {
  let v = value;
  let i = 0;
  while (Math.abs(v) >= step && i < units.length - 1) {
    v /= step;
    i++;
  }
  const digits = Math.abs(v) >= 100 || i === 0 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** `350 Mb/s`, `1.20 Gb/s`; `?` for unknown. */
export function bitsText(bps: number | null): string {
  return bps === null ? '?' : scaled(bps, ['b/s', 'kb/s', 'Mb/s', 'Gb/s', 'Tb/s'], 1000);
}

/** `56.0 k`, `1.21 M` packets per second. */
export function ppsText(pps: number | null): string {
  return pps === null ? '?' : scaled(pps, ['', 'k', 'M', 'G'], 1000).trimEnd();
}

/** `4.0 MiB`. */
export function bytesText(bytes: number): string {
  return scaled(bytes, ['B', 'KiB', 'MiB', 'GiB', 'TiB'], 1024);
}

/** `2.0×`, `28×`, `1,437×`. */
export function formatHeadroom(h: number): string {
  return h >= 100 ? `${Math.round(h).toLocaleString('en-US')}×` : `${h.toFixed(h >= 10 ? 0 : 1)}×`;
}

/** Cores to two significant digits: `0.0072`, `0.54`, `3.1`. */
export function coresText(cores: number | null): string {
  if (cores === null) return '?';
  if (cores === 0) return '0';
  return cores >= 10 ? cores.toFixed(0) : cores.toPrecision(2);
}
