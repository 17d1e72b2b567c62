/**
 * Single-flight collection: concurrent callers (scrapes, pushes) share the collection in progress,
 * and a caller that accepts some age gets the last finished snapshot without any I/O. Each source
 * runs on its own draft, merged only if it finished within the deadline, so a source that ignores
 * the abort signal can never write into a snapshot that was already handed out.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from './log.js';
import type { Collector } from './module.js';
import type { Snapshot, SourceReport } from '../../common/snapshot.js';
import { type SnapshotDraft, emptyDraft, finishSnapshot, mergeDraft } from './draft.js';
import type { Source, SourceOutcome } from './source.js';

export interface CollectorOptions {
  /** Deadline for one whole collection; sources still running are reported down. */
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly now?: () => number;
}

export class SingleFlightCollector implements Collector {
  private inFlight: Promise<Snapshot> | undefined;
  private readonly listeners = new Set<(snapshot: Snapshot) => void>();
  private last: Snapshot | undefined;
  private readonly lastUp = new Map<string, boolean>();
  private readonly lastParseError = new Map<string, string | undefined>();
  private readonly now: () => number;

  constructor(
    private readonly sources: readonly Source[],
    private readonly options: CollectorOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  collect(maxAgeMs = 0): Promise<Snapshot> {
    if (this.inFlight) return this.inFlight;
    if (this.last && maxAgeMs > 0 && this.now() - this.last.takenAtMs <= maxAgeMs)
      return Promise.resolve(this.last);
    const running = this.run().finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = running;
    return running;
  }

  subscribe(listener: (snapshot: Snapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async run(): Promise<Snapshot> {
    const takenAtMs = this.now();
    const started = performance.now();
    const deadline = new AbortController();
    // Each source and each of its reads listen on this one signal.
    setMaxListeners(8 * this.sources.length + 10, deadline.signal);
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    const draft = emptyDraft();
    try {
      const reports = await Promise.all(
        this.sources.map((source) => this.runSource(source, draft, deadline.signal)),
      );
      const durationSeconds = (performance.now() - started) / 1000;
      const snapshot = finishSnapshot(draft, takenAtMs, durationSeconds, reports);
      this.last = snapshot;
      for (const listener of this.listeners) listener(snapshot);
      return snapshot;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A source that stays down is logged once (then at debug), not on every scrape. */
  private logTransition(report: SourceReport): void {
    const wasUp = this.lastUp.get(report.source);
    this.lastUp.set(report.source, report.up);
    if (report.up) {
      if (wasUp === false) this.options.log.info('source back up', { source: report.source });
    } else if (wasUp !== false) {
      this.options.log.warn('source down', { source: report.source, error: report.error });
    } else {
      this.options.log.debug('source still down', { source: report.source, error: report.error });
    }
  }

  private async runSource(
    source: Source,
    draft: SnapshotDraft,
    deadline: AbortSignal,
  ): Promise<SourceReport> {
    const own = emptyDraft();
    const started = performance.now();
    let outcome: SourceOutcome;
    let answered = false;
    try {
      outcome = await Promise.race([
        source.collect(own, deadline).then((result) => {
          answered = !deadline.aborted;
          return result;
        }),
        new Promise<never>((_, reject) => {
          if (deadline.aborted) reject(new Error('collection deadline passed'));
          deadline.addEventListener(
            'abort',
            () => reject(new Error(`no result within ${this.options.timeoutMs} ms`)),
            {
              once: true,
            },
          );
        }),
      ]);
    } catch (error) {
      outcome = { up: false, parseErrors: 0, error: error instanceof Error ? error.message : String(error) };
    }
    // Whatever a source answered in time is kept, even when it reports itself down.
    if (answered) mergeDraft(draft, own);
    const report: SourceReport = {
      source: source.name,
      durationSeconds: (performance.now() - started) / 1000,
      ...outcome,
    };
    this.logTransition(report);
    if (report.up && report.parseErrors > 0) {
      // The same damaged input is reported once at warn, then at debug on each collection.
      const repeated = this.lastParseError.get(report.source) === report.error;
      this.lastParseError.set(report.source, report.error);
      const fields = { source: report.source, count: report.parseErrors, first: report.error };
      if (repeated) this.options.log.debug('skipped unparsable input', fields);
      else this.options.log.warn('skipped unparsable input', fields);
    } else {
      this.lastParseError.delete(report.source);
    }
    return report;
  }
}
