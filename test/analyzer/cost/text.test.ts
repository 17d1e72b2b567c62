/** The text table the recommender prints: every mode, unknowns as `?`, the advice and its grounds. */
import { describe, expect, it } from 'vitest';
import { costInputFromWorkload, costModes, modeCostText } from '../../../analyzer/cost/index.js';
import { exampleService } from './support.js';

describe('modeCostText', () => {
  it('prints a row per mode with its figures, the recommendation and the profile', () => {
    const text = modeCostText(costModes(costInputFromWorkload(exampleService(), {})));
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'forwarding modes for 172.16.1.18:3306: 500 new connections/s mean, 750/s peak; server→client figures: recorded',
    );
    expect(lines[1]).toMatch(
      /^mode +pkt\/s in +pkt\/s out +peak pkt\/s +NIC rx +NIC tx +cores mean\/peak +conn table +headroom +binds first$/,
    );
    expect(lines[2]).toMatch(
      /^DR \(recommended\) +21\.0 k +0 +31\.5 k +16\.7 Mb\/s +16\.7 Mb\/s +0\.025 \/ 0\.038 +18\.3 MiB +27× +cores$/,
    );
    expect(lines[3]).toMatch(/^TUN\/IPIP .* MSS 1440 +cores$/);
    expect(lines[6]).toMatch(
      /^NAT \(current\) +21\.0 k +35\.0 k +84\.0 k +359 Mb\/s +359 Mb\/s .* 10× +cores$/,
    );
    expect(lines[7]).toMatch(/^FULLNAT .* 2 LIP +constraint fails$/);
    expect(lines[8]).toMatch(/^recommended: DR\. DR would take 95 %/);
    expect(text).toContain('  TUN/IPIP, TUN/GRE, TUN/GUE tunnel decapsulation [?]: ');
    expect(text).toContain('  FULLNAT LIP port space [FAILS]: 45,075 entries');
    expect(text).toContain("FULLNAT: cores = NAT's × 1.10");
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'cost profile: built-in defaults; ? = unknown; headroom = capacity ÷ peak load',
    );
  });

  it('shows what the recording cannot see as ? and says what to supply', () => {
    const text = modeCostText(costModes(costInputFromWorkload(exampleService({ forward: 'route' }), {})));
    expect(text).toMatch(/\nNAT +21\.0 k +\? +\? +\? +\? +\? \/ \? +18\.3 MiB +\? +\?\n/);
    expect(text).toContain(
      'unknown:\n  server→client bytes (DR/TUN replies bypass the director, which sees only inbound): give --response-bytes',
    );
  });
});
