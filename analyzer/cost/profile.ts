/**
 * The cost model's constants (modes-and-capacity.md §3–§4), each with where its value comes from,
 * so every figure the model prints can be traced to a measurement, a source or an assumption.
 * One table drives the defaults, the profile file's keys and ranges, and the example file's test.
 */

/** A constant and its origin: a published source, our reading of the kernel, or an assumption. */
export interface Constant<T = number> {
  readonly value: T;
  readonly source: string;
}

export interface CostProfile {
  /** `built-in defaults`, or the profile file it was read from. */
  readonly origin: string;
  /** Director CPU time per forwarded packet (before the kernel and mode factors), µs. */
  readonly tPktMicroseconds: Constant;
  /** Director CPU time per connection: schedule, create and free the entry, µs. */
  readonly tConnMicroseconds: Constant;
  /** Kernel IPVS ÷ DPVS (DPDK) cost per packet and connection. */
  readonly kernelFactor: Constant;
  readonly modeFactorDr: Constant;
  readonly modeFactorTunIpip: Constant;
  readonly modeFactorTunGre: Constant;
  readonly modeFactorTunGue: Constant;
  readonly modeFactorNat: Constant;
  /** FULLNAT's forwarding cost over NAT (0.1 = 10 % more per packet and per connection). */
  readonly fullnatOverhead: Constant;
  /** Memory per connection-table entry (and per persistence template), bytes. */
  readonly bytesPerEntry: Constant;
  /** How long a finished connection stays in the table, when the recording does not show it, s. */
  readonly lingerSeconds: Constant;
  readonly lineRateGbps: Constant;
  /** Packets per second the NIC forwards each way. */
  readonly nicPpsLimit: Constant;
  /** Bytes each frame takes on the wire beyond its IP packet. */
  readonly ethernetOverheadBytes: Constant;
  /** Cores that process the service's packets (softirq of the NIC queues it hashes to). */
  readonly coresAvailable: Constant;
  /** Capacity ÷ peak load a mode must leave to be recommended. */
  readonly headroomTarget: Constant;
  /** Underlay MTU between the director and the real servers, bytes. */
  readonly mtu: Constant;
  readonly greChecksum: Constant<boolean>;
  readonly gueRemoteChecksum: Constant<boolean>;
  /** FULLNAT local addresses configured. */
  readonly lipCount: Constant;
  /** Source ports usable per local address and real server. */
  readonly usablePortsPerLip: Constant;
  /** Share of the director's bytes a mode change must save when the current mode already fits. */
  readonly switchSaving: Constant;
}

export type ConstantKey = Exclude<keyof CostProfile, 'origin'>;

interface SpecBase {
  /** Its key in a profile file. */
  readonly file: string;
  readonly source: string;
}

export interface NumberSpec extends SpecBase {
  readonly kind: 'number';
  readonly value: number;
  /** Human-readable expectation, used in errors: `a number of microseconds`. */
  readonly expected: string;
  readonly min: number;
  /** The minimum itself is not allowed (a cost of 0 means nothing). */
  readonly minExclusive: boolean;
  readonly max: number;
  readonly integer: boolean;
}

export interface BooleanSpec extends SpecBase {
  readonly kind: 'boolean';
  readonly value: boolean;
}

export type ConstantSpec = NumberSpec | BooleanSpec;

const DOC = 'docs/modes-and-capacity.md';
const DPVS = 'iqiyi/dpvs test/release/v1.9.2/performance.md';

const n = (
  file: string,
  value: number,
  expected: string,
  range: { min: number; max: number; minExclusive?: boolean; integer?: boolean },
  source: string,
): NumberSpec => ({
  kind: 'number',
  file,
  value,
  expected,
  min: range.min,
  max: range.max,
  minExclusive: range.minExclusive ?? false,
  integer: range.integer ?? false,
  source,
});

const factor = (file: string, value: number, mode: string): NumberSpec =>
  n(
    file,
    value,
    'a factor on t_pkt',
    { min: 0, max: 100, minExclusive: true },
    `[assumption] ${DOC} §4: ${mode} ${value} × DR's per-packet work`,
  );

/** The spec of each constant: a number or a yes/no, as the profile's field is (the compiler checks). */
type Specs = {
  readonly [K in ConstantKey]: CostProfile[K] extends Constant<boolean> ? BooleanSpec : NumberSpec;
};

export const CONSTANT_SPECS: Specs = {
  tPktMicroseconds: n(
    't_pkt_us',
    0.17,
    'a number of microseconds',
    { min: 0, max: 1000, minExclusive: true },
    `[src: ${DPVS}] UDP PPS test, ≈ 5.8 Mpps per worker core ⇒ 0.17 µs per packet (${DOC} §3.1)`,
  ),
  tConnMicroseconds: n(
    't_conn_us',
    2.9,
    'a number of microseconds',
    { min: 0, max: 100_000, minExclusive: true },
    `[src: ${DPVS}] CPS test, 200 k conn/s + 2.42 Mpps per worker ⇒ 2.9 µs per connection (${DOC} §3.1)`,
  ),
  kernelFactor: n(
    'kernel_factor',
    5,
    'a factor',
    { min: 0, max: 1000, minExclusive: true },
    `[assumption] ${DOC} §3.5/§4: kernel IPVS ≈ 5 × DPVS per packet until a measurement replaces it`,
  ),
  modeFactorDr: factor('mode_factor_dr', 1.0, 'DR'),
  modeFactorTunIpip: factor('mode_factor_tun_ipip', 1.1, 'TUN/IPIP'),
  modeFactorTunGre: factor('mode_factor_tun_gre', 1.1, 'TUN/GRE'),
  modeFactorTunGue: factor('mode_factor_tun_gue', 1.1, 'TUN/GUE'),
  modeFactorNat: factor('mode_factor_nat', 1.2, 'NAT'),
  fullnatOverhead: n(
    'fullnat_overhead',
    0.1,
    'a fraction (0.1 = 10 % more than NAT)',
    { min: 0, max: 10 },
    '[src: alibaba/LVS docs, design target "forwarding performance drops < 10 % against NAT"] (modes-and-capacity.md §1)',
  ),
  bytesPerEntry: n(
    'bytes_per_entry',
    320,
    'a whole number of bytes',
    { min: 32, max: 65_536, integer: true },
    '[code] Debian 12 6.1.0-57-amd64 ip_vs.ko: ip_vs_conn_init creates the "ip_vs_conn" cache with sizeof 288 B and SLAB_HWCACHE_ALIGN ⇒ 320 B objects (the Kconfig\'s "128 bytes" is decades old)',
  ),
  lingerSeconds: n(
    'linger_seconds',
    120,
    'a number of seconds',
    { min: 0, max: 86_400 },
    '[code] IPVS TCP timeouts: TIME_WAIT 120 s, FIN_WAIT 120 s after a normal close (schedulers.md §2.3); used only when the recording shows no inactive entries',
  ),
  lineRateGbps: n(
    'line_rate_gbps',
    10,
    'a number of Gb/s',
    { min: 0, max: 10_000, minExclusive: true },
    '[assumption] a 10 GbE director NIC; set yours',
  ),
  nicPpsLimit: n(
    'nic_pps_limit',
    14_880_952,
    'a number of packets per second',
    { min: 0, max: 1e12, minExclusive: true },
    '[src: IEEE 802.3 framing] 10 Gb/s ÷ ((64 + 20) B × 8) = 14.88 Mpps, line rate with minimum frames',
  ),
  ethernetOverheadBytes: n(
    'ethernet_overhead_bytes',
    38,
    'a whole number of bytes',
    { min: 0, max: 1000, integer: true },
    '[src: IEEE 802.3] preamble 8 + header 14 + FCS 4 + inter-frame gap 12 bytes per frame (+4 with a VLAN tag)',
  ),
  coresAvailable: n(
    'cores_available',
    1,
    'a number of cores',
    { min: 0, max: 4096, minExclusive: true },
    "[assumption] one core: IPVS runs in the softirq of the NIC queue a flow hashes to; set the director's RSS queue count",
  ),
  headroomTarget: n(
    'headroom_target',
    2,
    'a factor of at least 1',
    { min: 1, max: 1_000_000 },
    `[src: ${DOC} §4] "recommend the simplest mode whose headroom ≥ a target (e.g. 2×)"`,
  ),
  mtu: n(
    'mtu',
    1500,
    'a whole number of bytes',
    { min: 576, max: 65_535, integer: true },
    '[assumption] standard Ethernet underlay MTU',
  ),
  greChecksum: {
    kind: 'boolean',
    file: 'gre_checksum',
    value: false,
    source: '[code] ipvsadm --tun-csum off by default: GRE header 4 B (8 B with it)',
  },
  gueRemoteChecksum: {
    kind: 'boolean',
    file: 'gue_remote_checksum',
    value: false,
    source: '[code] ipvsadm --tun-remcsum off by default: UDP + GUE 12 B (20 B with it)',
  },
  lipCount: n(
    'lip_count',
    1,
    'a whole number of local addresses',
    { min: 1, max: 65_536, integer: true },
    '[assumption] one FULLNAT local address; set the number configured',
  ),
  usablePortsPerLip: n(
    'usable_ports_per_lip',
    28_232,
    'a whole number of ports',
    { min: 1, max: 65_535, integer: true },
    '[src: Linux default net.ipv4.ip_local_port_range 32768–60999] 28,232 ports (DPVS and alibaba/LVS allow up to ~64k)',
  ),
  switchSaving: n(
    'switch_saving',
    0.5,
    'a fraction from 0 to 1',
    { min: 0, max: 1 },
    "[assumption] change a working mode only to save at least half of the director's bytes",
  ),
};

export const CONSTANT_KEYS = Object.keys(CONSTANT_SPECS) as ConstantKey[];

function defaults(): CostProfile {
  const entries = CONSTANT_KEYS.map((key) => {
    const spec: ConstantSpec = CONSTANT_SPECS[key];
    return [key, { value: spec.value, source: spec.source }] as const;
  });
  // Specs has exactly CostProfile's keys, each with a value of its kind.
  return { origin: 'built-in defaults', ...Object.fromEntries(entries) } as CostProfile;
}

export const DEFAULT_COST_PROFILE: CostProfile = defaults();
