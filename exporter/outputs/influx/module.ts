import { hostname } from 'node:os';
import type { ExporterModule } from '../../core/module.js';
import { sinkHealthRegistry } from '../health/health.js';
import { influxConfig, influxOptions } from './options.js';

/**
 * InfluxDB push (1.x API through `influx`, 2.x/3.x API through the optional
 * @influxdata/influxdb-client). Off unless influx.url is set. Health is reported by the sinks
 * module as lvscope_sink_*{sink="influx"}.
 */
export const influxModule: ExporterModule = {
  name: 'influx',
  options: influxOptions,
  async start(ctx) {
    const config = influxConfig(ctx.options, hostname());
    if (config === undefined) return () => Promise.resolve();
    const { InfluxSink, createWriter } = await import('./sink.js');
    const writer = await createWriter(config);
    const health = sinkHealthRegistry.register('influx');
    const sink = new InfluxSink(config, writer, { ...ctx, health });
    sink.start();
    ctx.log.info('InfluxDB sink started', { api: config.target.api, interval_ms: config.intervalMs });
    return async () => {
      await sink.stop();
      sinkHealthRegistry.unregister(health);
    };
  },
};
