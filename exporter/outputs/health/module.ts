import type { ExporterModule } from '../../core/module.js';
import { sinkHealthRegistry } from './health.js';

/** Reports the health of every running push sink (OTLP, InfluxDB) as lvscope_sink_* families. */
export const sinkHealthModule: ExporterModule = {
  name: 'sinks',
  options: [],
  families: () => sinkHealthRegistry.families(),
};
