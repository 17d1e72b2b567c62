/**
 * Prints the name mapping of every family one collection yields (Prometheus name, OTel name and
 * unit, InfluxDB measurement and field) and the label → attribute table, as Markdown for the
 * README. Takes lvs-exporter's flags, e.g.:
 *   node dist/exporter/tools/name-mapping.js --path.procfs fixtures/procfs/kernel-6.1-t1 \
 *     --collector.ipvs.conn --keepalived.json-file fixtures/keepalived/2.2.7-vrrp/steady-a-master.json
 */
import { SinkHealthRegistry } from '../outputs/health/health.js';
import { collectFamilies } from './collect-families.js';
import { attributeTable, familyTable, unmappedLabels } from './mapping-doc.js';

/** The sink health families as they look with both sinks running (they are absent otherwise). */
function sinkFamilies() {
  const registry = new SinkHealthRegistry();
  for (const sink of ['otlp', 'influx']) registry.register(sink).bufferFill(0, 0);
  return registry.families();
}

async function run(argv: readonly string[]): Promise<number> {
  const families = [...(await collectFamilies(argv)), ...sinkFamilies()];
  const missing = unmappedLabels(families);
  process.stdout.write(`${familyTable(families)}\n\n${attributeTable()}\n`);
  if (missing.length > 0) process.stderr.write(`labels without a mapping rule: ${missing.join(', ')}\n`);
  return missing.length > 0 ? 1 : 0;
}

process.exitCode = await run(process.argv.slice(2));
