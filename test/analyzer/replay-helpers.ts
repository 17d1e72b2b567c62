import { Readable } from 'node:stream';
import type { DirectorSettings } from '../../analyzer/kernel/director.js';
import { DEFAULT_SETTINGS } from '../../analyzer/kernel/director.js';
import type { ConnectionRow } from '../../analyzer/replay/trace-replay.js';
import { Replay } from '../../analyzer/replay/trace-replay.js';
import { readTrace } from '../../analyzer/inputs/trace/read.js';
import { formatIssue } from '../../common/parse/issue.js';

export interface Replayed {
  readonly rows: ConnectionRow[];
  readonly replay: Replay;
}

/** Replays trace text through the same reader and replay the CLI uses; parse errors throw. */
export async function replayText(text: string, settings: Partial<DirectorSettings> = {}): Promise<Replayed> {
  const replay = new Replay({ ...DEFAULT_SETTINGS, ...settings });
  const rows: ConnectionRow[] = [];
  for await (const batch of readTrace(Readable.from([text]), 'test.trace')) {
    for (const record of batch) {
      if (!record.ok) throw new Error(formatIssue(record.error));
      const row = replay.feed(record.line);
      if (row !== null) rows.push(row);
    }
  }
  return { rows, replay };
}

/** The real servers of the rows, with the common prefix "10.0.0." cut for readability. */
export function servers(rows: readonly ConnectionRow[]): string[] {
  return rows.map((r) => r.realServer.replace(/^10\.0\.0\./, ''));
}

/** Counters of one dest (by label) of the first service with that label. */
export function destCounters(replay: Replay, service: string, server: string) {
  const svc = replay.counters().find((s) => s.service === service);
  return svc?.destinations.find((d) => d.realServer === server);
}
