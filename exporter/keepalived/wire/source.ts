import { formatIssue } from '../../../common/parse/issue.js';
import type { SnapshotDraft } from '../../core/draft.js';
import type { Source, SourceOutcome } from '../../core/source.js';
import type { VrrpCapture } from './capture.js';

/**
 * One listened interface as a Source: the capture runs continuously; a collection takes the
 * routers heard within their master-down interval, and the packets that did not decode as VRRP
 * since the previous collection as parse errors.
 */
export class VrrpWireSource implements Source {
  readonly name: string;

  constructor(readonly capture: VrrpCapture) {
    this.name = `keepalived_vrrp_wire:${capture.intf}`;
  }

  collect(draft: SnapshotDraft): Promise<SourceOutcome> {
    const { capture, invalid, firstInvalid } = this.capture.take(Date.now());
    draft.vrrpWire.push(capture);
    const first = firstInvalid && formatIssue(firstInvalid);
    if (!capture.capturing)
      return Promise.resolve({
        up: false,
        parseErrors: invalid,
        error: this.capture.lastError ?? `tcpdump -i ${capture.intf} is not listening yet`,
      });
    return Promise.resolve(
      first ? { up: true, parseErrors: invalid, error: first } : { up: true, parseErrors: invalid },
    );
  }
}
