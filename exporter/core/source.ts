import type { SnapshotDraft } from './draft.js';

export interface SourceOutcome {
  readonly up: boolean;
  readonly parseErrors: number;
  readonly error?: string;
}

/**
 * One input (a /proc file, an ipvsadm call, a keepalived dump, ...). A source fills its own slot
 * of the draft snapshot and knows nothing about sinks. It must not throw for bad input: it
 * reports parse errors and keeps every sample it could read.
 */
export interface Source {
  readonly name: string;
  collect(draft: SnapshotDraft, signal: AbortSignal): Promise<SourceOutcome>;
}
