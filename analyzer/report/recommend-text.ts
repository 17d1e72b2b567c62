/** The Recommendation for people: numbered sections an SRE can read top to bottom and sign. */
import type {
  CandidateResult,
  DelayMs,
  Gain,
  Recommendation,
  ServiceRecommendation,
  WhatIfResult,
} from '../recommend/types.js';
import { modeCostText } from '../cost/index.js';
import { num, percent, textTable } from './table.js';

/** Candidates shown in the table (the rest are in the JSON). */
const SHOWN_CANDIDATES = 12;

const when = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export function delayText(d: DelayMs): string {
  if (d === null) return '–';
  if (d === 'overloaded') return 'overloaded';
  return d < 1 ? `${d.toFixed(2)} ms` : `${num(d)} ms`;
}

const seconds = (s: number | null) => (s === null ? '–' : `${num(s)} s`);

function gainValue(g: Gain, v: Gain['baseline']): string {
  if (v === null) return '–';
  if (v === 'overloaded') return 'overloaded';
  switch (g.unit) {
    case 'ms':
      return delayText(v);
    case 's':
      return `${num(v)} s`;
    case 'ratio':
      return g.figure.startsWith('peak utilisation') ? percent(v) : num(v);
    case 'index':
      return v.toFixed(3);
  }
}

function gainLine(g: Gain): string {
  const better =
    g.improvement === null
      ? ''
      : ` (${g.improvement >= 0 ? '' : 'worse by '}${percent(Math.abs(g.improvement))}${g.improvement >= 0 ? ' better' : ''})`;
  return `${g.figure}: ${gainValue(g, g.baseline)} → ${gainValue(g, g.recommended)}${better}`;
}

/** A gain worth a line: not 0 → 0 (no time above 100 % on either side, no measurable delay). */
function informative(g: Gain): boolean {
  const zero = (v: Gain['baseline']) => v === null || (typeof v === 'number' && Math.abs(v) < 0.005);
  return !(zero(g.baseline) && zero(g.recommended));
}

function candidateRows(s: ServiceRecommendation): string[] {
  const shown = s.candidates.slice(0, SHOWN_CANDIDATES);
  if (!shown.includes(s.baseline)) shown.push(s.baseline);
  const rows = shown.map((c: CandidateResult) => [
    `${c.rank}${c === s.baseline ? ' *' : ''}${c === s.recommended && c !== s.baseline ? ' ←' : ''}`,
    c.name,
    c.weights,
    delayText(c.outcome.delayP50Ms),
    delayText(c.outcome.delayP99Ms),
    percent(c.outcome.peakUtilisation),
    percent(c.outcome.worstWindowUtilisation),
    seconds(c.outcome.above80Seconds),
    seconds(c.outcome.above100Seconds),
    c.outcome.utilisation.cv.toFixed(3),
    c.outcome.utilisation.jain.toFixed(3),
  ]);
  return textTable(
    [
      'rank',
      'candidate',
      'weights',
      'p50 delay',
      'p99 delay',
      'peak util',
      'worst window',
      '> 80 %',
      '> 100 %',
      'CoV',
      'Jain',
    ],
    rows,
    ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  ).map((l) => `   ${l}`);
}

function serverRows(s: ServiceRecommendation): string[] {
  const rows = s.baseline.outcome.servers.map((b, i) => {
    const r = s.recommended.outcome.servers.find((x) => x.server === b.server) ?? b;
    const wb = s.baseline.config.servers[i]?.weight;
    const wr = s.recommended.config.servers[i]?.weight;
    return [
      b.server,
      num(b.capacity),
      `${num(wb)} → ${num(wr)}`,
      `${percent(b.connectionShare)} → ${percent(r.connectionShare)}`,
      `${percent(b.peakUtilisation)} → ${percent(r.peakUtilisation)}`,
      `${delayText(b.delayP99Ms)} → ${delayText(r.delayP99Ms)}`,
    ];
  });
  return textTable(['server', 'capacity', 'weight', 'connections', 'peak utilisation', 'p99 delay'], rows, [
    'left',
    'right',
    'right',
    'right',
    'right',
    'right',
  ]).map((l) => `   ${l}`);
}

function whatIfLines(w: WhatIfResult): string[] {
  const rows = w.runs.map((r) => [
    r.name,
    String(r.connectionsMoved),
    r.secondsUntilBalanced === null ? 'never' : `${num(r.secondsUntilBalanced)} s`,
    r.firstMinuteConnections === undefined ? '–' : String(r.firstMinuteConnections),
    r.remappedShare === undefined ? '–' : percent(r.remappedShare),
    percent(r.peakUtilisation),
    delayText(r.delayP99Ms),
  ]);
  return [
    `   ${w.scenario.description}`,
    ...textTable(
      [
        'configuration',
        'moved',
        'until balanced',
        'first minute',
        'clients remapped',
        'peak util',
        'p99 delay',
      ],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ).map((l) => `     ${l}`),
    ...w.findings.map((f) => `     - ${f}`),
  ];
}

function serviceText(r: Recommendation, s: ServiceRecommendation, lines: string[]): void {
  let n = 0;
  const section = (title: string) => lines.push('', `${++n}. ${title}`);
  lines.push('', `${s.service}  (${s.baseline.name} now)`);
  section(`${s.summary.charAt(0).toUpperCase()}${s.summary.slice(1)}.`);
  for (const g of s.gains.filter(informative)) lines.push(`   ${gainLine(g)}`);
  if (s.explanations.length > 0) {
    section('Why');
    for (const e of s.explanations) lines.push(`   - ${e}`);
  }
  section(`Candidates replayed (${s.candidates.length}; * running, ← recommended; objective ${r.objective})`);
  lines.push(...candidateRows(s));
  section('Per server, now → recommended');
  lines.push(...serverRows(s));
  if (s.baseline.outcome.queueModel) lines.push(`   delays: ${s.baseline.outcome.queueModel}`);
  const warnings = [...r.warnings, ...s.warnings];
  if (warnings.length > 0) {
    section('Warnings');
    for (const w of warnings)
      lines.push(`   - ${w.message}${w.alternative ? `\n     instead: ${w.alternative}` : ''}`);
  }
  if (s.modes) {
    section('Forwarding modes (costed, not replayed)');
    for (const l of modeCostText(s.modes).trimEnd().split('\n')) lines.push(`   ${l}`);
  }
  if (s.whatif.length > 0) {
    section('What if');
    for (const w of s.whatif) lines.push(...whatIfLines(w));
  }
  section('Commands (nothing has been applied)');
  if (s.apply.ipvsadmEdits.length === 0) lines.push('   no change to apply');
  else {
    lines.push('   ipvsadm, from the running configuration:');
    for (const l of s.apply.ipvsadmEdits) lines.push(`     ${l}`);
  }
  lines.push('   ipvsadm-restore (ipvsadm -R):');
  for (const l of s.apply.ipvsadmRestore) lines.push(`     ${l}`);
  lines.push('   keepalived.conf (replace the health check with the one in use):');
  for (const l of s.apply.keepalived.trimEnd().split('\n')) lines.push(`     ${l}`);
  if (s.apply.realServers) {
    lines.push(`   on every real server (${s.apply.realServers.mode}):`);
    for (const l of s.apply.realServers.steps) lines.push(`     ${l}`);
  }
}

export function recommendationText(r: Recommendation): string {
  const e = r.evidence;
  const lines = [
    `lvs-analyze recommend — pool ${r.pool}, objective ${r.objective}, a change needs ≥ ${percent(r.minGain)} gain`,
  ];
  for (const s of r.services) serviceText(r, s, lines);
  if (r.services.length === 0)
    lines.push(
      '',
      '1. Nothing to recommend: no service of the pool could be replayed (see the notes below).',
    );
  lines.push('', 'Evidence');
  lines.push(
    `   history: ${e.source} (${e.resolvedHow}), ${when(e.start)} → ${when(e.end)} (${num(e.windowSeconds)} s), ${num(e.records)} records every ${num(e.intervalSeconds)} s, ${num(e.connections)} new connections, directors ${e.directors.join(', ') || '–'}`,
    `   replayed: a ${e.timeline.kind} timeline (seed ${e.timeline.seed}) of ${num(e.timeline.connections)} connections from ${num(e.timeline.clients)} clients over ${num(e.timeline.durationSeconds)} s; ${num(e.replays)} replays in ${num(e.elapsedMs / 1000)} s`,
  );
  for (const x of e.estimated) lines.push(`   ${x.quantity}: ${x.value} — ${x.from}`);
  for (const x of e.notes) lines.push(`   note: ${x}`);
  for (const x of e.unknown) lines.push(`   unknown: ${x}`);
  return lines.join('\n') + '\n';
}

/** `whatif`: the scenarios first, then the configurations they ran on and the evidence. */
export function whatIfText(r: Recommendation): string {
  const lines = [`lvs-analyze whatif — pool ${r.pool}`];
  for (const s of r.services) {
    lines.push(
      '',
      `${s.service}  (${s.baseline.name} now${s.verdict === 'change' ? `, ${s.recommended.name} recommended` : ''})`,
    );
    s.whatif.forEach((w, i) => {
      lines.push('', `${i + 1}. ${w.scenario.description}`);
      lines.push(...whatIfLines(w).slice(1));
    });
    lines.push('', `${s.whatif.length + 1}. The recommendation these ran beside: ${s.summary}`);
  }
  const e = r.evidence;
  lines.push(
    '',
    `Evidence: ${e.source}, ${when(e.start)} → ${when(e.end)}, ${num(e.records)} records; replayed ${num(e.timeline.connections)} connections (seed ${e.timeline.seed}); ${num(e.replays)} replays in ${num(e.elapsedMs / 1000)} s`,
  );
  return lines.join('\n') + '\n';
}
