/**
 * Streams one snapshot's exposition to every scrape waiting for that snapshot: scrapes that
 * joined one collection share one rendering too, and the text goes out family by family with
 * back-pressure, so memory holds one family at a time however big the table or slow the client.
 * Back-pressure waits for the slowest reader, so a reader that falls behind the fastest by more
 * than LAGGARD_GRACE_MS on one chunk is cut: a client that stops reading cannot hold up the
 * Prometheus sharing its rendering (alone, it is cut by --web.write-timeout).
 */
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { finished as finishedStream } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import { drained } from '../../../common/io/text-output.js';
import type { MetricFamily } from '../../../common/metrics/family.js';
import type { Snapshot } from '../../../common/snapshot.js';
import { PROMETHEUS_CONTENT_TYPE, writeExposition } from './render.js';

export interface Scrape {
  readonly res: ServerResponse;
  readonly gzip: boolean;
}

/** How far behind the fastest reader another may fall on one chunk before it is cut. */
export const LAGGARD_GRACE_MS = 5000;

interface Job {
  started: boolean;
  readonly scrapes: Scrape[];
  readonly done: Promise<void>;
}

const waiting = (sink: Writable): boolean => !sink.destroyed && sink.writableNeedDrain;
const unfinished = (sink: Writable): boolean => !sink.destroyed && !sink.writableFinished;
const finished = (sink: Writable): Promise<void> => finishedStream(sink).catch(() => undefined);

/**
 * Waits until no sink is `pending`: for the fastest without a limit of our own (each response is
 * bounded by --web.write-timeout), then at most LAGGARD_GRACE_MS for the rest, which are then cut.
 */
async function together(
  sinks: readonly Writable[],
  scrapes: readonly Scrape[],
  pending: (sink: Writable) => boolean,
  settled: (sink: Writable) => Promise<void>,
): Promise<void> {
  if (!sinks.some(pending)) return;
  if (sinks.every(pending)) await Promise.race(sinks.map(settled));
  if (!sinks.some(pending)) return;
  const abort = new AbortController();
  await Promise.race([
    Promise.all(sinks.filter(pending).map(settled)),
    sleep(LAGGARD_GRACE_MS, undefined, { signal: abort.signal }).catch(() => undefined),
  ]);
  abort.abort();
  sinks.forEach((sink, i) => {
    if (pending(sink)) scrapes[i]?.res.destroy();
  });
}

function open({ res, gzip }: Scrape): Writable {
  res.writeHead(200, {
    'Content-Type': PROMETHEUS_CONTENT_TYPE,
    ...(gzip && { 'Content-Encoding': 'gzip' }),
  });
  // A scraper that hangs up mid-stream is not an error of ours; the other scrapes go on.
  res.on('error', () => undefined);
  if (!gzip) return res;
  const zipped = createGzip({ level: 1 });
  zipped.on('error', () => undefined);
  zipped.pipe(res);
  res.once('close', () => zipped.destroy());
  return zipped;
}

export class ExpositionFanout {
  private readonly jobs = new WeakMap<Snapshot, Job>();

  constructor(private readonly families: (snapshot: Snapshot) => MetricFamily[]) {}

  /** Adds a scrape to the snapshot's rendering (started on the next turn of the event loop). */
  serve(snapshot: Snapshot, scrape: Scrape): Promise<void> {
    let job = this.jobs.get(snapshot);
    if (!job || job.started) {
      const scrapes: Scrape[] = [];
      const created: Job = {
        started: false,
        scrapes,
        done: new Promise((resolve) => setImmediate(resolve)).then(() => this.run(snapshot, created)),
      };
      job = created;
      this.jobs.set(snapshot, job);
    }
    job.scrapes.push(scrape);
    return job.done;
  }

  private async run(snapshot: Snapshot, job: Job): Promise<void> {
    job.started = true;
    let sinks: Writable[] | undefined;
    try {
      await writeExposition(this.families(snapshot), async (chunk) => {
        sinks ??= job.scrapes.map(open);
        for (const sink of sinks) if (!sink.destroyed) sink.write(chunk);
        await together(sinks, job.scrapes, waiting, drained);
      });
      for (const sink of sinks ?? []) if (!sink.destroyed) sink.end();
      await together(sinks ?? [], job.scrapes, unfinished, finished);
    } catch (error) {
      if (sinks) {
        for (const sink of sinks) sink.destroy(error as Error);
      } else {
        const message = `${(error as Error).message}\n`;
        for (const { res } of job.scrapes) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(message);
      }
      throw error;
    }
  }
}
