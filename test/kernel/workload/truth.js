#!/usr/bin/env node
// The ground truth of one workload recording (test/kernel/workload/record.sh OUTDIR), from the
// lab's own logs only, never from the director: what a known-answer test of the workload model
// compares the model with (fixtures/recordings/*/truth.json).
//
//   node test/kernel/workload/truth.js OUTDIR [--epoch-ms MS] > truth.json
//
// --epoch-ms: the wall-clock ms of the guest's monotonic 0 that the capture was converted with
// (capture-from-samples prints it), kept as recording.epochMs so a test can place the lab's
// instants (load start, phases) on the capture's clock.
//
// As summarize.js, each client connection (C line of clients/*.log: connect() to close(), the
// span the director counts as active under DR) is joined by source address and port to the
// lvserver that answered its first request (servers/*.log). Over the load (load_start_ms to
// load_end_ms of scenario.txt), per real server: connections opened, their share, the true mean
// lifetime W with its standard error, the time-average number open (L), the requests and the
// real service times (end − start in the server's log) against the drawn ones; per client
// address: connections and share (all attempts, as the director sees SYNs), and which servers
// they went to; the answer bytes the servers sent per connection. When scenario.txt has out_ms
// and back_ms (server-return), the same per phase: before, out, back. All times are the guest's
// CLOCK_MONOTONIC in ms, the clock the samples are named by.
/* global process, console */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const epochAt = process.argv.indexOf('--epoch-ms');
const epochMs = epochAt > 0 ? Number(process.argv[epochAt + 1]) : undefined;
if (!dir || (epochMs !== undefined && !Number.isInteger(epochMs))) {
  console.error('usage: truth.js OUTDIR [--epoch-ms MS]');
  process.exit(2);
}
const read = (p) => (existsSync(join(dir, p)) ? readFileSync(join(dir, p), 'utf8') : '');
const lines = (p) =>
  read(p)
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
const kv = (text) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const sd = (xs) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const r = (x, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

const scenario = kv(read('scenario.txt'));
const loadStart = Number(scenario.load_start_ms);
const loadEnd = Number(scenario.load_end_ms);
if (!(loadEnd > loadStart)) {
  console.error(`${dir}/scenario.txt: no load_start_ms/load_end_ms`);
  process.exit(1);
}

// ------------------------------------------------------------------ servers
const ripOf = new Map(); // lvserver name -> real server address
for (const l of lines('servers/index.txt')) {
  const [name, , addr] = l.split(/\s+/);
  ripOf.set(name, addr);
}
const serverLogs = existsSync(join(dir, 'servers'))
  ? readdirSync(join(dir, 'servers'))
      .filter((n) => n.endsWith('.log'))
      .sort()
  : [];
for (const n of serverLogs) {
  const name = n.replace(/\.log$/, '');
  if (ripOf.has(name)) continue;
  // recordings older than servers/index.txt: the address in the name, or scenario's servers=ADDR:NAME:...
  const inName = /(\d+\.\d+\.\d+\.\d+)/.exec(name);
  const inScenario = (scenario.servers ?? '').split(/\s+/).find((w) => w.split(':')[1] === name);
  if (inName) ripOf.set(name, inName[1]);
  else if (inScenario) ripOf.set(name, inScenario.split(':')[0]);
}
const answeredBy = new Map(); // "src:port" -> [{ arrive, rip }]
const requests = new Map(); // rip -> [{ arrive, real, target }]
for (const n of serverLogs) {
  const rip = ripOf.get(n.replace(/\.log$/, ''));
  if (!rip) continue;
  for (const l of lines(join('servers', n))) {
    const c = l.split(' ');
    if (c.length < 9 || c[0] === 'conn') continue;
    if (c[2] === '1') {
      const list = answeredBy.get(c[1]) ?? [];
      list.push({ arrive: +c[3], rip });
      answeredBy.set(c[1], list);
    }
    const list = requests.get(rip) ?? [];
    list.push({ arrive: +c[3], real: +c[5] - +c[4], target: +c[7] });
    requests.set(rip, list);
  }
}

// ------------------------------------------------------------------ clients
const conns = []; // { rip, source, start, end, requests }
const attempts = new Map(); // source -> connections attempted in the load
let unmatched = 0;
const clientLogs = existsSync(join(dir, 'clients'))
  ? readdirSync(join(dir, 'clients'))
      .filter((n) => n.endsWith('.log'))
      .sort()
  : [];
for (const n of clientLogs) {
  for (const l of lines(join('clients', n))) {
    const c = l.split(' ');
    if (c[0] !== 'C') continue;
    const start = +c[4];
    const end = +c[6];
    if (start >= loadStart && start < loadEnd) attempts.set(c[2], (attempts.get(c[2]) ?? 0) + 1);
    if (c[8] !== 'ok' && c[8] !== 'reset') continue;
    const hit = (answeredBy.get(`${c[2]}:${c[3]}`) ?? []).find((x) => x.arrive >= start && x.arrive <= end);
    if (hit) conns.push({ rip: hit.rip, source: c[2], start, end, requests: +c[7] });
    else if (c[8] === 'ok') unmatched++;
  }
}

/** Per real server over [a, b): connections opened there, lifetimes, time-average open. */
function perServer(a, b) {
  const rips = [...new Set([...ripOf.values()])].sort();
  const opened = conns.filter((c) => c.start >= a && c.start < b);
  const out = {};
  for (const rip of rips) {
    const mine = opened.filter((c) => c.rip === rip);
    const life = mine.map((c) => c.end - c.start);
    const open = conns
      .filter((c) => c.rip === rip)
      .reduce((x, c) => x + Math.max(0, Math.min(b, c.end) - Math.max(a, c.start)), 0);
    out[rip] = {
      connections: mine.length,
      share: r(mine.length / Math.max(1, opened.length)),
      connsPerSecond: r(mine.length / ((b - a) / 1000)),
      lifetimeMs: r(mean(life), 2),
      lifetimeSeMs: r(sd(life) / Math.sqrt(Math.max(1, life.length)), 2),
      meanOpen: r(open / (b - a), 3),
    };
  }
  return out;
}

const servers = perServer(loadStart, loadEnd);
for (const [rip, s] of Object.entries(servers)) {
  const reqs = (requests.get(rip) ?? []).filter((q) => q.arrive >= loadStart && q.arrive < loadEnd);
  s.requests = reqs.length;
  s.requestsPerSecond = r(reqs.length / ((loadEnd - loadStart) / 1000), 3);
  s.serviceMs = {
    drawnMean: r(mean(reqs.map((q) => q.target)), 2),
    realMean: r(mean(reqs.map((q) => q.real)), 2),
  };
  const mine = conns.filter((c) => c.rip === rip && c.start >= loadStart && c.start < loadEnd);
  s.requestsPerConn = r(mean(mine.map((c) => c.requests)), 3);
}
// Lifetime ratio slowest / fastest among servers with short connections (the capacity evidence)
const timed = Object.entries(servers).filter(([, s]) => s.connections >= 30 && Number.isFinite(s.lifetimeMs));
let lifetimeRatio = null;
if (timed.length >= 2) {
  const fast = timed.reduce((x, y) => (y[1].lifetimeMs < x[1].lifetimeMs ? y : x));
  const slow = timed.reduce((x, y) => (y[1].lifetimeMs > x[1].lifetimeMs ? y : x));
  const ratio = slow[1].lifetimeMs / fast[1].lifetimeMs;
  lifetimeRatio = {
    slowest: slow[0],
    fastest: fast[0],
    value: r(ratio),
    se: r(
      ratio *
        Math.hypot(slow[1].lifetimeSeMs / slow[1].lifetimeMs, fast[1].lifetimeSeMs / fast[1].lifetimeMs),
    ),
  };
}

const totalAttempts = [...attempts.values()].reduce((a, b) => a + b, 0);
const clients = Object.fromEntries(
  [...attempts]
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .map(([source, n]) => {
      const to = {};
      for (const c of conns)
        if (c.source === source && c.start >= loadStart && c.start < loadEnd)
          to[c.rip] = (to[c.rip] ?? 0) + 1;
      return [source, { connections: n, share: r(n / totalAttempts), servers: to }];
    }),
);
const top = Object.entries(clients)[0];

const responseBytes = Number(/response_bytes=(\d+)/.exec(scenario.servers ?? '')?.[1] ?? 64);
const requestBytes = Number(
  scenario.request_bytes ?? /request_bytes=(\d+)/.exec(scenario.short ?? '')?.[1] ?? 32,
);
const inLoad = conns.filter((c) => c.start >= loadStart && c.start < loadEnd);
const perConn = mean(inLoad.map((c) => c.requests));

const truth = {
  recording: {
    scenario: scenario.scenario,
    loadStartMs: loadStart,
    loadEndMs: loadEnd,
    loadSeconds: r((loadEnd - loadStart) / 1000, 3),
    ...(epochMs !== undefined && { epochMs }),
    clockNote:
      'times are the guest CLOCK_MONOTONIC in ms (sample folder names); the capture maps them to wall-clock',
  },
  configuration: Object.fromEntries(
    Object.entries(scenario).filter(([k]) => !/_ms$|^clock|^job_|^aslr$/.test(k)),
  ),
  joined: { connections: conns.length, unmatched },
  servers,
  lifetimeRatio,
  clients: {
    distinct: attempts.size,
    connections: totalAttempts,
    top: top
      ? {
          client: top[0],
          share: top[1].share,
          se: r(Math.sqrt((top[1].share * (1 - top[1].share)) / totalAttempts)),
        }
      : null,
    bySource: clients,
  },
  bytesPerConn: {
    requestsPerConn: r(perConn, 3),
    inPayload: r(perConn * requestBytes, 1),
    outPayload: r(perConn * responseBytes, 1),
    note: 'application payload only (lvclient requests, lvserver answers): the director also counts TCP/IP headers, handshake and close',
  },
};
if (scenario.out_ms && scenario.back_ms) {
  const out = Number(scenario.out_ms);
  const back = Number(scenario.back_ms);
  truth.phases = {
    before: { fromMs: loadStart, toMs: out, servers: perServer(loadStart, out) },
    out: { fromMs: out, toMs: back, servers: perServer(out, back) },
    back: { fromMs: back, toMs: loadEnd, servers: perServer(back, loadEnd) },
  };
}
console.log(JSON.stringify(truth, null, 2));
