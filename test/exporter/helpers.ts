/** What the exporter tests share: fixture paths, exposition parsing, and lvs-exporter on loopback. */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Running, start, waitFor } from '../support/process.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const EXPORTER = join(ROOT, 'dist/exporter/main.js');
export const PROCFS = join(ROOT, 'fixtures/procfs');
export const IPVSADM_FIXTURES = join(ROOT, 'fixtures/ipvsadm');
export const REPLAY = join(ROOT, 'test/exporter/ipvsadm-replay.sh');
export const T1 = join(PROCFS, 'kernel-6.1-t1');

/** Every procfs tree in fixtures/procfs (a folder with net/ip_vs). */
export function procfsTrees(): { name: string; dir: string }[] {
  return readdirSync(PROCFS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(PROCFS, entry.name, 'net/ip_vs')))
    .map((entry) => ({ name: entry.name, dir: join(PROCFS, entry.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function unescapeLabel(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses the Prometheus text format (samples only; HELP/TYPE in `meta`). Throws on bad lines. */
export function parseExposition(text: string): {
  samples: ParsedSample[];
  meta: Map<string, { help?: string; type?: string }>;
} {
  const samples: ParsedSample[] = [];
  const meta = new Map<string, { help?: string; type?: string }>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const entry = meta.get(comment[2]!) ?? {};
      if (comment[1] === 'HELP') entry.help = comment[3]!;
      else entry.type = comment[3]!;
      meta.set(comment[2]!, entry);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    const body = match[2] ?? '';
    let consumed = 0;
    for (let m = labelPattern.exec(body); m; m = labelPattern.exec(body)) {
      labels[m[1]!] = unescapeLabel(m[2]!);
      consumed = labelPattern.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`unparsable labels: ${line}`);
    const raw = match[3]!;
    const value =
      raw === 'Nan' || raw === 'NaN'
        ? NaN
        : raw === '+Inf'
          ? Infinity
          : raw === '-Inf'
            ? -Infinity
            : Number(raw);
    samples.push({ name: match[1]!, labels, value });
  }
  return { samples, meta };
}

/** `name{a="1",b="2"}` with labels sorted, to compare series regardless of label order. */
export function seriesKey(sample: ParsedSample): string {
  const labels = Object.entries(sample.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${sample.name}{${labels}}`;
}

export function byName(samples: readonly ParsedSample[], name: string): ParsedSample[] {
  return samples.filter((sample) => sample.name === name);
}

export function find(
  samples: readonly ParsedSample[],
  name: string,
  labels: Record<string, string>,
): ParsedSample | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** Starts lvs-exporter on 127.0.0.1 (a free port) and waits until it listens. */
export async function startExporter(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Running & { url: string }> {
  // A port of the test's own, or any free one (the flag may be given once: lvs-exporter refuses a repeat).
  const listen = args.some((a) => a.startsWith('--web.listen-address'))
    ? []
    : ['--web.listen-address=127.0.0.1:0'];
  const running = start(process.execPath, [EXPORTER, ...listen, ...args], env);
  const address = await waitFor('lvs-exporter to listen', 15_000, () => {
    if (running.child.exitCode !== null) throw new Error(`lvs-exporter exited: ${running.stderr()}`);
    return /msg=listening address=(\S+)/.exec(running.stderr())?.[1];
  });
  return { ...running, url: `http://${address}` };
}
