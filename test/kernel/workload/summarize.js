#!/usr/bin/env node
// Quick figures from one workload recording (test/kernel/workload/record.sh OUTDIR): a check of
// the lab, not the product's workload model.
//
//   node test/kernel/workload/summarize.js OUTDIR [--warmup SECONDS]
//
// Per real server, over the samples taken while the load ran (after the warm-up, default 5 s):
// mean ActiveConn (/proc/net/ip_vs), new-connection rate (slope of Conns of ipvsadm --stats
// --exact over the window's samples), and Little's law W = L / λ, the mean time a connection
// is active on the director; ratios of W to the smallest W. Then what the lvserver logs say
// (real service time against the drawn one, waiting, time in the server, its time-average
// in-system count over the same window), the lvclient summaries, the cost of a sample, the VM.
/* global process, console */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) {
  console.error('usage: summarize.js OUTDIR [--warmup SECONDS]');
  process.exit(2);
}
const warmupIdx = args.indexOf('--warmup');
const warmupMs = (warmupIdx > 0 ? Number(args[warmupIdx + 1]) : 5) * 1000;

const read = (p) => (existsSync(join(dir, p)) ? readFileSync(join(dir, p), 'utf8') : '');
const kv = (text) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
const q = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const out = [];
const say = (s = '') => out.push(s);

const scenario = kv(read('scenario.txt'));
say(
  `scenario ${scenario.scenario ?? '?'}: ${Object.entries(scenario)
    .filter(([k]) => !['scenario', 'job_start_ms', 'job_end_ms', 'load_start_ms', 'load_end_ms'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')}`,
);

// ------------------------------------------------------------------ VM
const vm = kv(read('vm.txt'));
const guest = kv(read('guest.txt'));
const shell = /LVSCOPE-SHELL uptime=([\d.]+)/.exec(read('console.log'));
const wlStart = /LVSCOPE-WORKLOAD \S+ start uptime=([\d.]+)/.exec(read('console.log'));
say(
  `vm: qemu wall ${vm.qemu_wall_seconds ?? '?'} s, guest shell at uptime ${shell?.[1] ?? '?'} s, ` +
    `job from uptime ${wlStart?.[1] ?? '?'} s for ${guest.job_seconds ?? '?'} s, exit ${guest.job_exit ?? '?'}, ` +
    `smp ${vm.smp ?? '?'}, mem ${vm.mem ?? '?'}`,
);
// guest CPU between cpu_mark lines NAME_start and NAME_end (/proc/stat jiffies)
const marks = Object.fromEntries(
  read('cpu.txt')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/))
    .map(([label, ms, ...j]) => [label, { ms: +ms, j: j.map(Number) }]),
);
for (const phase of Object.keys(marks)
  .filter((k) => k.endsWith('_start'))
  .map((k) => k.slice(0, -6))) {
  const a = marks[`${phase}_start`];
  const b = marks[`${phase}_end`];
  if (!b) continue;
  const d = b.j.map((x, i) => x - a.j[i]);
  const total = d.slice(0, 8).reduce((x, y) => x + y, 0);
  const idle = d[3] + d[4];
  const ncpu = Number(guest.cpus) || 1;
  say(
    `guest cpu during ${phase} (${f((b.ms - a.ms) / 1000, 0)} s): ${f((100 * (total - idle)) / total, 0)} % busy of ` +
      `${ncpu} vCPU (user ${f((100 * (d[0] + d[1])) / total, 0)} %, system ${f((100 * d[2]) / total, 0)} %, ` +
      `irq+softirq ${f((100 * (d[5] + d[6])) / total, 0)} %)`,
  );
}

// ------------------------------------------------------------------ samples
const hexAddr = (h) => {
  const [a, p] = h.split(':');
  if (a.length !== 8) return h;
  return `${[0, 2, 4, 6].map((i) => parseInt(a.slice(i, i + 2), 16)).join('.')}:${parseInt(p, 16)}`;
};
function parseIpVs(text) {
  const dests = new Map();
  let svc = '';
  for (const line of text.split('\n')) {
    let m = /^(TCP|UDP|SCTP|FWM)\s+(\S+)/.exec(line);
    if (m) {
      svc = m[1] === 'FWM' ? `fwm:${m[2]}` : hexAddr(m[2]);
      continue;
    }
    m = /^\s+->\s+([0-9A-F]+:[0-9A-F]+)\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
    if (m) dests.set(`${svc} ${hexAddr(m[1])}`, { active: +m[3], inactive: +m[4] });
  }
  return dests;
}
function parseStats(text) {
  const dests = new Map();
  let svc = '';
  for (const line of text.split('\n')) {
    let m = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(\d+)/.exec(line);
    if (m) {
      svc = m[1] === 'FWM' ? `fwm:${m[2]}` : m[2];
      dests.set(svc, { conns: +m[3] });
      continue;
    }
    m = /^\s+->\s+(\S+)\s+(\d+)/.exec(line);
    if (m && svc) dests.set(`${svc} ${m[1]}`, { conns: +m[2] });
  }
  return dests;
}
const index = read('samples/index.tsv')
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split(/\s+/).map(Number));
const samples = [];
for (const [start, end] of index) {
  const d = join('samples', String(start));
  if (!existsSync(join(dir, d))) continue;
  samples.push({
    t: start,
    end,
    ipvs: parseIpVs(read(join(d, 'net/ip_vs'))),
    stats: parseStats(read(join(d, 'ipvsadm/ipvsadm-Ln--stats--exact--nosort.txt'))),
  });
}
const loadStart = Number(scenario.load_start_ms);
const loadEnd = Number(scenario.load_end_ms);
if (samples.length) {
  const dur = samples.map((s) => s.end - s.t);
  const gaps = samples.slice(1).map((s, i) => s.t - samples[i].t);
  say(
    `samples: ${samples.length}; one sample takes mean ${f(mean(dur), 0)} ms, p50 ${f(q(dur, 0.5), 0)}, ` +
      `p99 ${f(q(dur, 0.99), 0)}, max ${f(Math.max(...dur), 0)}; start-to-start mean ${f(mean(gaps), 0)} ms, ` +
      `p99 ${f(q(gaps, 0.99), 0)}, max ${f(Math.max(...gaps), 0)}`,
  );
}
const win = samples.filter((s) => s.t >= loadStart + warmupMs && s.t <= loadEnd);
const perDest = [];
if (win.length >= 2) {
  const first = win[0];
  const dt = (win[win.length - 1].t - first.t) / 1000;
  say();
  say(
    `director, ${win.length} samples from load start + ${warmupMs / 1000} s to load end (${f(dt)} s); ` +
      `W = mean ActiveConn / new-connection rate:`,
  );
  for (const key of first.ipvs.keys()) {
    const [svc, dest] = key.split(' ');
    const act = win.map((s) => s.ipvs.get(key)?.active ?? 0);
    const inact = win.map((s) => s.ipvs.get(key)?.inactive ?? 0);
    // Conns is the 2 s estimator's copy (it lags 0-2 s): the slope of a least-squares line
    // through every sample of the window, not last minus first
    const pts = win
      .map((s) => [(s.t - first.t) / 1000, s.stats.get(key)?.conns])
      .filter(([, c]) => c !== undefined);
    const mx = mean(pts.map((p) => p[0]));
    const my = mean(pts.map((p) => p[1]));
    const rate =
      pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    const L = mean(act);
    const W = L / rate;
    // standard error of the mean ActiveConn (samples a second apart: treated as independent)
    const sd = Math.sqrt(mean(act.map((a) => (a - L) ** 2)));
    perDest.push({ svc, dest, L, rate, W, se: sd / Math.sqrt(act.length) });
    say(
      `  ${svc} -> ${dest}: ActiveConn mean ${f(L, 3)} (±${f(sd / Math.sqrt(act.length), 3)} s.e., max ` +
        `${Math.max(...act)}), InActConn mean ${f(mean(inact), 1)}, new conns ${f(rate, 2)}/s ` +
        `-> W ${f(W * 1000, 1)} ms`,
    );
  }
  const ok = perDest.filter((d) => Number.isFinite(d.W) && d.W > 0);
  const fastest = ok.reduce((a, b) => (b.W < a.W ? b : a), ok[0]);
  for (const d of ok)
    if (d !== fastest)
      say(
        `  W ratio ${d.dest} / ${fastest.dest}: ${f(d.W / fastest.W, 3)} (±${f(
          (d.W / fastest.W) * Math.hypot(d.se / d.L, fastest.se / fastest.L),
          3,
        )} from the two ActiveConn standard errors)`,
      );
}

// ------------------------------------------------------------------ servers
const servers = existsSync(join(dir, 'servers'))
  ? readdirSync(join(dir, 'servers')).filter((n) => n.endsWith('.log'))
  : [];
if (servers.length) {
  say();
  say('real servers (lvserver logs; real = end - start, the service time the server really gave):');
}
for (const n of servers.sort()) {
  const rows = read(join('servers', n))
    .split('\n')
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('conn '))
    .map((l) => l.split(' '))
    .map((c) => ({ arrive: +c[3], start: +c[4], end: +c[5], sent: +c[6], target: +c[7] }));
  if (!rows.length) continue;
  const real = rows.map((r) => r.end - r.start);
  const late = rows.map((r) => r.end - r.start - r.target);
  const wait = rows.map((r) => r.start - r.arrive);
  const soj = rows.map((r) => r.sent - r.arrive);
  let extra = '';
  if (win.length >= 2) {
    const a = win[0].t;
    const b = win[win.length - 1].t;
    const inWin = rows.filter((r) => r.arrive >= a && r.arrive < b).length;
    const busy = rows.reduce((s, r) => s + Math.max(0, Math.min(b, r.sent) - Math.max(a, r.arrive)), 0);
    extra = `; in the window: ${f(inWin / ((b - a) / 1000), 2)} requests/s, time-average in server ${f(busy / (b - a), 3)}`;
  }
  const summary = kv(
    (/^summary (.*)$/m.exec(read(join('servers', n.replace(/\.log$/, '.out'))))?.[1] ?? '').replace(
      / /g,
      '\n',
    ),
  );
  say(
    `  ${n.replace(/\.log$/, '')}: ${rows.length} requests, target mean ${f(mean(rows.map((r) => r.target)), 1)} ms; ` +
      `real mean ${f(mean(real), 1)} p50 ${f(q(real, 0.5), 1)} p99 ${f(q(real, 0.99), 1)} max ${f(Math.max(...real), 1)}; ` +
      `real - target mean ${f(mean(late), 2)} p99 ${f(q(late, 0.99), 1)}; wait mean ${f(mean(wait), 1)} ` +
      `p99 ${f(q(wait, 0.99), 1)}; arrive-to-sent mean ${f(mean(soj), 1)} ms${extra}` +
      (summary.queue_max ? `; queue max ${summary.queue_max}` : ''),
  );
}

// ------------------------------------------------------------------ ground truth: client logs
// Each client connection (C line: connect() to close()) joined, by source address and port, to
// the lvserver that answered it. Its span is what the director counts as active (DR: SYN to the
// client's FIN), so the clients give, per real server, the true mean lifetime and the true
// number of open connections at every sample instant, whatever TCG added to the service time.
const rip = new Map();
for (const l of read('servers/index.txt').trim().split('\n').filter(Boolean)) {
  const [name, , addr] = l.split(/\s+/);
  rip.set(name, addr);
}
for (const n of servers) {
  const name = n.replace(/\.log$/, '');
  if (rip.has(name)) continue;
  // recordings without servers/index.txt: an address in the name (mysql-172.16.1.7), or the
  // scenario's "servers=ADDR:NAME:..." words
  const inName = /(\d+\.\d+\.\d+\.\d+)/.exec(name);
  const inScenario = (scenario.servers ?? '').split(/\s+/).find((w) => w.split(':')[1] === name);
  if (inName) rip.set(name, inName[1]);
  else if (inScenario) rip.set(name, inScenario.split(':')[0]);
}
const answeredBy = new Map(); // "src:port" -> [{ arrive, name }]
for (const n of servers) {
  const name = n.replace(/\.log$/, '');
  for (const l of read(join('servers', n)).split('\n')) {
    const c = l.split(' ');
    if (c.length < 9 || l.startsWith('#') || l.startsWith('conn ')) continue;
    const list = answeredBy.get(c[1]) ?? [];
    if (c[2] === '1') list.push({ arrive: +c[3], name });
    answeredBy.set(c[1], list);
  }
}
const clientConns = [];
let unmatched = 0;
const clientLogs = existsSync(join(dir, 'clients'))
  ? readdirSync(join(dir, 'clients')).filter((n) => n.endsWith('.out'))
  : [];
for (const n of clientLogs) {
  for (const l of read(join('clients', n.replace(/\.out$/, '.log'))).split('\n')) {
    const c = l.split(' ');
    if (c[0] !== 'C' || c[8] !== 'ok') continue;
    const start = +c[4];
    const end = +c[6];
    const hit = (answeredBy.get(`${c[2]}:${c[3]}`) ?? []).find((x) => x.arrive >= start && x.arrive <= end);
    if (hit) clientConns.push({ name: hit.name, start, end });
    else unmatched++;
  }
}
if (clientConns.length && win.length >= 2) {
  const a = win[0].t;
  const b = win[win.length - 1].t;
  say();
  say(
    `ground truth from the logs (${clientConns.length} client connections joined to the server that ` +
      `answered, ${unmatched} without a match), same window:`,
  );
  const truth = [];
  for (const name of [...new Set(clientConns.map((c) => c.name))].sort()) {
    const mine = clientConns.filter((c) => c.name === name);
    const started = mine.filter((c) => c.start >= a && c.start < b);
    const W = mean(started.map((c) => c.end - c.start));
    const L = mine.reduce((x, c) => x + Math.max(0, Math.min(b, c.end) - Math.max(a, c.start)), 0) / (b - a);
    const dest = perDest.find((d) => d.dest.split(':')[0] === rip.get(name));
    const diffs = dest
      ? win.map(
          (smp) =>
            (smp.ipvs.get(`${dest.svc} ${dest.dest}`)?.active ?? 0) -
            mine.filter((c) => c.start <= smp.t && c.end > smp.t).length,
        )
      : [];
    truth.push({ name, W });
    say(
      `  ${name} (${rip.get(name) ?? '?'}): ${started.length} connections opened, client-side lifetime ` +
        `mean ${f(W, 1)} ms (p99 ${f(
          q(
            started.map((c) => c.end - c.start),
            0.99,
          ),
          1,
        )}); time-average open ` +
        `${f(L, 3)}` +
        (dest
          ? ` (director: ActiveConn mean ${f(dest.L, 3)}, W ${f(dest.W * 1000, 1)} ms); per sample, ActiveConn ` +
            `minus connections open at the sample's start: mean ${f(mean(diffs), 3)}, mean |.| ${f(mean(diffs.map(Math.abs)), 3)}`
          : ''),
    );
  }
  const fastest = truth.reduce((x, y) => (y.W < x.W ? y : x), truth[0]);
  for (const t of truth)
    if (t !== fastest) say(`  true W ratio ${t.name} / ${fastest.name}: ${f(t.W / fastest.W, 3)}`);
}

// ------------------------------------------------------------------ clients
const clients = existsSync(join(dir, 'clients'))
  ? readdirSync(join(dir, 'clients')).filter((n) => n.endsWith('.out'))
  : [];
if (clients.length) {
  say();
  say('clients (lvclient summaries; conn = connect() to last answer, req = send to answer):');
}
for (const n of clients.sort()) {
  const text = read(join('clients', n));
  const s = kv((/^summary (.*)$/m.exec(text)?.[1] ?? '').replace(/ /g, '\n'));
  const srcs = [...text.matchAll(/^source (\S+) weight=\S+ conns=(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
  say(
    `  ${s.name ?? n} (${s.mode}): ${s.attempted} connections, ${s.completed} completed, ${s.failed} failed, ` +
      `${s.skipped} skipped, ${s.requests} requests` +
      (s.mode === 'short'
        ? `; conn p50 ${s.conn_p50_ms} p99 ${s.conn_p99_ms} ms; arrival late mean ${s.arrival_late_mean_ms} max ${s.arrival_late_max_ms}`
        : `; ${s.reopened} reopened, ${s.late_ticks} late ticks`) +
      `; req p50 ${s.req_p50_ms} p99 ${s.req_p99_ms} ms; connect p50 ${s.connect_p50_ms} p99 ${s.connect_p99_ms}` +
      (srcs.length > 1 ? `\n    per source: ${srcs.join(' ')}` : ''),
  );
}

// ------------------------------------------------------------------ connection table at the end
const conn = read('end/net/ip_vs_conn');
if (conn) {
  const byClient = new Map();
  for (const line of conn.split('\n').slice(1)) {
    const c = line.trim().split(/\s+/);
    if (c.length < 8) continue;
    const client = hexAddr(`${c[1]}:0`).replace(/:0$/, '');
    const dest = hexAddr(`${c[5]}:${c[6]}`);
    const e = byClient.get(client) ?? new Map();
    const key = c[2] === '0000' ? `${dest} (template ${c[7]} ${c[8]} s)` : dest;
    e.set(key, (e.get(key) ?? 0) + 1);
    byClient.set(client, e);
  }
  say();
  say('connection table when the load ended (end/net/ip_vs_conn), entries per client and real server:');
  for (const [client, e] of [...byClient].sort())
    say(`  ${client}: ${[...e].map(([k, n]) => (k.includes('template') ? k : `${n} to ${k}`)).join(', ')}`);
}

// ------------------------------------------------------------------ exporter
const scrapes = read('exporter/scrapes.summary').trim();
if (scrapes) say(`\nexporter endpoint scraped once a second during the load: ${scrapes}`);
const runs = read('exporter/runs.txt').trim();
if (runs) {
  say();
  for (const l of runs.split('\n')) {
    const name = /exporter_once (\S+)/.exec(l)?.[1];
    const prom = read(`exporter/${name}.prom`);
    const fams = new Set([...prom.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    say(
      `exporter: ${l}; ${fams.size} families, ${prom.split('\n').filter((x) => /^[a-z]/.test(x)).length} samples`,
    );
  }
}
console.log(out.join('\n'));
