/** The workload model for people (text) and programs (JSON, schema version WORKLOAD_VERSION). */
import type { ServiceModel, WorkloadModel } from '../workload/model.js';
import { estimate, num, percent, textTable } from './table.js';

const when = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function serviceLines(s: ServiceModel): string[] {
  const persistence = s.persistenceSeconds > 0 ? `, persistent ${num(s.persistenceSeconds)} s` : '';
  const lines = [
    `${s.service}  ${s.scheduler ?? '?'}${s.flags.length ? ` (${s.flags.join(',')})` : ''}${persistence}`,
  ];
  const a = s.arrivals;
  lines.push(
    `  new connections: ${num(a.meanPerSecond)}/s mean, ${num(a.peakPerSecond)}/s in the busiest ${num(a.windowSeconds)} s window (peak/mean ${num(a.peakToMean)}), ${num(a.connections)} in all`,
  );
  if (a.hourly) lines.push(`  by hour (UTC): ${a.hourly.map((r) => num(r)).join(' ')}`);
  const rows = s.servers.map((d) => [
    d.server,
    d.forward ?? '–',
    d.weights.length > 1 ? d.weights.join('→') : num(d.weight),
    percent(d.arrivals.share),
    num(d.arrivals.meanPerSecond),
    num(d.concurrency.meanActive),
    num(d.concurrency.meanInactive),
    estimate(d.lifetime.littleSeconds, 's'),
    d.lifetime.sampled
      ? `${num(d.lifetime.sampled.meanSeconds)} s (${d.lifetime.sampled.connections}${d.lifetime.sampled.resolutionSeconds !== undefined ? `, ±${num(d.lifetime.sampled.resolutionSeconds / 2)} s` : ''})`
      : '–',
    d.capacity
      ? `${estimate(d.capacity.relative)}${d.capacity.evidence === 'pool-file' ? ' (pools file)' : ''}`
      : '–',
  ]);
  lines.push(
    ...textTable(
      [
        '  real server',
        'forward',
        'weight',
        'share',
        'conns/s',
        'active',
        'inactive',
        'lifetime (Little, 95 % CI)',
        'sampled',
        'capacity',
      ],
      rows.map(([first, ...rest]) => [`  ${first}`, ...rest]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  for (const d of s.servers) {
    const chosen = d.lifetime.chosen;
    if (chosen)
      lines.push(
        `  ${d.server}: replayed lifetime ${num(chosen.seconds)} s, ${chosen.from === 'little' ? "Little's law" : 'sampled'} (${chosen.why})`,
      );
    if (d.pooled) {
      const who = d.pooled.clients.map((c) => `${c.client} ${c.connections}`).join(', ');
      lines.push(
        `  ${d.server}: ${d.pooled.connections} pooled connections (${who}), ${num(d.pooled.meanOpen)} open on average: replayed as opened and held`,
      );
    }
    if (d.lifetime.notEvidence)
      lines.push(`  ${d.server}: lifetime is no capacity evidence: ${d.lifetime.notEvidence}`);
    if (d.stateMix) {
      const mix = Object.entries(d.stateMix)
        .sort((x, y) => y[1] - x[1])
        .map(([state, share]) => `${state} ${percent(share)}`)
        .join(', ');
      lines.push(`  ${d.server} states: ${mix}`);
    }
  }
  if (s.capacityRatio) lines.push(`  capacity fastest : slowest = ${estimate(s.capacityRatio)} : 1`);
  if (s.clients) {
    const top = s.clients.top.map((c) => `${c.client} ${percent(c.share)}`).join(', ');
    lines.push(`  clients: ${s.clients.distinct ?? '?'} distinct (${s.clients.source}); top: ${top}`);
  }
  if (s.persistence) {
    const perClient =
      s.persistence.templatesPerClient === undefined
        ? ''
        : `, ${num(s.persistence.templatesPerClient)} per client`;
    lines.push(`  persistence templates: ${num(s.persistence.meanTemplates)} on average${perClient}`);
  }
  const t = s.traffic;
  const out =
    t.visibility === 'both'
      ? `out ${num(t.outPacketsPerConn)} packets, ${num(t.outBytesPerConn, 'B')}`
      : 'out unknown (replies bypass the director)';
  lines.push(
    `  per connection: in ${num(t.inPacketsPerConn)} packets, ${num(t.inBytesPerConn, 'B')}; ${out}`,
  );
  return lines;
}

export function workloadText(model: WorkloadModel, resolvedHow: string, warnings: readonly string[]): string {
  const seconds = (model.end - model.start) / 1000;
  const lines = [
    `workload of pool ${model.pool}: ${resolvedHow}`,
    `history: ${model.source}; director${model.directors.length > 1 ? 's' : ''} ${model.directors.join(', ')}`,
    `         ${when(model.start)} → ${when(model.end)} (${num(seconds)} s, ${model.observations} observations every ${num(model.intervalSeconds)} s)`,
    ...warnings.map((w) => `note: ${w}`),
    '',
  ];
  for (const s of model.services) lines.push(...serviceLines(s), '');
  if (model.evidence.length > 0)
    lines.push('evidence:', ...model.evidence.map((e) => `  - [${e.topic}] ${e.message}`));
  if (model.unknown.length > 0)
    lines.push('not in the history:', ...model.unknown.map((e) => `  - [${e.topic}] ${e.message}`));
  return lines.join('\n') + '\n';
}

export function workloadJson(model: WorkloadModel): string {
  return JSON.stringify(model, null, 2) + '\n';
}
