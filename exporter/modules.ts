import type { ExporterModule } from './core/module.js';

/** Every part of the exporter, in the order their options are listed in --help. */
export const modules: readonly ExporterModule[] = [];
