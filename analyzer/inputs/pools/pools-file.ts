/**
 * The pools file (`--pools FILE`): YAML naming each pool, its services and what its servers can
 * take, validated by the zod schema below, which also yields the published JSON schema
 * (analyzer/pools.schema.json, for editors). Every problem names the file, the line and the key,
 * as the exporter's config file does: yaml keeps each node's source range, and zod's issue paths
 * lead back to the node. A pool with a problem is reported and left out; the others are read.
 *
 *   pools:
 *     mysql:
 *       services: [tcp:172.16.1.18:3306]
 *       response_bytes_per_conn: 180000
 *       servers:
 *         - address: 172.16.1.7
 *           capacity: { relative: 2, workers: 300 }
 */
import {
  type Document,
  isMap,
  isNode,
  isScalar,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
} from 'yaml';
import { z } from 'zod';
import type { ServiceKey } from '../../../common/ipvs/vocabulary.js';
import { type IpAddr, parseEndpoint, parseIp } from '../../../common/net/ip.js';
import type { ParseIssue, Parsed } from '../../../common/parse/issue.js';
import { printable } from '../../../common/parse/printable.js';
import { MAX_YAML_FLOW_DEPTH, yamlTooDeep } from '../../../common/parse/yaml-depth.js';
import type { Pool, PoolServer } from './model.js';
import { parseServiceSpec, SERVICE_SPEC_FORMS, SERVICE_SPEC_PATTERN, serviceSpec } from './service-spec.js';
import { editDistance } from '../../../common/parse/edit-distance.js';

/**
 * Pool names: letters, digits, `.`, `_`, `-`. No `:`, so a name never reads as a service
 * (`tcp:...`) or as the address name other sources give a pool (`192.0.2.1:80`).
 */
export const POOL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const positive = (what: string) =>
  z.number({ error: `expected ${what} (a number)` }).positive({ error: `${what} must be more than 0` });

const serviceSchema = z
  .string({ error: `expected a service: ${SERVICE_SPEC_FORMS}` })
  .regex(SERVICE_SPEC_PATTERN, { error: `expected a service: ${SERVICE_SPEC_FORMS}` })
  .transform((text, ctx): ServiceKey => {
    const parsed = parseServiceSpec(text);
    if (typeof parsed !== 'string') return parsed;
    ctx.addIssue({ code: 'custom', message: parsed, input: text });
    return z.NEVER;
  })
  .meta({ description: `A virtual service: ${SERVICE_SPEC_FORMS}.` });

const addressSchema = z
  .string({ error: 'expected an address: IP, IP:PORT or [IPv6]:PORT' })
  .transform((text, ctx): { addr: IpAddr; port?: number } => {
    const bare = parseIp(text);
    if (bare) return { addr: bare };
    const parsed = parseEndpoint(text, true);
    if (typeof parsed !== 'string')
      return parsed.hasPort ? { addr: parsed.addr, port: parsed.port } : { addr: parsed.addr };
    ctx.addIssue({ code: 'custom', message: parsed, input: text });
    return z.NEVER;
  })
  .meta({
    description:
      'The real server: IP (matched on any port), IP:PORT, or [IPv6]:PORT (a bare IPv6 address is matched on any port too).',
  });

const capacitySchema = z
  .strictObject({
    relative: positive('a relative capacity')
      .optional()
      .meta({ description: "Its size relative to the pool's other servers: 2 is twice a server given 1." }),
    conns_per_second: positive('connections per second')
      .optional()
      .meta({ description: 'New connections per second it sustains.' }),
    workers: positive('a number of workers')
      .int({ error: 'workers must be a whole number' })
      .optional()
      .meta({
        description:
          "Connections it serves at once: worker processes or threads, MySQL's max_connections, nginx's worker_connections.",
      }),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), {
    error: 'give at least one of relative, conns_per_second, workers',
  })
  .meta({ description: 'What the server can take, as far as it is known.', minProperties: 1 });

const serverSchema = z
  .strictObject({
    address: addressSchema,
    capacity: capacitySchema.optional(),
  })
  .meta({ description: 'One real server of the pool.' });

const bytes = (what: string) =>
  z
    .number({ error: `expected ${what} (a number of bytes)` })
    .nonnegative({ error: `${what} cannot be negative` })
    .optional();

const poolSchema = z
  .strictObject({
    description: z
      .string({ error: 'expected text' })
      .optional()
      .meta({ description: 'Free text, for people.' }),
    services: z
      .array(serviceSchema, {
        error: (issue) =>
          issue.input === undefined
            ? 'required: the services of the pool'
            : `expected a list of services (${SERVICE_SPEC_FORMS})`,
      })
      .min(1, { error: 'give at least one service' })
      .meta({ description: 'The IPVS virtual services of the pool.' }),
    servers: z
      .array(serverSchema, { error: 'expected a list of servers' })
      .optional()
      .meta({ description: 'Real servers and what they can take; servers not listed are still analysed.' }),
    response_bytes_per_conn: bytes('response_bytes_per_conn').meta({
      description:
        'Average bytes the servers send back per connection. DR and TUN directors never see them (the reply goes straight to the client), so this fills the gap.',
    }),
    request_bytes_per_conn: bytes('request_bytes_per_conn').meta({
      description:
        "Average bytes clients send per connection, when the recording's own figure should not be used.",
    }),
  })
  .meta({ description: 'One pool: what `lvs-analyze ... --pool NAME` selects.' });

const fileSchema = z.strictObject({
  pools: z
    .record(
      z.string().regex(POOL_NAME_PATTERN, {
        error: 'pool names are letters, digits, ".", "_" and "-", starting with a letter or digit',
      }),
      poolSchema,
      { error: 'expected a mapping from pool names to pools' },
    )
    .meta({ description: 'The pools, by name.' }),
});

/** The JSON schema (draft 2020-12) of the pools file, for editors (`# yaml-language-server: $schema=...`). */
export function poolsJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(fileSchema, { io: 'input' });
  return {
    $schema,
    title: 'lvscope pools',
    description:
      'YAML file given to lvs-analyze --pools: each pool names its IPVS virtual services and, optionally, what its real servers can take and how big its responses are.',
    ...rest,
  };
}

type Path = readonly PropertyKey[];

function fieldName(path: Path): string {
  let out = '';
  for (const part of path) {
    // An empty key (YAML `?` or `"": x`) is shown quoted, so the field is never blank.
    const name = part === '' ? '""' : String(part);
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? name : `.${name}`;
  }
  // Keys come from the file: escaped and bounded (issue 12 §3).
  return printable(out === '' ? '(top level)' : out, 128);
}

const KNOWN_KEYS = [
  'pools',
  'description',
  'services',
  'servers',
  'response_bytes_per_conn',
  'request_bytes_per_conn',
  'address',
  'capacity',
  'relative',
  'conns_per_second',
  'workers',
];

function suggestion(key: string): string {
  let best: { name: string; distance: number } | undefined;
  for (const name of KNOWN_KEYS) {
    const distance = editDistance(key, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 4))
    ? ` (did you mean "${best.name}"?)`
    : '';
}

/** Source positions of a parsed document: the node at a path, and the key node of a mapping entry. */
class Positions {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  line(node: YamlNode | null | undefined): number {
    return node?.range ? this.lines.linePos(node.range[0]).line : 0;
  }

  /** The node on the path; for a missing key, the key of the mapping it is missing from. */
  valueLine(path: Path): number {
    const node = this.doc.getIn(path, true);
    if (isNode(node)) return this.line(node);
    for (let n = path.length - 1; n >= 1; n--) {
      if (isNode(this.doc.getIn(path.slice(0, n), true)))
        return this.keyLine(path.slice(0, n - 1), String(path[n - 1]));
    }
    return this.line(this.doc.contents);
  }

  keyLine(path: Path, key: string): number {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (isMap(map)) {
      const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      if (pair && isNode(pair.key)) return this.line(pair.key);
    }
    return this.valueLine(path);
  }
}

function zodIssues(error: z.ZodError, base: Path, file: string, at: Positions): ParseIssue[] {
  const issues: ParseIssue[] = [];
  for (const issue of error.issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({
          file,
          line: at.keyLine(path, key),
          field: fieldName([...path, key]),
          message: `unknown key${suggestion(key)}`,
        });
      }
    } else if (issue.code === 'invalid_key') {
      const key = String(path[path.length - 1]);
      const inner = issue.issues[0]?.message ?? issue.message;
      issues.push({ file, line: at.keyLine(path.slice(0, -1), key), field: fieldName(path), message: inner });
    } else {
      issues.push({ file, line: at.valueLine(path), field: fieldName(path), message: issue.message });
    }
  }
  return issues;
}

/** The file with each pool left unparsed (pools are parsed one by one, for per-pool issues). */
const topSchema = fileSchema.extend({
  pools: z.record(z.string(), z.unknown(), { error: 'expected a mapping from pool names to pools' }),
});

/**
 * Parses a pools file; `file` names it in issues and origins. Returns the pools without problems
 * (in file order) and a problem for every key at fault.
 */
export function parsePoolsFile(text: string, file: string): Parsed<Pool[]> {
  const deep = yamlTooDeep(text);
  if (deep !== undefined) {
    const message = `collections nested deeper than ${MAX_YAML_FLOW_DEPTH} levels`;
    return { value: [], issues: [{ file, line: deep, field: 'yaml', message }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = new Positions(doc, lineCounter);
  if (doc.errors.length > 0) {
    return {
      value: [],
      issues: doc.errors.map((error) => ({
        file,
        line: lineCounter.linePos(error.pos[0]).line,
        field: 'yaml',
        message: printable(error.message.split('\n')[0] ?? '', 256),
      })),
    };
  }
  if (!isMap(doc.contents)) {
    const line = at.line(doc.contents);
    return {
      value: [],
      issues: [{ file, line, field: 'pools', message: 'the file must be a mapping with a "pools" key' }],
    };
  }
  const top = topSchema.safeParse(doc.toJS());
  const issues: ParseIssue[] = top.success ? [] : zodIssues(top.error, [], file, at);
  const pools: Pool[] = [];
  for (const [name, raw] of Object.entries(top.data?.pools ?? {})) {
    const path = ['pools', name];
    const origin = `${file}:${at.keyLine(['pools'], name)}`;
    if (!POOL_NAME_PATTERN.test(name)) {
      issues.push({
        file,
        line: at.keyLine(['pools'], name),
        field: fieldName(path),
        message: 'pool names are letters, digits, ".", "_" and "-", starting with a letter or digit',
      });
      continue;
    }
    const parsed = poolSchema.safeParse(raw);
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, path, file, at));
      continue;
    }
    const { services, servers, response_bytes_per_conn, request_bytes_per_conn } = parsed.data;
    const problems: ParseIssue[] = [];
    const seenServices = new Map<string, number>();
    services.forEach((service, i) => {
      const spec = serviceSpec(service);
      const first = seenServices.get(spec);
      if (first !== undefined) {
        problems.push({
          file,
          line: at.valueLine([...path, 'services', i]),
          field: fieldName([...path, 'services', i]),
          message: `${spec} is listed twice (also services[${first}])`,
        });
      } else seenServices.set(spec, i);
    });
    const poolServers: PoolServer[] = [];
    const seenServers = new Map<string, number>();
    (servers ?? []).forEach((server, i) => {
      const id = `${server.address.addr.text} ${server.address.port ?? '*'}`;
      const first = seenServers.get(id);
      const itemPath = [...path, 'servers', i];
      if (first !== undefined) {
        problems.push({
          file,
          line: at.valueLine([...itemPath, 'address']),
          field: fieldName([...itemPath, 'address']),
          message: `the same server as servers[${first}]`,
        });
        return;
      }
      seenServers.set(id, i);
      poolServers.push({
        ...server.address,
        ...(server.capacity ? { capacity: capacityOf(server.capacity) } : {}),
        origin: `${file}:${at.valueLine(itemPath)}`,
      });
    });
    if (problems.length > 0) {
      issues.push(...problems);
      continue;
    }
    pools.push({
      name,
      aliases: [],
      services,
      origin,
      origins: [origin],
      sources: ['pools-file'],
      ...(servers ? { servers: poolServers } : {}),
      ...(response_bytes_per_conn !== undefined ? { responseBytesPerConn: response_bytes_per_conn } : {}),
      ...(request_bytes_per_conn !== undefined ? { requestBytesPerConn: request_bytes_per_conn } : {}),
    });
  }
  issues.sort((a, b) => a.line - b.line);
  return { value: pools, issues };
}

function capacityOf(c: { relative?: number; conns_per_second?: number; workers?: number }) {
  return {
    ...(c.relative !== undefined ? { relative: c.relative } : {}),
    ...(c.conns_per_second !== undefined ? { connsPerSecond: c.conns_per_second } : {}),
    ...(c.workers !== undefined ? { workers: c.workers } : {}),
  };
}
