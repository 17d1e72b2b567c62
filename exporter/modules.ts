import type { ExporterModule } from './core/module.js';
import { influxModule } from './outputs/influx/module.js';
import { ipvsModule } from './ipvs/module.js';
import { keepalivedModule } from './keepalived/module.js';
import { otlpModule } from './outputs/otlp/module.js';
import { prometheusModule } from './outputs/prometheus/module.js';
import { captureModule } from './outputs/capture/module.js';
import { selfModule } from './self/module.js';
import { sinkHealthModule } from './outputs/health/module.js';

/** Every part of the exporter, in the order their options are listed in --help. */
export const modules: readonly ExporterModule[] = [
  selfModule,
  ipvsModule,
  keepalivedModule,
  prometheusModule,
  otlpModule,
  influxModule,
  captureModule,
  sinkHealthModule,
];
