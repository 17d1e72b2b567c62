import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installed, sleep, tempDir, waitFor } from '../../support/process.js';
import { type Alert, type Prometheus, startPrometheus, type VectorSample } from '../../support/prometheus.js';

/**
 * A keepalived VRRP pair in network namespaces, one lvs-exporter inside each director's
 * namespace, and a real Prometheus on 127.0.0.1 that scrapes both and evaluates the shipped
 * alert rules. Exporters are reached over a veth pair per director with link-local addresses
 * (169.254.251.0/29), so Prometheus in the root namespace scrapes them while each exporter reads
 * VIP presence from its own namespace. Everything is stopped by PID and only the namespaces
 * created here are deleted.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = path.join(REPO, 'dashboards/alerts/lvscope.rules.yml');
const EXPORTER = path.join(REPO, 'dist/exporter/main.js');

const NET = '10.251.0';
export const VIP1 = `${NET}.201`;
const VIP2 = `${NET}.202`;
/** The lab's VRRP password (PASS keeps 8 characters); no output may contain it. */
export const PASSWORD = 'lab-vrrp';

export type Node = 'lb1' | 'lb2';
const NODES: readonly Node[] = ['lb1', 'lb2'];
const SCRAPE = { lb1: ['169.254.251.1', '169.254.251.2'], lb2: ['169.254.251.5', '169.254.251.6'] } as const;
const EXPORTER_PORT = 9465;

export function labPrerequisites(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, keepalived)';
  for (const bin of ['ip', 'keepalived', 'prometheus', 'tcpdump']) {
    if (!installed(bin)) return `${bin} is not installed`;
  }
  if (!existsSync(EXPORTER)) return 'dist/exporter/main.js missing: run npm run build first';
  return undefined;
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

export class VrrpLab {
  readonly work = tempDir('vrrp-lab');
  private readonly ns: Record<Node | 'br', string>;
  private readonly createdNs: string[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly keepalived = new Map<Node, ChildProcess>();
  private readonly exporters = new Map<Node, ChildProcess>();
  private readonly exporterLogs: string[] = [];
  private prometheus: Prometheus | undefined;

  constructor(private readonly prefix = 'lvsk') {
    this.ns = { lb1: `${prefix}-lb1`, lb2: `${prefix}-lb2`, br: `${prefix}-br` };
  }

  ip(...args: string[]): string {
    return execFileSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  }

  dir(node: Node): string {
    return path.join(this.work, node);
  }

  nsOf(node: Node): string {
    return this.ns[node];
  }

  setUp(): void {
    const existing = this.ip('netns', 'list');
    for (const name of Object.values(this.ns)) {
      if (existing.split('\n').some((line) => line.split(' ')[0] === name))
        throw new Error(`netns ${name} already exists: refusing to touch it`);
    }
    for (const name of Object.values(this.ns)) {
      this.ip('netns', 'add', name);
      this.createdNs.push(name);
      this.ip('-n', name, 'link', 'set', 'lo', 'up');
    }
    this.ip('-n', this.ns.br, 'link', 'add', 'br0', 'type', 'bridge');
    this.ip('-n', this.ns.br, 'link', 'set', 'br0', 'up');
    for (const [i, node] of NODES.entries()) {
      const ns = this.ns[node];
      this.ip(
        '-n',
        this.ns.br,
        'link',
        'add',
        `p-${node}`,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        ns,
      );
      this.ip('-n', this.ns.br, 'link', 'set', `p-${node}`, 'master', 'br0', 'up');
      this.ip('-n', ns, 'link', 'set', 'eth0', 'up');
      this.ip('-n', ns, 'addr', 'add', `${NET}.${11 + i}/24`, 'dev', 'eth0');
      // Scrape path: root <-> director; deleting the namespace deletes both ends.
      const [rootAddr, nsAddr] = SCRAPE[node];
      const rootIf = `${this.prefix.slice(0, 10)}-${node}`;
      this.ip('link', 'add', rootIf, 'type', 'veth', 'peer', 'name', 'scrape', 'netns', ns);
      this.ip('addr', 'add', `${rootAddr}/30`, 'dev', rootIf);
      this.ip('link', 'set', rootIf, 'up');
      this.ip('-n', ns, 'addr', 'add', `${nsAddr}/30`, 'dev', 'scrape');
      this.ip('-n', ns, 'link', 'set', 'scrape', 'up');
      mkdirSync(path.join(this.dir(node), 'tmp'), { recursive: true });
      writeFileSync(path.join(this.dir(node), 'healthy'), '');
      this.writeConfig(node, { preempt: true });
    }
  }

  /** lb1 is the preferred MASTER of VI_1 (vrid 51, VRRPv2, PASS auth), lb2 of VI_2 (vrid 52, v3). */
  writeConfig(node: Node, { preempt }: { preempt: boolean }): void {
    const d = this.dir(node);
    const high = node === 'lb1';
    const vi = (name: string, vrid: number, vip: string, mine: boolean, v3: boolean, track: string) => `
vrrp_instance ${name} {
  state ${preempt && mine ? 'MASTER' : 'BACKUP'}
  interface eth0
  virtual_router_id ${vrid}
  priority ${mine ? 150 : 100}
  advert_int 1
  ${preempt ? '' : 'nopreempt'}
  ${v3 ? 'version 3' : `authentication {\n    auth_type PASS\n    auth_pass ${PASSWORD}\n  }`}
  virtual_ipaddress {
    ${vip}/24 dev eth0
  }
  track_script {
    ${track}
  }
}`;
    writeFileSync(
      path.join(d, 'keepalived.conf'),
      `global_defs {
  router_id ${node}
  script_user root
  enable_script_security
  vrrp_notify_fifo ${d}/vrrp.fifo
  vrrp_notify_priority_changes
}
vrrp_script chk_health {
  script "/usr/bin/test -e ${d}/healthy"
  interval 1
  fall 2
  rise 2
}
${vi('VI_1', 51, VIP1, high, false, 'chk_health')}
${vi('VI_2', 52, VIP2, !high, true, 'chk_health weight -60')}
`,
    );
  }

  private spawnLogged(
    name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProcess {
    const log = openSync(path.join(this.work, `${name}.log`), 'a');
    const child = spawn(command, args, { env, stdio: ['ignore', log, log], detached: false });
    closeSync(log);
    this.children.push(child);
    return child;
  }

  startKeepalived(node: Node): ChildProcess {
    const d = this.dir(node);
    for (const f of ['keepalived.pid', 'vrrp.pid']) rmSync(path.join(d, f), { force: true });
    const child = this.spawnLogged(
      `keepalived-${node}`,
      'ip',
      [
        'netns',
        'exec',
        this.ns[node],
        'keepalived',
        '--vrrp',
        '-n',
        '-l',
        '-D',
        '-G',
        '-f',
        `${d}/keepalived.conf`,
        '-p',
        `${d}/keepalived.pid`,
        '-r',
        `${d}/vrrp.pid`,
      ],
      { ...process.env, TMPDIR: path.join(d, 'tmp') },
    );
    this.keepalived.set(node, child);
    return child;
  }

  pidOf(node: Node, file: 'keepalived.pid' | 'vrrp.pid'): number | undefined {
    try {
      const pid = Number(readFileSync(path.join(this.dir(node), file), 'utf8').trim());
      return pid > 1 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async waitPidFiles(node: Node): Promise<{ parent: number; vrrp: number }> {
    return waitFor(
      `${node} pid files`,
      10_000,
      () => {
        const parent = this.pidOf(node, 'keepalived.pid');
        const vrrp = this.pidOf(node, 'vrrp.pid');
        return parent && vrrp ? { parent, vrrp } : undefined;
      },
      100,
    );
  }

  /** Waits for a keepalived process (by pid) to be gone, reaping it if it is our child. */
  async waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(`pid ${pid} to exit`, timeoutMs, () => {
      try {
        return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // zombie: exited, not yet reaped
      } catch {
        return true;
      }
    });
  }

  hasVip(node: Node, vip: string): boolean {
    const out = this.ip('-n', this.ns[node], '-j', 'addr', 'show', 'dev', 'eth0');
    return (JSON.parse(out) as { addr_info: { local: string }[] }[]).some((link) =>
      link.addr_info.some((a) => a.local === vip),
    );
  }

  startExporter(node: Node): void {
    const d = this.dir(node);
    const [, nsAddr] = SCRAPE[node];
    this.exporterLogs.push(path.join(this.work, `exporter-${node}.log`));
    const child = this.spawnLogged(`exporter-${node}`, 'ip', [
      'netns',
      'exec',
      this.ns[node],
      process.execPath,
      EXPORTER,
      `--web.listen-address=${nsAddr}:${EXPORTER_PORT}`,
      '--no-collector.ipvs',
      '--log.level=debug',
      `--keepalived.pid-file=${d}/keepalived.pid`,
      `--keepalived.notify-fifo=${d}/vrrp.fifo`,
      `--keepalived.config=${d}/keepalived.conf`,
      '--keepalived.signal-timeout=0.5',
      '--keepalived.vrrp-listen=eth0',
      '--collector.timeout=0.9',
    ]);
    this.exporters.set(node, child);
  }

  /** Stops a director's exporter (SIGTERM: it stops its tcpdump) and waits for it to exit. */
  async stopExporter(node: Node): Promise<void> {
    const child = this.exporters.get(node);
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /**
   * Makes a director's keepalived deaf to the other's adverts, or hearing again: strict reverse
   * path filtering with a blackhole route to the peer drops its packets in IP input, after the
   * packet taps (tcpdump still sees them). The host has no nftables and no tc actions.
   */
  deaf(node: Node, on: boolean): void {
    const peer = `${NET}.${node === 'lb1' ? 12 : 11}/32`;
    const ns = this.ns[node];
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.conf.all.rp_filter=${on ? 1 : 0}`], {
      timeout: 10_000,
    });
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.conf.eth0.rp_filter=${on ? 1 : 0}`], {
      timeout: 10_000,
    });
    this.ip('-n', ns, 'route', on ? 'add' : 'del', 'blackhole', peer);
  }

  async scrape(node: Node): Promise<string> {
    const res = await fetch(`http://${SCRAPE[node][1]}:${EXPORTER_PORT}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    return res.text();
  }

  async startPrometheus(): Promise<void> {
    const targets = NODES.map(
      (node) =>
        `      - targets: ['${SCRAPE[node][1]}:${EXPORTER_PORT}']\n        labels: { instance: ${node} }`,
    ).join('\n');
    this.prometheus = await startPrometheus(
      path.join(this.work, 'prometheus'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${RULES}\nscrape_configs:\n  - job_name: lvscope\n    static_configs:\n${targets}\n`,
    );
  }

  private get running(): Prometheus {
    if (!this.prometheus) throw new Error('the lab has no Prometheus yet');
    return this.prometheus;
  }

  /** The lab Prometheus's base URL (the dashboard checks query it). */
  get prometheusUrl(): string {
    return this.running.url;
  }

  query(expr: string): Promise<VectorSample[]> {
    return this.running.query(expr);
  }

  async firing(name: string, labels: Record<string, string>): Promise<boolean> {
    const match = (a: Alert) =>
      a.labels.alertname === name &&
      a.state === 'firing' &&
      Object.entries(labels).every(([k, v]) => a.labels[k] === v);
    return (await this.running.alerts()).some(match);
  }

  /** Milliseconds from `since` until the alert is firing (polled every 100 ms). */
  async waitFiring(
    name: string,
    labels: Record<string, string>,
    since: number,
    timeoutMs = 30_000,
  ): Promise<number> {
    await waitFor(
      `${name} ${JSON.stringify(labels)} firing`,
      timeoutMs,
      () => this.firing(name, labels),
      100,
    );
    return Date.now() - since;
  }

  exporterOutput(): string {
    return this.exporterLogs.map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : '')).join('\n');
  }

  async tearDown(): Promise<void> {
    // keepalived parents first (graceful: VIPs removed), then VRRP children left by kill scenarios.
    const pids = new Set<number>();
    for (const node of NODES)
      for (const f of ['keepalived.pid', 'vrrp.pid'] as const) {
        const pid = this.pidOf(node, f);
        if (pid && commOf(pid).startsWith('keepalived')) pids.add(pid);
      }
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (const child of this.children) if (child.pid && child.exitCode === null) pids.add(child.pid);
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGCONT');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while ([...pids].some(alive) && Date.now() < deadline) await sleep(100);
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (this.prometheus) {
      await this.prometheus.stop();
      writeFileSync(path.join(this.work, 'prometheus.log'), this.prometheus.process.stderr());
    }
    for (const name of this.createdNs) {
      try {
        this.ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
    // LVSK_LAB_KEEP=1 keeps the work folder (configs, logs) for a post-mortem.
    if (process.env.LVSK_LAB_KEEP !== '1') rmSync(this.work, { recursive: true, force: true });
  }
}
