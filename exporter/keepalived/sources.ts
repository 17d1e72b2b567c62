import { stat } from 'node:fs/promises';
import path from 'node:path';
import { canonicalIp } from '../../common/net/ip.js';
import { formatIssue, type ParseIssue } from '../../common/parse/issue.js';
import { runProgram } from '../../common/io/run-program.js';
import { ReadGate } from '../../common/io/regular-file.js';
import { type DaemonDraft, type SnapshotDraft, daemonDraft } from '../core/draft.js';
import type { Source, SourceOutcome } from '../core/source.js';
import type { DaemonConfig, KeepalivedConfig } from './daemon-config.js';
import { DEFAULT_FILES, DumpRequester, readSettled, type DumpKind } from './dump-files.js';
import type { DumpSignals } from './signal.js';
import type { FifoReader } from './fifo-reader.js';
import type { DumpState, VipPresence } from '../../common/keepalived/model.js';
import { hostFiles } from '../../common/keepalived/conf-files.js';
import { parseCheckData } from '../../common/keepalived/parse-check-data.js';
import { type ConfigVip, expandConfig, vipsFromConfig } from '../../common/keepalived/parse-conf.js';
import { parseDataDump } from '../../common/keepalived/parse-data.js';
import { parseIpAddrJson } from '../../common/keepalived/parse-ip-addr.js';
import { parseJsonDump } from '../../common/keepalived/parse-json.js';
import { parseStatsDump } from '../../common/keepalived/parse-stats.js';

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function outcome(issues: readonly ParseIssue[], up = true, error?: string): SourceOutcome {
  const first = error ?? (issues[0] ? formatIssue(issues[0]) : undefined);
  return first === undefined
    ? { up, parseErrors: issues.length }
    : { up, parseErrors: issues.length, error: first };
}

/**
 * Where one dump file comes from: signalled (pid file set: request the dump, wait for a fresh
 * file) or read as written by someone else (a sidecar, tests, another container's shared dir).
 */
export interface DumpAccess {
  read(
    kind: DumpKind,
    file: string,
    json: boolean,
  ): Promise<{ text: string; mtimeMs: number; signalSeconds?: number }>;
  /** Where the file is, for the age of a stale dump after a failed read. */
  locate(file: string): Promise<string | undefined>;
}

function signalledAccess(requester: DumpRequester, timeoutMs: number): DumpAccess {
  let last: { root: string; dir: string } | undefined;
  // keepalived names files relative to its TMPDIR; an absolute name is a path in its mount namespace.
  const target = (where: { root: string; dir: string }, file: string) =>
    where.root + (path.isAbsolute(file) ? file : path.join(where.dir, file));
  return {
    async read(kind, file, json) {
      const sent = await requester.request(kind);
      last = sent;
      const read = await readSettled(target(sent, file), sent.sentAtMs + timeoutMs, {
        notBeforeMs: sent.sentAtMs,
        json,
      });
      return { ...read, signalSeconds: (Date.now() - sent.sentAtMs) / 1000 };
    },
    locate(file) {
      return Promise.resolve(last && target(last, file));
    },
  };
}

function fileAccess(timeoutMs: number): DumpAccess {
  return {
    read: (_kind, file, json) => readSettled(file, Date.now() + timeoutMs, { json }),
    locate: (file) => Promise.resolve(file),
  };
}

async function staleState<T>(access: DumpAccess, file: string, error: unknown): Promise<DumpState<T>> {
  const where = await access.locate(file);
  let mtimeMs: number | undefined;
  if (where) {
    try {
      mtimeMs = (await stat(where)).mtimeMs;
    } catch {
      mtimeMs = undefined;
    }
  }
  return { mtimeMs, error: message(error) };
}

interface DumpSourceSpec<T> {
  readonly kind: DumpKind;
  readonly json: boolean;
  parse(text: string, file: string): { value: T; issues: readonly ParseIssue[] };
  store(slot: DaemonDraft, state: DumpState<T>): void;
}

/**
 * One keepalived dump file as a Source: JSON dump, text data, text stats or checker data. One
 * read at a time (ReadGate): a dump path that never answers holds at most one libuv thread.
 */
class DumpSource<T> implements Source {
  private readonly gate = new ReadGate();
  constructor(
    readonly name: string,
    private readonly daemon: string,
    private readonly file: string,
    private readonly access: DumpAccess,
    private readonly spec: DumpSourceSpec<T>,
    private readonly format?: 'json' | 'text',
  ) {}

  async collect(draft: SnapshotDraft, signal: AbortSignal): Promise<SourceOutcome> {
    const slot = daemonDraft(draft, this.daemon);
    if (this.format) slot.vrrpFormat = this.format;
    let read: Awaited<ReturnType<DumpAccess['read']>>;
    try {
      read = await this.gate.run(
        this.file,
        () => this.access.read(this.spec.kind, this.file, this.spec.json),
        signal,
      );
    } catch (error) {
      const state = await staleState<T>(this.access, this.file, error);
      this.spec.store(slot, state);
      return outcome([], false, state.error);
    }
    const parsed = this.spec.parse(read.text, this.file);
    this.spec.store(slot, { value: parsed.value, mtimeMs: read.mtimeMs });
    if (read.signalSeconds !== undefined && this.spec.kind !== 'STATS') {
      slot.signalSeconds = Math.max(slot.signalSeconds ?? 0, read.signalSeconds);
    }
    return outcome(parsed.issues);
  }
}

const jsonSpec: DumpSourceSpec<ReturnType<typeof parseJsonDump>['value']> = {
  kind: 'JSON',
  json: true,
  parse: parseJsonDump,
  store: (slot, state) => (slot.json = state),
};
const dataSpec: DumpSourceSpec<ReturnType<typeof parseDataDump>['value']> = {
  kind: 'DATA',
  json: false,
  parse: parseDataDump,
  store: (slot, state) => (slot.data = state),
};
const statsSpec: DumpSourceSpec<ReturnType<typeof parseStatsDump>['value']> = {
  kind: 'STATS',
  json: false,
  parse: parseStatsDump,
  store: (slot, state) => (slot.stats = state),
};
const checkSpec: DumpSourceSpec<ReturnType<typeof parseCheckData>['value']> = {
  kind: 'DATA',
  json: false,
  parse: parseCheckData,
  store: (slot, state) => (slot.checker = state),
};

/**
 * The notify FIFO as a Source: the reader runs continuously; a collection takes its state, and
 * the lines it could not parse since the previous collection (the self module adds those up).
 */
export class FifoSource implements Source {
  readonly name: string;
  private unparsedReported = 0;
  constructor(
    private readonly daemon: string,
    readonly reader: FifoReader,
  ) {
    this.name = `keepalived_fifo:${daemon}`;
  }

  async collect(draft: SnapshotDraft): Promise<SourceOutcome> {
    await this.reader.check();
    daemonDraft(draft, this.daemon).fifo = this.reader.snapshot();
    const parseErrors = this.reader.unparsedLines - this.unparsedReported;
    this.unparsedReported = this.reader.unparsedLines;
    if (!this.reader.isOpen)
      return { up: false, parseErrors, error: this.reader.lastError ?? `${this.reader.path} not open` };
    return { up: true, parseErrors };
  }
}

interface WantedVip {
  readonly address: string;
  readonly dev: string;
  readonly iname: string;
  readonly vrid?: number;
  readonly excluded: boolean;
}

/** `10.0.0.1` or `10.0.0.1@eth0` (a prefix length is accepted and ignored). */
function parseVipFlag(entry: string): WantedVip | undefined {
  const [addr = '', dev = ''] = entry.trim().split('@');
  const address = canonicalIp(addr.split('/')[0] ?? '');
  return address === undefined ? undefined : { address, dev, iname: '', excluded: false };
}

/** `ip -j addr show` lists every address with its interface; a busy host stays far below this. */
const MAX_IP_OUTPUT_BYTES = 16 << 20;

function runIp(binary: string, netns: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const args = [...(netns ? ['-n', netns] : []), '-j', 'addr', 'show'];
  return runProgram(binary, args, {
    timeoutMs,
    maxOutputBytes: MAX_IP_OUTPUT_BYTES,
    signal,
    notFoundHint: '--keepalived.ip-binary',
    encoding: 'utf8',
  });
}

/**
 * VIP presence, independent of keepalived: which configured VIPs (keepalived.conf and/or the
 * vips flag) are on this host's interfaces (`ip -j addr`, optionally in another netns).
 */
class VipSource implements Source {
  readonly name: string;
  constructor(
    private readonly daemon: DaemonConfig,
    private readonly ipBinary: string,
    private readonly timeoutMs: number,
  ) {
    this.name = `keepalived_vips:${daemon.name}`;
  }

  private wanted(issues: ParseIssue[]): WantedVip[] {
    const wanted: WantedVip[] = [];
    if (this.daemon.config !== '') {
      const expanded = expandConfig(this.daemon.config, hostFiles, this.daemon.configId);
      const found = vipsFromConfig(expanded.lines);
      issues.push(...expanded.issues, ...found.issues);
      wanted.push(...found.vips.map((v: ConfigVip) => ({ ...v })));
    }
    for (const entry of this.daemon.vips) {
      const vip = parseVipFlag(entry);
      if (vip) wanted.push(vip);
      else
        issues.push({
          file: '--keepalived.vips',
          line: 0,
          field: entry.slice(0, 64),
          message: 'not ADDR or ADDR@IFACE',
        });
    }
    // One series per address and owner: the same VIP listed twice is checked once.
    const seen = new Set<string>();
    return wanted.filter((v) => {
      const key = `${v.address} ${v.iname}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  async collect(draft: SnapshotDraft, signal: AbortSignal): Promise<SourceOutcome> {
    const issues: ParseIssue[] = [];
    const wanted = this.wanted(issues);
    const slot = daemonDraft(draft, this.daemon.name);
    let text: string;
    try {
      text = await runIp(this.ipBinary, this.daemon.netns, this.timeoutMs, signal);
    } catch (error) {
      return outcome(issues, false, message(error));
    }
    const host = parseIpAddrJson(text, 'ip -j addr');
    issues.push(...host.issues);
    // Output with nothing usable in it (not JSON, `[null]`): every host lists at least `lo`, so
    // this is a broken ip, not a host without VIPs; reporting each VIP absent would fake a failover.
    if (host.value.length === 0 && host.issues.length > 0) return outcome(issues, false);
    const where = new Map<string, string>();
    for (const a of host.value) if (!where.has(a.address)) where.set(a.address, a.intf);
    slot.vips = wanted.map((v): VipPresence => {
      const intf = where.get(v.address);
      return {
        address: v.address,
        intf: intf ?? v.dev,
        present: intf !== undefined,
        iname: v.iname,
        vrid: v.vrid,
        excluded: v.excluded,
      };
    });
    return outcome(issues);
  }
}

/** Builds every Source for one daemon; the FIFO readers are returned so the module can stop them. */
export function daemonSources(
  daemon: DaemonConfig,
  config: KeepalivedConfig & { signals(): DumpSignals },
  makeFifoReader: (path: string) => FifoReader,
): Source[] {
  const sources: Source[] = [];
  const timeout = config.signalTimeoutMs;
  const id = (kind: string) => `keepalived_${kind}:${daemon.name}`;
  if (daemon.pidFile !== '') {
    const signals = config.signals();
    const requester = new DumpRequester({
      pidFile: daemon.pidFile,
      dumpDir: daemon.dumpDir,
      signals,
      procfs: config.procfs,
    });
    const access = signalledAccess(requester, timeout);
    const file = (given: string, fallback: string) => given || fallback;
    const json = daemon.dumpFormat === 'json' || (daemon.dumpFormat === 'auto' && signals.JSON !== undefined);
    if (json) {
      sources.push(
        new DumpSource(
          id('json'),
          daemon.name,
          file(daemon.jsonFile, DEFAULT_FILES.json),
          access,
          jsonSpec,
          'json',
        ),
      );
    } else {
      sources.push(
        new DumpSource(
          id('data'),
          daemon.name,
          file(daemon.dataFile, DEFAULT_FILES.data),
          access,
          dataSpec,
          'text',
        ),
        new DumpSource(
          id('stats'),
          daemon.name,
          file(daemon.statsFile, DEFAULT_FILES.stats),
          access,
          statsSpec,
          'text',
        ),
      );
    }
    if (daemon.checker || daemon.checkDataFile !== '') {
      sources.push(
        new DumpSource(
          id('check_data'),
          daemon.name,
          file(daemon.checkDataFile, DEFAULT_FILES.checkData),
          access,
          checkSpec,
        ),
      );
    }
  } else {
    const access = fileAccess(timeout);
    if (daemon.jsonFile !== '')
      sources.push(new DumpSource(id('json'), daemon.name, daemon.jsonFile, access, jsonSpec, 'json'));
    if (daemon.dataFile !== '' || daemon.statsFile !== '') {
      if (daemon.jsonFile !== '')
        throw new Error(
          `keepalived daemon "${daemon.name}": give either a JSON dump or text dumps, not both`,
        );
      if (daemon.dataFile === '' || daemon.statsFile === '') {
        throw new Error(
          `keepalived daemon "${daemon.name}": text dumps need both --keepalived.data-file and --keepalived.stats-file`,
        );
      }
      sources.push(new DumpSource(id('data'), daemon.name, daemon.dataFile, access, dataSpec, 'text'));
      sources.push(new DumpSource(id('stats'), daemon.name, daemon.statsFile, access, statsSpec, 'text'));
    }
    if (daemon.checkDataFile !== '')
      sources.push(new DumpSource(id('check_data'), daemon.name, daemon.checkDataFile, access, checkSpec));
  }
  if (daemon.notifyFifo !== '') sources.push(new FifoSource(daemon.name, makeFifoReader(daemon.notifyFifo)));
  if (daemon.config !== '' || daemon.vips.length > 0)
    sources.push(new VipSource(daemon, config.ipBinary, timeout));
  return sources;
}
