/**
 * ipvsadm as sources: one per listing (common/ipvs/read.ts), run without a shell and with a
 * timeout. A missing binary, a kernel without IPVS ("Protocol not available"), a non-zero exit
 * or a timeout marks only that source down.
 */
import { IPVSADM_LISTINGS, type IpvsadmOptions, runIpvsadm } from '../../common/ipvs/read.js';
import { formatIssue } from '../../common/parse/issue.js';
import type { Source } from '../core/source.js';
import { holdsNothing, unusable } from './proc-sources.js';

export type { IpvsadmOptions };

export function ipvsadmSources(options: IpvsadmOptions): Source[] {
  return IPVSADM_LISTINGS.map((spec) => {
    const command = `ipvsadm ${spec.args.join(' ')}`;
    return {
      name: spec.name,
      async collect(draft, signal) {
        let text: string;
        try {
          text = await runIpvsadm(options, spec, signal);
        } catch (error) {
          return { up: false, parseErrors: 0, error: (error as Error).message };
        }
        const { value, issues } = spec.parse(text);
        if (issues.length > 0 && holdsNothing(value)) return unusable(command, issues);
        spec.store(draft.ipvs, value as never);
        const first = issues[0];
        return { up: true, parseErrors: issues.length, ...(first && { error: formatIssue(first, command) }) };
      },
    };
  });
}
