/** Ready-to-apply commands in copyable blocks; the tool never applies anything itself. */
import type { ServiceRecommendation } from '../../../recommend/types.js';
import { type Html, markup } from '../html.js';

function block(title: string, label: string, text: string): Html {
  return markup`<h4>${title}</h4>
    <div class="command-block"><pre class="command" aria-label="${label}">${text}</pre></div>`;
}

export function commandsSection(s: ServiceRecommendation, id: string): Html {
  const a = s.apply;
  const edits =
    s.verdict === 'keep' || a.ipvsadmEdits.length === 0
      ? markup`<p>No change to apply: the running configuration stays.</p>`
      : block(
          'ipvsadm, from the running configuration',
          `ipvsadm edits for ${s.service}`,
          a.ipvsadmEdits.join('\n'),
        );
  return markup`<h3 id="${id}-commands">Ready-to-apply commands</h3>
    <p class="meta">Nothing has been applied. Review, then run on the director (both directors of a pair).</p>
    ${edits}
    ${block('The whole service for ipvsadm -R', `ipvsadm-restore input for ${s.service}`, a.ipvsadmRestore.join('\n'))}
    ${block('keepalived.conf (keep the health check in use)', `keepalived virtual_server for ${s.service}`, a.keepalived.trimEnd())}
    ${
      a.realServers !== undefined &&
      block(
        `On every real server (${a.realServers.mode})`,
        `real-server steps for ${a.realServers.mode}`,
        a.realServers.steps.join('\n'),
      )
    }`;
}
