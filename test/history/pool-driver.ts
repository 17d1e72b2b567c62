/**
 * A changing MySQL pool for the history readers' tests: a procfs tree (copied from
 * fixtures/procfs/mysql) and ipvsadm recordings (for test/exporter/ipvsadm-replay.sh) rewritten at
 * each step, atomically (write to a temp name, then rename), as the real ones would look while the
 * pool runs. Every figure is a function of the step, so a test can tell from any value which
 * step(s) could have produced it:
 *   - counters grow every step and are zeroed at RESET_STEP (ipvsadm -Z), then grow again;
 *   - 172.16.1.7's weight goes 1 → 3 at WEIGHT_STEP;
 *   - 172.16.1.99 is a real server from APPEAR_STEP until DISAPPEAR_STEP (not included);
 *   - connection counts and rates change every step.
 * The connection table (net/ip_vs_conn) and the global stats stay as captured.
 */
import { cpSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROCFS, ROOT } from '../exporter/helpers.js';

export const VIP = '172.16.1.18';
export const PORT = 3306;
export const WEIGHT_STEP = 3;
export const APPEAR_STEP = 5;
export const DISAPPEAR_STEP = 9;
export const RESET_STEP = 11;
/** lb1's keepalived goes BACKUP at this step, lb2's MASTER one step later (its master-down wait). */
export const RELEASE_STEP = 7;
export const TAKEOVER_STEP = 8;
export const DIRECTORS = ['lb1', 'lb2'] as const;

export interface RealServer {
  readonly addr: string;
  readonly weight: number;
  readonly active: number;
  readonly inactive: number;
  readonly persistent: number;
  readonly upper: number;
  readonly lower: number;
  readonly conns: number;
  readonly inPackets: number;
  readonly inBytes: number;
  readonly cps: number;
  readonly inPps: number;
  readonly inBps: number;
}

/** A counter: `base + perStep·n`, zeroed at RESET_STEP. */
const counter = (n: number, base: number, perStep: number): number =>
  n < RESET_STEP ? base + perStep * n : perStep * (n - RESET_STEP);

/** The pool's real servers at step `n`, in kernel order (the newest first, as /proc lists them). */
export function realServers(n: number): RealServer[] {
  const servers: RealServer[] = [];
  if (n >= APPEAR_STEP && n < DISAPPEAR_STEP)
    servers.push({
      addr: '172.16.1.99',
      weight: 2,
      active: n - APPEAR_STEP,
      inactive: 0,
      persistent: 0,
      upper: 100,
      lower: 10,
      conns: 3 * (n - APPEAR_STEP + 1),
      inPackets: 12 * (n - APPEAR_STEP + 1),
      inBytes: 500 * (n - APPEAR_STEP + 1),
      cps: 1,
      inPps: 4,
      inBps: 170,
    });
  servers.push(
    {
      addr: '172.16.1.51',
      weight: 1,
      active: 6 + (n % 3),
      inactive: 17 + n,
      persistent: 4,
      upper: 0,
      lower: 0,
      conns: counter(n, 23, 10),
      inPackets: counter(n, 80, 40),
      inBytes: counter(n, 3292, 1700),
      cps: 1 + (n % 5),
      inPps: 5 + (n % 5),
      inBps: 222 + n,
    },
    {
      addr: '172.16.1.7',
      weight: n >= WEIGHT_STEP ? 3 : 1,
      active: 6 + (n % 4),
      inactive: 16 + 2 * n,
      persistent: 4,
      upper: 0,
      lower: 0,
      conns: counter(n, 22, 7),
      inPackets: counter(n, 75, 30),
      inBytes: counter(n, 3088, 1300),
      cps: 2 + (n % 5),
      inPps: 5 + (n % 3),
      inBps: 208 + 2 * n,
    },
  );
  return servers;
}

/** The service's figures at step `n`: the sums of its real servers, as ipvsadm prints them. */
export function serviceTotals(
  n: number,
): Pick<RealServer, 'conns' | 'inPackets' | 'inBytes' | 'cps' | 'inPps' | 'inBps'> {
  const sum = (key: keyof RealServer) => realServers(n).reduce((total, rs) => total + (rs[key] as number), 0);
  return {
    conns: sum('conns'),
    inPackets: sum('inPackets'),
    inBytes: sum('inBytes'),
    cps: sum('cps'),
    inPps: sum('inPps'),
    inBps: sum('inBps'),
  };
}

const hex = (addr: string, width = 8) =>
  addr
    .split('.')
    .map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, '0'))
    .join('')
    .padStart(width, '0');
const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
const col = (value: string | number, width: number) => String(value).padStart(width);
const left = (value: string, width: number) => value.padEnd(width);

function procIpVs(n: number): string {
  return [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
    `TCP  ${hex(VIP)}:${hexPort(PORT)} wrr  persistent 5000 FFFFFFFF`,
    ...realServers(n).map(
      (rs) =>
        `  -> ${hex(rs.addr)}:${hexPort(PORT)}      Route   ${left(String(rs.weight), 6)} ${left(String(rs.active), 10)} ${left(String(rs.inactive), 10)}`,
    ),
    '',
  ].join('\n');
}

function ipvsadmCounters(n: number, rates: boolean): string {
  const service = serviceTotals(n);
  const row = (name: string, c: number, p: number, b: number) =>
    `${left(name, 33)}${col(c, 8)} ${col(p, 8)} ${col(0, 8)} ${col(b, 8)} ${col(0, 8)}`;
  return [
    'IP Virtual Server version 1.2.1 (size=4096)',
    rates
      ? 'Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS'
      : 'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
    '  -> RemoteAddress:Port',
    rates
      ? row(`TCP  ${VIP}:${PORT}`, service.cps, service.inPps, service.inBps)
      : row(`TCP  ${VIP}:${PORT}`, service.conns, service.inPackets, service.inBytes),
    ...realServers(n).map((rs) =>
      rates
        ? row(`  -> ${rs.addr}:${PORT}`, rs.cps, rs.inPps, rs.inBps)
        : row(`  -> ${rs.addr}:${PORT}`, rs.conns, rs.inPackets, rs.inBytes),
    ),
    '',
  ].join('\n');
}

function ipvsadmTable(n: number, kind: 'thresholds' | 'persistent'): string {
  return [
    'IP Virtual Server version 1.2.1 (size=4096)',
    kind === 'thresholds'
      ? 'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn '
      : 'Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn ',
    '  -> RemoteAddress:Port',
    `TCP  ${VIP}:${PORT} wrr persistent 20`,
    ...realServers(n).map(
      (rs) =>
        `  -> ${left(`${rs.addr}:${PORT}`, 30)}` +
        (kind === 'thresholds'
          ? `${left(String(rs.upper), 11)}${left(String(rs.lower), 11)}`
          : `${left(String(rs.weight), 10)}${left(String(rs.persistent), 12)}`) +
        `${left(String(rs.active), 11)}${left(String(rs.inactive), 10)}`,
    ),
    '',
  ].join('\n');
}

/** keepalived's VRRP state of VI_1 (the instance carrying the pool's VIP) on `director` at step `n`. */
export function vrrpState(director: (typeof DIRECTORS)[number], n: number): 1 | 2 {
  return director === 'lb1' ? (n < RELEASE_STEP ? 2 : 1) : n < TAKEOVER_STEP ? 1 : 2;
}

/**
 * keepalived 2.2.7's JSON dump (fixtures/keepalived/2.2.7-vrrp) reduced to VI_1 with the pool's
 * VIP, in `state` (the password of the capture is replaced).
 */
function keepalivedJson(state: number): string {
  const dump = JSON.parse(
    readFileSync(join(ROOT, 'fixtures/keepalived/2.2.7-vrrp/steady-a-master.json'), 'utf8'),
  ) as { data: Record<string, unknown>; stats: unknown }[];
  const vi1 = dump.find((entry) => entry.data.iname === 'VI_1');
  if (!vi1) throw new Error('VI_1 not in the keepalived fixture');
  return JSON.stringify([
    {
      ...vi1,
      data: {
        ...vi1.data,
        state,
        wantstate: state,
        vips: [`${VIP} dev eth0 scope global`],
        evips: [],
        auth_data: 'history',
      },
    },
  ]);
}

/** Writes `text` to `file` atomically: a reader sees the old file or the new one, never half. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

export class PoolDriver {
  readonly procfs: string;
  readonly ipvsadm: string;
  /** When each step's files were all in place (epoch ms), by step. */
  readonly steps: number[] = [];

  constructor(readonly dir: string) {
    this.procfs = join(dir, 'procfs');
    this.ipvsadm = join(dir, 'ipvsadm');
    mkdirSync(this.ipvsadm, { recursive: true });
    cpSync(join(PROCFS, 'mysql/net'), join(this.procfs, 'net'), { recursive: true });
    for (const name of ['ipvsadm-Ln--nosort.txt', 'ipvsadm-L--timeout.txt'])
      cpSync(join(PROCFS, 'mysql/ipvsadm', name), join(this.ipvsadm, name));
    this.write(0);
  }

  /** The keepalived JSON dump of `director` (`--keepalived.json-file`). */
  keepalivedFile(director: string): string {
    return join(this.dir, `keepalived-${director}.json`);
  }

  get step(): number {
    return this.steps.length - 1;
  }

  /** Writes step `n` (the next one) and records when it was in place. */
  write(n: number): void {
    if (n !== this.steps.length) throw new Error(`step ${n} written out of order`);
    replace(join(this.ipvsadm, 'ipvsadm-Ln--stats--exact--nosort.txt'), ipvsadmCounters(n, false));
    replace(join(this.ipvsadm, 'ipvsadm-Ln--rate--exact--nosort.txt'), ipvsadmCounters(n, true));
    replace(join(this.ipvsadm, 'ipvsadm-Ln--thresholds--nosort.txt'), ipvsadmTable(n, 'thresholds'));
    replace(join(this.ipvsadm, 'ipvsadm-Ln--persistent-conn--nosort.txt'), ipvsadmTable(n, 'persistent'));
    replace(join(this.procfs, 'net/ip_vs'), procIpVs(n));
    for (const director of DIRECTORS) {
      const state = vrrpState(director, n);
      if (n === 0 || state !== vrrpState(director, n - 1))
        replace(this.keepalivedFile(director), keepalivedJson(state));
    }
    this.steps.push(Date.now());
  }

  /**
   * The steps whose files a collection that started at `t` may have read: in place at some time
   * in [t - before, t + after] (a collection reads its files over a few hundred ms after it starts).
   */
  stepsAt(t: number, before = 200, after = 900): number[] {
    const found: number[] = [];
    this.steps.forEach((from, n) => {
      const until = this.steps[n + 1] ?? Infinity;
      if (from <= t + after && until > t - before) found.push(n);
    });
    return found;
  }
}
