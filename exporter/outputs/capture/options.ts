/** The capture recorder's settings (`--capture.*`) and their validation. */
import { type Options, option, MAX_TIMER_SECONDS } from '../../core/options.js';

export const CAPTURE_DIR = option({
  name: 'capture.dir',
  kind: 'string',
  default: '',
  description: 'append every collection to a capture in this directory, for lvs-analyze (empty: off)',
});

const CAPTURE_INTERVAL = option({
  name: 'capture.interval',
  kind: 'number',
  max: MAX_TIMER_SECONDS,
  default: 15,
  description:
    'seconds between collections the recorder asks for itself, so a capture grows without scrapes (0: record only the collections scrapes and pushes make)',
});

const CAPTURE_SEGMENT_SIZE = option({
  name: 'capture.segment-size',
  kind: 'string',
  default: '64MiB',
  description: 'start a new segment when the current one holds this much (B, KiB, MiB, GiB)',
});

const CAPTURE_SEGMENT_AGE = option({
  name: 'capture.segment-age',
  kind: 'number',
  max: MAX_TIMER_SECONDS,
  default: 3600,
  description: 'start a new segment after this many seconds',
});

const CAPTURE_RETENTION = option({
  name: 'capture.retention',
  kind: 'string',
  default: '1GiB',
  description: 'keep the capture directory under this size in all, deleting the oldest segments',
});

export const captureOptions = [
  CAPTURE_DIR,
  CAPTURE_INTERVAL,
  CAPTURE_SEGMENT_SIZE,
  CAPTURE_SEGMENT_AGE,
  CAPTURE_RETENTION,
];

const UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1 << 10,
  MiB: 1 << 20,
  GiB: 1 << 30,
  TiB: 2 ** 40,
};

/** `64MiB` → 67108864; the flag's name in the error. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB)?$/.exec(text.trim());
  const bytes = match ? Number(match[1]) * (UNITS[match[2] ?? 'B'] ?? 1) : NaN;
  if (!(bytes >= 1)) throw new Error(`--${flag} wants a size such as 64MiB or 2GiB, got "${text}"`);
  return Math.floor(bytes);
}

export interface CaptureConfig {
  readonly dir: string;
  readonly intervalMs: number;
  readonly segmentBytes: number;
  readonly segmentAgeMs: number;
  readonly retentionBytes: number;
}

/** The resolved settings, or undefined when no directory is set. Throws on a bad value. */
export function captureConfig(options: Options): CaptureConfig | undefined {
  const dir = options.get(CAPTURE_DIR);
  if (dir === '') return undefined;
  const interval = options.get(CAPTURE_INTERVAL);
  const age = options.get(CAPTURE_SEGMENT_AGE);
  if (!(interval >= 0)) throw new Error(`--capture.interval must be >= 0, got ${interval}`);
  if (!(age > 0)) throw new Error(`--capture.segment-age must be positive, got ${age}`);
  const segmentBytes = parseByteSize(options.get(CAPTURE_SEGMENT_SIZE), CAPTURE_SEGMENT_SIZE.name);
  const retentionBytes = parseByteSize(options.get(CAPTURE_RETENTION), CAPTURE_RETENTION.name);
  if (retentionBytes < segmentBytes) {
    throw new Error(
      `--capture.retention (${retentionBytes} B) must be at least --capture.segment-size (${segmentBytes} B)`,
    );
  }
  return { dir, intervalMs: interval * 1000, segmentBytes, segmentAgeMs: age * 1000, retentionBytes };
}
