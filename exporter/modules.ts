import type { ExporterModule } from './core/module.js';
import { influxModule } from './influx/module.js';
import { ipvsModule } from './ipvs/module.js';
import { keepalivedModule } from './keepalived/module.js';
import { otlpModule } from './otlp/module.js';
import { prometheusModule } from './prometheus/module.js';
import { selfModule } from './self/module.js';
import { sinkHealthModule } from './sinks/module.js';

/** Every part of the exporter, in the order their options are listed in --help. */
export const modules: readonly ExporterModule[] = [
  selfModule,
  ipvsModule,
  keepalivedModule,
  prometheusModule,
  otlpModule,
  influxModule,
  sinkHealthModule,
];
