/** ipvsadm -Ln listings (--stats, --rate, --thresholds, --persistent-conn) and ipvsadm -S -n. */
import {
  parseIpvsadmPersistentConns,
  parseIpvsadmRates,
  parseIpvsadmStats,
  parseIpvsadmThresholds,
} from '../../../common/ipvs/parse-ipvsadm.js';
import { parseIpvsadmSave } from '../../../analyzer/inputs/pools/ipvsadm-save.js';
import { type FuzzTarget, fixtures } from '../harness.js';

const mysql = (name: string) => `fixtures/procfs/mysql/ipvsadm/${name}`;
const t1 = (name: string) => `fixtures/ipvsadm/kernel-6.1-t1/${name}`;
const text = (input: Buffer) => input.toString('latin1');

export const ipvsadmTargets: FuzzTarget[] = [
  {
    name: 'ipvsadm --stats',
    seeds: fixtures([
      mysql('ipvsadm-Ln--stats--exact--nosort.txt'),
      t1('ipvsadm-Ln--stats--exact.txt'),
      t1('ipvsadm-Ln--stats.txt'),
      'fixtures/ipvsadm/public/f1shl3gs_ipvs_exporter_ipvsadm_-l_--stats_-n.txt',
      'fixtures/ipvsadm/public/dpvs_issue386_ipvsadm_--stats_humanized_lines.txt',
    ]),
    run: (input) => parseIpvsadmStats(text(input)),
  },
  {
    name: 'ipvsadm --rate',
    seeds: fixtures([
      mysql('ipvsadm-Ln--rate--exact--nosort.txt'),
      t1('ipvsadm-Ln--rate--exact.txt'),
      t1('ipvsadm-Ln--rate.txt'),
    ]),
    run: (input) => parseIpvsadmRates(text(input)),
  },
  {
    name: 'ipvsadm --thresholds',
    seeds: fixtures([mysql('ipvsadm-Ln--thresholds--nosort.txt'), t1('ipvsadm-Ln--thresholds.txt')]),
    run: (input) => parseIpvsadmThresholds(text(input)),
  },
  {
    name: 'ipvsadm --persistent-conn',
    seeds: fixtures([
      mysql('ipvsadm-Ln--persistent-conn--nosort.txt'),
      t1('ipvsadm-Ln--persistent-conn.txt'),
    ]),
    run: (input) => parseIpvsadmPersistentConns(text(input)),
  },
  {
    name: 'ipvsadm -S -n',
    seeds: fixtures([mysql('ipvsadm-S-n.txt'), 'fixtures/traces/lab-6.1/ipvsadm-S-n.txt']),
    run: (input) => parseIpvsadmSave(text(input), 'ipvsadm-S-n.txt'),
  },
];
