import type { ExporterModule } from '../../core/module.js';
import { sinkHealthRegistry } from '../health/health.js';
import { otlpConfig, otlpOptions } from './options.js';

/**
 * OTLP metrics push (http/protobuf, http/json, grpc). Off unless an endpoint is configured; the
 * SDK is loaded only then. Health is reported by the sinks module as lvscope_sink_*{sink="otlp"}.
 */
export const otlpModule: ExporterModule = {
  name: 'otlp',
  options: otlpOptions,
  async start(ctx) {
    const config = otlpConfig(ctx.options);
    if (config === undefined) return () => Promise.resolve();
    if (/^true$/i.test(process.env.OTEL_SDK_DISABLED ?? '')) {
      ctx.log.info('OTLP sink off: OTEL_SDK_DISABLED=true');
      return () => Promise.resolve();
    }
    const { startOtlpSink } = await import('./sink.js');
    const health = sinkHealthRegistry.register('otlp');
    const stop = await startOtlpSink(config, { ...ctx, health });
    return async () => {
      await stop();
      sinkHealthRegistry.unregister(health);
    };
  },
};
