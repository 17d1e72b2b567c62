import type { ExporterModule } from '../core/module.js';
import { keepalivedOptions, resolveKeepalivedConfig } from './daemon-config.js';
import { keepalivedFamilies } from './families.js';
import { FifoReader } from './fifo-reader.js';
import { lookupSignals } from './signal.js';
import { daemonSources } from './sources.js';
import { VrrpCapture } from './wire/capture.js';
import { vrrpWireFamilies } from './wire/families.js';
import { VrrpWireSource } from './wire/source.js';

/**
 * keepalived/VRRP: dumps (signalled or read from files), the LVS checker dump, the notify FIFO
 * and VIP presence, for one or several keepalived daemons, and the passive VRRP listener.
 * Disabled until an input is set.
 */
function createKeepalivedModule(): ExporterModule {
  const readers = new Set<FifoReader>();
  const captures = new Set<VrrpCapture>();
  return {
    name: 'keepalived',
    options: keepalivedOptions,
    sources(options) {
      const config = resolveKeepalivedConfig(options);
      let signals: ReturnType<typeof lookupSignals> | undefined;
      const withSignals = {
        ...config,
        signals: () => (signals ??= lookupSignals(config.binary, config.signalTimeoutMs)),
      };
      const wire = config.wire.interfaces.map((intf) => {
        const { tcpdump, netns, maxAdvertisers } = config.wire;
        const capture = new VrrpCapture(intf, { tcpdump, netns, ip: config.ipBinary }, maxAdvertisers);
        captures.add(capture);
        return new VrrpWireSource(capture);
      });
      return [
        ...config.daemons.flatMap((daemon) =>
          daemonSources(daemon, withSignals, (path) => {
            const reader = new FifoReader(path, config.signalTimeoutMs);
            readers.add(reader);
            return reader;
          }),
        ),
        ...wire,
      ];
    },
    families: (snapshot) => [...keepalivedFamilies(snapshot), ...vrrpWireFamilies(snapshot.vrrpWire)],
    async start(ctx) {
      for (const c of captures) c.start();
      // Read the FIFOs from startup on, so transitions before the first scrape are counted.
      await Promise.all([...readers].map((r) => r.check()));
      for (const r of readers)
        if (r.lastError)
          ctx.log.warn('keepalived notify FIFO not open', { path: r.path, error: r.lastError });
      return async () => {
        for (const r of readers) r.close();
        await Promise.all([...captures].map((c) => c.stop()));
      };
    },
  };
}

export const keepalivedModule = createKeepalivedModule();
