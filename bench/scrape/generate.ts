/**
 * Writes a big synthetic director in the exact kernel and ipvsadm text formats: N services × M real
 * servers in /proc/net/ip_vs (hex, as ip_vs_info_seq_show prints), ip_vs_stats(_percpu), a
 * /proc/net/ip_vs_conn of any length (streamed to disk), and the four ipvsadm listings the
 * exporter asks for, named the way test/exporter/ipvsadm-replay.sh looks them up. Seeded, so
 * every run benchmarks the same tree.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: small, fast, seeded. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (value: number, width: number) => value.toString(16).toUpperCase().padStart(width, '0');
const dotted = (value: number) =>
  `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;

export interface Director {
  readonly services: number;
  readonly destinationsPerService: number;
}

interface Destination {
  readonly address: number;
  readonly weight: number;
  readonly active: number;
  readonly inactive: number;
  readonly conns: number;
}

interface Service {
  readonly address: number;
  readonly port: number;
  readonly destinations: Destination[];
}

function build({ services, destinationsPerService }: Director): Service[] {
  const next = random(42);
  const base = 0x0a000000; // 10.0.0.0/8 VIPs, 172.16.0.0/12 real servers
  return Array.from({ length: services }, (_, s) => ({
    address: (base + s) >>> 0,
    port: 80 + (s % 3) * 363,
    destinations: Array.from({ length: destinationsPerService }, (_, d) => ({
      address: (0xac100000 + ((s * destinationsPerService + d) % 0xfffff)) >>> 0,
      weight: 1 + Math.floor(next() * 100),
      active: Math.floor(next() * 2000),
      inactive: Math.floor(next() * 200),
      conns: Math.floor(next() * 1e7),
    })),
  }));
}

function procIpVs(services: readonly Service[]): string {
  const lines = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
  ];
  for (const service of services) {
    lines.push(`TCP  ${hex(service.address, 8)}:${hex(service.port, 4)} wrr  `);
    for (const d of service.destinations) {
      const cols = [String(d.weight).padEnd(6), String(d.active).padEnd(10), String(d.inactive).padEnd(10)];
      lines.push(`  -> ${hex(d.address, 8)}:${hex(service.port, 4)}      Route   ${cols.join(' ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

function ipvsadmListing(
  services: readonly Service[],
  header: string,
  service: (s: Service) => string,
  dest: (d: Destination, s: Service) => string,
): string {
  const lines = ['IP Virtual Server version 1.2.1 (size=4096)', header, '  -> RemoteAddress:Port'];
  for (const s of services) {
    lines.push(service(s));
    for (const d of s.destinations) lines.push(dest(d, s));
  }
  return lines.join('\n') + '\n';
}

const col = (value: number, width = 9) => String(value).padStart(width);

function writeIpvsadm(dir: string, services: readonly Service[]): void {
  mkdirSync(dir, { recursive: true });
  const name = (s: Service) => `${dotted(s.address)}:${s.port}`;
  const five = (n: number) => `${col(n, 8)} ${col(n * 7)} ${col(n * 5)} ${col(n * 420)} ${col(n * 510)}`;
  writeFileSync(
    join(dir, 'ipvsadm-Ln--stats--exact--nosort.txt'),
    ipvsadmListing(
      services,
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes',
      (s) => `TCP  ${name(s).padEnd(33)}${five(s.destinations.reduce((sum, d) => sum + d.conns, 0))}`,
      (d, s) => `  -> ${`${dotted(d.address)}:${s.port}`.padEnd(29)}${five(d.conns)}`,
    ),
  );
  writeFileSync(
    join(dir, 'ipvsadm-Ln--rate--exact--nosort.txt'),
    ipvsadmListing(
      services,
      'Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS',
      (s) => `TCP  ${name(s).padEnd(33)}${five(s.destinations.length)}`,
      (d, s) => `  -> ${`${dotted(d.address)}:${s.port}`.padEnd(29)}${five(1)}`,
    ),
  );
  writeFileSync(
    join(dir, 'ipvsadm-Ln--thresholds--nosort.txt'),
    ipvsadmListing(
      services,
      'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ',
      (s) => `TCP  ${name(s)} wrr`,
      (d, s) =>
        `  -> ${`${dotted(d.address)}:${s.port}`.padEnd(30)}0          0          ${String(d.active).padEnd(10)} ${d.inactive}`,
    ),
  );
  writeFileSync(
    join(dir, 'ipvsadm-Ln--persistent-conn--nosort.txt'),
    ipvsadmListing(
      services,
      'Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn ',
      (s) => `TCP  ${name(s)} wrr`,
      (d, s) =>
        `  -> ${`${dotted(d.address)}:${s.port}`.padEnd(30)}${String(d.weight).padEnd(9)} 0           ${String(d.active).padEnd(10)} ${d.inactive}`,
    ),
  );
}

const STATES = [
  'ESTABLISHED',
  'ESTABLISHED',
  'TIME_WAIT',
  'TIME_WAIT',
  'TIME_WAIT',
  'FIN_WAIT',
  'SYN_RECV',
  'CLOSE',
];

/** Streams `lines` connection entries (1 in 50 a persistence template) to disk. */
async function writeConn(path: string, services: readonly Service[], lines: number): Promise<void> {
  const next = random(7);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const flush = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  let buffer = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n';
  for (let i = 0; i < lines; i++) {
    const service = services[Math.floor(next() * services.length)]!;
    const destination = service.destinations[Math.floor(next() * service.destinations.length)]!;
    const client = (0xcb000000 + Math.floor(next() * 50_000)) >>> 0;
    const template = i % 50 === 0;
    const state = template ? 'ASSURED' : STATES[Math.floor(next() * STATES.length)]!;
    const cport = template ? 0 : 1024 + Math.floor(next() * 60_000);
    buffer += `TCP ${hex(client, 8)} ${hex(cport, 4)} ${hex(service.address, 8)} ${hex(service.port, 4)} ${hex(destination.address, 8)} ${hex(service.port, 4)} ${state.padEnd(11)} ${String(Math.floor(next() * 900)).padStart(7)}\n`;
    if (buffer.length > 1 << 20) {
      await flush(buffer);
      buffer = '';
    }
  }
  await flush(buffer);
  out.end();
  await once(out, 'finish');
}

/** Writes the tree under `dir` (dir/net/..., dir/ipvsadm/...). */
export async function writeDirector(dir: string, director: Director, connLines: number): Promise<void> {
  const services = build(director);
  mkdirSync(join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'net/ip_vs'), procIpVs(services));
  const stats = ['1B3E4F00', 'AA19C2A1', '7704D5E2', '2512834AF8', '2B4A4C33D1'];
  writeFileSync(
    join(dir, 'net/ip_vs_stats'),
    `   Total Incoming Outgoing         Incoming         Outgoing\n   Conns  Packets  Packets            Bytes            Bytes\n${stats.map((v) => v.padStart(8)).join(' ')}\n\n Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s\n     3E8     1F40     1770           2DC6C0           3567E0\n`,
  );
  writeFileSync(
    join(dir, 'net/ip_vs_stats_percpu'),
    `       Total Incoming Outgoing         Incoming         Outgoing\nCPU    Conns  Packets  Packets            Bytes            Bytes\n${[
      0, 1, 2, 3,
    ]
      .map((cpu) => `${String(cpu).padStart(3)} ${stats.map((v) => v.padStart(8)).join(' ')}`)
      .join(
        '\n',
      )}\n  ~ ${stats.join(' ')}\n\n     Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s\n         3E8     1F40     1770           2DC6C0           3567E0\n`,
  );
  writeIpvsadm(join(dir, 'ipvsadm'), services);
  await writeConn(join(dir, 'net/ip_vs_conn'), services, connLines);
}
