/**
 * Prints the name mapping of every family in the catalog (Prometheus name, OTel name and unit,
 * InfluxDB measurement and field, labels) and the label → attribute table, as Markdown for the
 * README; exits 1 when a label has no attribute rule. No collection, no flags:
 *   node dist/exporter/tools/name-mapping.js
 */
import { CATALOG } from '../../common/metrics/catalog/index.js';
import { attributeTable, familyTable, unmappedLabels } from './mapping-doc.js';

const missing = unmappedLabels(CATALOG);
process.stdout.write(`${familyTable(CATALOG)}\n\n${attributeTable()}\n`);
if (missing.length > 0) process.stderr.write(`labels without a mapping rule: ${missing.join(', ')}\n`);
process.exitCode = missing.length > 0 ? 1 : 0;
