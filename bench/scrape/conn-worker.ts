/**
 * Child process of bench/scrape: summarises one ip_vs_conn through the exporter's real source
 * (stream, summariser, decoding) and prints its time and the process's peak RSS as JSON. A fresh
 * process per run, so the peak RSS belongs to this work alone.
 */
import { emptyDraft } from '../../exporter/core/draft.js';
import { ipVsConnSource } from '../../exporter/ipvs/proc-sources.js';

const [procfs = '', topClients = '0'] = process.argv.slice(2);
const draft = emptyDraft();
const started = performance.now();
const cpuStarted = process.cpuUsage();
const outcome = await ipVsConnSource(procfs, { topClients: Number(topClients) }).collect(
  draft,
  new AbortController().signal,
);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
const conn = draft.ipvs.conn;
process.stdout.write(
  JSON.stringify({
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    up: outcome.up,
    entries: conn?.entries ?? 0,
    series: (conn?.byState.length ?? 0) + (conn?.templates.length ?? 0),
  }) + '\n',
);
