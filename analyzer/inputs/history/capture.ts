/**
 * A pool's history from capture directories (`--capture DIR`, once per director of a pair):
 * streamed record by record (common/capture/reader.ts), so a day-long capture costs the memory
 * of the pool's observations, not of the capture.
 */
import { readCapture } from '../../../common/capture/reader.js';
import { formatIssue } from '../../../common/parse/issue.js';
import { SnapshotHistoryBuilder } from './from-snapshots.js';
import type { History, HistoryQuery } from './model.js';

/** At most this many damaged-record notes per capture; the rest are counted in one more. */
const MAX_ISSUE_NOTES = 20;

export async function readCaptureHistory(dirs: readonly string[], query: HistoryQuery): Promise<History> {
  const builder = new SnapshotHistoryBuilder(`capture ${dirs.join(', ')}`, query.services);
  for (const dir of dirs) {
    let issues = 0;
    let records = 0;
    const options = {
      ...(query.start !== undefined && { startMs: query.start }),
      ...(query.end !== undefined && { endMs: query.end }),
      onIssue: (issue: Parameters<typeof formatIssue>[0]) => {
        if (++issues <= MAX_ISSUE_NOTES) builder.note({ kind: 'missing', message: formatIssue(issue) });
      },
    };
    for await (const { header, snapshot } of readCapture(dir, options)) {
      if (query.directors?.length && !query.directors.includes(header.host)) continue;
      builder.add(snapshot, header.host);
      records++;
    }
    if (issues > MAX_ISSUE_NOTES) {
      builder.note({ kind: 'missing', message: `${dir}: ${issues - MAX_ISSUE_NOTES} more damaged records` });
    }
    builder.note({ kind: 'source', message: `${dir}: ${records} records` });
  }
  return builder.build();
}
