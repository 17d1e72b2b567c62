/**
 * The exposition cases pinned byte for byte: every procfs tree and keepalived fixture through
 * `lvs-exporter --once` with the option sets that change what is rendered. The golden files were
 * written by the exporter as it stood before the shared-library restructure, so any change in
 * what a fixture renders is caught (update with `node dist/test/golden/update.js`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout, found upwards from here (this file also runs compiled, from dist/test/golden). */
function findRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) ? dir : findRoot(dirname(dir));
}

const ROOT = findRoot(import.meta.dirname);
const PROCFS = join(ROOT, 'fixtures/procfs');
const KEEPALIVED = join(ROOT, 'fixtures/keepalived');
const REPLAY = join(ROOT, 'test/exporter/ipvsadm-replay.sh');

export const GOLDEN_DIR = join(ROOT, 'fixtures/golden/exposition');
export const EXPORTER = join(ROOT, 'dist/exporter/main.js');

export interface ExpositionCase {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

const NO_IPVSADM = '--no-collector.ipvs.ipvsadm';
const CONN = ['--collector.ipvs.conn', '--collector.ipvs.conn.top-clients=3'];

function procfsCases(): ExpositionCase[] {
  const trees: { tree: string; ipvsadm?: string }[] = [
    { tree: 'kernel-6.1-t1', ipvsadm: join(ROOT, 'fixtures/ipvsadm/kernel-6.1-t1') },
    { tree: 'kernel-6.1-keepalived', ipvsadm: join(ROOT, 'fixtures/ipvsadm/kernel-6.1-keepalived') },
    { tree: 'mysql', ipvsadm: join(PROCFS, 'mysql/ipvsadm') },
    { tree: 'node_exporter' },
    { tree: 'procfs' },
  ];
  return trees.flatMap(({ tree, ipvsadm }) => {
    const procfs = `--path.procfs=${join(PROCFS, tree)}`;
    const cases: ExpositionCase[] = [
      { name: `${tree}-proc`, args: [procfs, NO_IPVSADM, ...CONN] },
      { name: `${tree}-proc-hz100`, args: [procfs, NO_IPVSADM, '--collector.ipvs.hz=100'] },
      {
        name: `${tree}-backend-labels`,
        args: [procfs, NO_IPVSADM, '--collector.ipvs.backend-labels=local_address,remote_address'],
      },
      { name: `${tree}-node-only`, args: [procfs, NO_IPVSADM, '--no-collector.ipvs.native'] },
      { name: `${tree}-native-only`, args: [procfs, NO_IPVSADM, '--no-collector.ipvs.node-compat'] },
    ];
    if (ipvsadm) {
      cases.push({
        name: `${tree}-ipvsadm`,
        args: [procfs, `--ipvsadm.path=${REPLAY}`, ...CONN],
        env: { IPVSADM_REPLAY_DIR: ipvsadm },
      });
    }
    return cases;
  });
}

function keepalivedCases(): ExpositionCase[] {
  const k = (file: string) => join(KEEPALIVED, file);
  const only = ['--no-collector.ipvs'];
  const vrrp = [
    'steady-a-master',
    'steady-b-backup',
    'killed-peer-b-master',
    'trackfail-a-fault',
    'trackfail-b-master',
  ];
  return [
    ...vrrp.map((name) => ({
      name: `keepalived-json-${name}`,
      args: [...only, `--keepalived.json-file=${k(`2.2.7-vrrp/${name}.json`)}`],
    })),
    ...vrrp.map((name) => ({
      name: `keepalived-text-${name}`,
      args: [
        ...only,
        `--keepalived.data-file=${k(`2.2.7-vrrp/${name}.data`)}`,
        `--keepalived.stats-file=${k(`2.2.7-vrrp/${name}.stats`)}`,
      ],
    })),
    {
      name: 'keepalived-json-v2',
      args: [...only, `--keepalived.json-file=${k('derived/json-v2-steady-a-master.json')}`],
    },
    {
      name: 'keepalived-checker',
      args: [...only, `--keepalived.check-data-file=${k('2.2.7-checker/keepalived_check.data')}`],
    },
    {
      name: 'keepalived-public-daemons',
      args: [
        ...only,
        ...['1.3.5', '2.1.5'].map(
          (v) =>
            `--keepalived.daemons=name=v${v};data-file=${k(`public/mehdy_keepalived-exporter_v${v}_keepalived.data`)};stats-file=${k(`public/mehdy_keepalived-exporter_v${v}_keepalived.stats`)}`,
        ),
        `--keepalived.json-file=${k('public/nser77_keepalived-wrapper_keepalived.json')}`,
      ],
    },
  ];
}

export const CASES: readonly ExpositionCase[] = [...procfsCases(), ...keepalivedCases()];

/**
 * Values that depend on the moment of the run (durations, ages, build info) are replaced by `X`
 * so the comparison pins names, labels, help, types and every other value.
 */
const VOLATILE =
  /^(lvscope_(?:source_duration_seconds|collection_duration_seconds|build_info|keepalived_dump_age_seconds|keepalived_signal_duration_seconds)(?:\{[^}]*\})?) \S+$/;

export function stable(exposition: string): string {
  return exposition
    .split('\n')
    .map((line) => line.replace(VOLATILE, '$1 X').replace(/^(lvscope_build_info)\{.*\} X$/, '$1{…} X'))
    .join('\n');
}
