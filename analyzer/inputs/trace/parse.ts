import { type Endpoint, parseEndpoint } from '../../../common/net/ip.js';
import { FieldError, parseIpvsadm } from '../ipvsadm/parse-command.js';
import { parseSysctl } from './sysctl.js';
import { tokenize } from '../ipvsadm/tokenize.js';
import type { EventKind, TraceEvent, TraceItem } from './types.js';
import { quoted } from '../../../common/parse/printable.js';

const TIME = /^\d+(\.\d+)?$/;
const TCP_EVENTS: ReadonlySet<string> = new Set(['syn', 'est', 'fin', 'rst']);

/** Parsed endpoints by text: traces repeat the same clients and VIPs on many lines. */
const endpointCache = new Map<string, Endpoint>();
const ENDPOINT_CACHE_LIMIT = 1 << 16;

function endpointField(field: string, text: string | undefined): Endpoint {
  if (text === undefined) throw new FieldError(field, 'missing (expected ip:port or [ipv6]:port)');
  const cached = endpointCache.get(text);
  if (cached) return cached;
  const parsed = parseEndpoint(text);
  if (typeof parsed === 'string') throw new FieldError(field, parsed);
  const ep = { addr: parsed.addr, port: parsed.port };
  if (endpointCache.size >= ENDPOINT_CACHE_LIMIT) endpointCache.clear();
  endpointCache.set(text, ep);
  return ep;
}

function parseEvent(words: readonly string[]): TraceEvent {
  const kind = words[0] as EventKind;
  let rest = words.slice(1);
  if (kind !== 'udp') {
    const proto = rest[0];
    if (proto !== 'tcp') {
      throw new FieldError(
        'protocol',
        `${quoted(proto ?? '')}: ${kind} events are TCP; write "${kind} tcp CLIENT VIP"`,
      );
    }
    rest = rest.slice(1);
  }
  const client = endpointField('client', rest[0]);
  const target = endpointField('virtual address', rest[1]);
  if (client.addr.family !== target.addr.family) {
    throw new FieldError('virtual address', 'client and virtual address are of different address families');
  }
  let fwmark = 0;
  for (const extra of rest.slice(2)) {
    const m = /^fwmark=(\d+)$/.exec(extra);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 0xffffffff) {
      throw new FieldError(
        'fwmark',
        `${quoted(extra)}: unexpected word (only fwmark=N, N from 1 to 4294967295, may follow an event)`,
      );
    }
    fwmark = Number(m[1]);
  }
  return { kind, proto: kind === 'udp' ? 'udp' : 'tcp', client, target, fwmark };
}

export interface ParsedLine {
  /** null when the line time was omitted (ipvsadm and sysctl lines only). */
  readonly timeMs: number | null;
  readonly item: TraceItem;
}

/**
 * Parses one trace line: `[TIME] [ipvsadm] ARGS…`, `[TIME] sysctl [-w] KEY=VALUE…` or
 * `TIME EVENT …`. Returns null for blank and comment lines; throws FieldError naming the field
 * at fault.
 */
export function parseTraceLine(text: string): ParsedLine | null {
  let words: string[];
  try {
    words = tokenize(text);
  } catch (e) {
    throw new FieldError('line', (e as Error).message);
  }
  if (words.length === 0) return null;
  let timeMs: number | null = null;
  if (TIME.test(words[0] ?? '')) {
    timeMs = Number(words[0]);
    // Past 2^53 ms (285,000 years) times lose their order and a 400-digit one is Infinity.
    if (timeMs > Number.MAX_SAFE_INTEGER)
      throw new FieldError('time', `${quoted(words[0] ?? '')} is beyond ${Number.MAX_SAFE_INTEGER} ms`);
    words = words.slice(1);
  } else if (/^[-+]?[\d.]/.test(words[0] ?? '')) {
    throw new FieldError('time', `${quoted(words[0] ?? '')} is not a non-negative time in ms`);
  }
  const head = words[0];
  if (head === undefined) throw new FieldError('line', 'a time with nothing after it');
  if (head === 'ipvsadm' || head.endsWith('/ipvsadm') || head.startsWith('-')) {
    const args = head.startsWith('-') ? words : words.slice(1);
    return { timeMs, item: { type: 'ipvsadm', command: parseIpvsadm(args) } };
  }
  if (head === 'sysctl' || head.endsWith('/sysctl')) {
    return { timeMs, item: { type: 'sysctl', settings: parseSysctl(words.slice(1)) } };
  }
  if (TCP_EVENTS.has(head) || head === 'udp') {
    if (timeMs === null) throw new FieldError('time', `the ${head} event has no time`);
    return { timeMs, item: { type: 'event', event: parseEvent(words) } };
  }
  throw new FieldError(
    'event',
    `${quoted(head)}: expected an ipvsadm or sysctl command, or one of the events syn, est, fin, rst, udp`,
  );
}
