/**
 * A pool's history from capture directories (`--capture DIR`, once per director of a pair):
 * streamed record by record (common/capture/reader.ts), and only the pool's services of each
 * record are decoded, so a day-long capture of a big director costs the memory and time of the
 * pool, not of the director.
 */
import type { JsonValue } from '../../../common/capture/format.js';
import { readCapture } from '../../../common/capture/reader.js';
import { type ServiceKey, serviceId } from '../../../common/ipvs/vocabulary.js';
import { parseIp } from '../../../common/net/ip.js';
import { formatIssue } from '../../../common/parse/issue.js';
import { SnapshotHistoryBuilder } from './from-snapshots.js';
import type { History, HistoryQuery } from './model.js';

/** At most this many damaged-record notes per capture; the rest are counted in one more. */
const MAX_ISSUE_NOTES = 20;

type Plain = { readonly [key: string]: JsonValue };
const isPlain = (value: JsonValue | undefined): value is Plain =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The service identity of a plain (undecoded) service key, as serviceId() of the decoded one. */
function plainServiceId(value: JsonValue | undefined): string | undefined {
  if (!isPlain(value)) return undefined;
  if (value.kind === 'fwmark' && typeof value.mark === 'number') {
    return serviceId({ kind: 'fwmark', mark: value.mark, family: value.family === 6 ? 6 : 4 });
  }
  const addr = typeof value.addr === 'string' ? parseIp(value.addr) : undefined;
  if (value.kind !== 'addr' || !addr || typeof value.port !== 'number') return undefined;
  if (value.proto !== 'tcp' && value.proto !== 'udp' && value.proto !== 'sctp') return undefined;
  return serviceId({ kind: 'addr', proto: value.proto, addr, port: value.port });
}

/** A selector keeping, of each record, only what concerns the pool's services. */
function poolSelector(services: readonly ServiceKey[]): (tree: JsonValue) => JsonValue {
  const wanted = new Set(services.map(serviceId));
  const virtuals = new Set(services.flatMap((k) => (k.kind === 'addr' ? [`${k.addr.text} ${k.port}`] : [])));
  const ids = new Map<JsonValue, string | undefined>();
  const idOf = (value: JsonValue | undefined) => {
    if (value === undefined) return undefined;
    if (!ids.has(value)) ids.set(value, plainServiceId(value));
    return ids.get(value);
  };
  const keep = (list: JsonValue | undefined, service: (item: Plain) => JsonValue | undefined) =>
    Array.isArray(list)
      ? list.filter((item) => isPlain(item) && wanted.has(idOf(service(item)) ?? ''))
      : list;
  const listing = (value: JsonValue | undefined) =>
    isPlain(value) ? { ...value, services: keep(value.services, (s) => s) ?? [] } : value;
  return (tree) => {
    ids.clear();
    if (!isPlain(tree) || !isPlain(tree.ipvs)) return tree;
    const ipvs = tree.ipvs;
    const out: Record<string, JsonValue | undefined> = { ...ipvs };
    if (isPlain(ipvs.table))
      out.table = { ...ipvs.table, services: keep(ipvs.table.services, (s) => s) ?? [] };
    for (const key of ['ipvsadmStats', 'ipvsadmRates', 'ipvsadmThresholds', 'ipvsadmPersistentConns']) {
      if (ipvs[key] !== undefined) out[key] = listing(ipvs[key]);
    }
    if (isPlain(ipvs.conn)) {
      const target = (row: Plain) => (isPlain(row.target) ? row.target.service : undefined);
      out.conn = {
        ...ipvs.conn,
        byState: keep(ipvs.conn.byState, target) ?? [],
        templates: keep(ipvs.conn.templates, target) ?? [],
      };
    }
    if (isPlain(ipvs.connSample) && Array.isArray(ipvs.connSample.conns)) {
      out.connSample = {
        ...ipvs.connSample,
        conns: ipvs.connSample.conns.filter(
          (c) =>
            isPlain(c) &&
            typeof c.virtual === 'string' &&
            virtuals.has(`${c.virtual} ${Number(c.virtualPort)}`),
        ),
      };
    }
    return { ...tree, ipvs: out as JsonValue };
  };
}

export async function readCaptureHistory(dirs: readonly string[], query: HistoryQuery): Promise<History> {
  const builder = new SnapshotHistoryBuilder(`capture ${dirs.join(', ')}`, query.services);
  const select = poolSelector(query.services);
  for (const dir of dirs) {
    let issues = 0;
    let records = 0;
    const options = {
      ...(query.start !== undefined && { startMs: query.start }),
      ...(query.end !== undefined && { endMs: query.end }),
      select,
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
