import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/process.js';
import { checkMetrics } from '../support/promtool.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const main = path.join(repo, 'dist/exporter/main.js');
const fx = (name: string) => path.join(repo, 'fixtures/keepalived', name);
const work = tempDir('keepalived-once');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every VRRP password in the fixtures (PASS auth keeps 8 characters). */
const PASSWORDS = ['lab-vrrp', 'bacbefe5', 'Password = '];

/** Runs the real lvs-exporter once (file mode: no signalling) and returns stdout and stderr. */
function once(args: string[]): { out: string; err: string; status: number | null } {
  const r = spawnSync(
    process.execPath,
    [main, '--once', '--no-collector.ipvs', '--log.level=debug', ...args],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { out: r.stdout, err: r.stderr, status: r.status };
}

function copy(name: string): string {
  const target = path.join(work, name.replace(/\//g, '_'));
  copyFileSync(fx(name), target);
  return target;
}

describe.skipIf(!existsSync(main))(
  'lvs-exporter --once with keepalived dumps written by someone else',
  () => {
    it('JSON dump: keepalived-exporter compatible series and lvscope families', () => {
      const { out, err, status } = once([
        `--keepalived.json-file=${copy('2.2.7-vrrp/trackfail-a-fault.json')}`,
      ]);
      expect(status, err).toBe(0);
      expect(out).toMatch(/^keepalived_up 1$/m);
      expect(out).toContain(
        'keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="61",ip_address="10.250.0.201/24"} 3',
      );
      expect(out).toContain(
        'keepalived_vrrp_excluded_state{iname="VI_1",intf="eth0",vrid="61",ip_address="10.250.0.203"} 3',
      );
      expect(out).toContain(
        'lvscope_keepalived_vrrp_effective_priority{daemon="keepalived",iname="VI_2",intf="eth0",vrid="62"} 40',
      );
      expect(out).toContain(
        'lvscope_keepalived_vrrp_base_priority{daemon="keepalived",iname="VI_2",intf="eth0",vrid="62"} 100',
      );
      expect(out).toMatch(/^lvscope_keepalived_dump_age_seconds\{daemon="keepalived"\} \d/m);
    });

    it('text dumps of every layout, two daemons (daemon label added), checker data', () => {
      const daemons = [
        ['k135', '1.3.5'],
        ['k215', '2.1.5'],
      ].map(
        ([name, v]) =>
          `name=${name};data-file=${copy(`public/mehdy_keepalived-exporter_v${v}_keepalived.data`)};stats-file=${copy(`public/mehdy_keepalived-exporter_v${v}_keepalived.stats`)}`,
      );
      const { out, err, status } = once([
        `--keepalived.data-file=${copy('2.2.7-vrrp/steady-b-backup.data')}`,
        `--keepalived.stats-file=${copy('2.2.7-vrrp/steady-b-backup.stats')}`,
        `--keepalived.check-data-file=${copy('2.2.7-checker/keepalived_check.data')}`,
        `--keepalived.daemons=${daemons.join(',')}`,
      ]);
      expect(status, err).toBe(0);
      expect(out).toContain('keepalived_up{daemon="k135"} 1');
      expect(out).toContain(
        'keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="51",ip_address="10.32.75.200/32",daemon="k135"} 2',
      );
      expect(out).toContain(
        'keepalived_advertisements_sent_total{iname="VI_EXT_2",intf="ens192",vrid="20",daemon="k215"} 158',
      );
      expect(out).toContain('keepalived_script_status{name="check_haproxy",daemon="k135"} 0');
      expect(out).toContain(
        'keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="61",ip_address="10.250.0.201/24",daemon="keepalived"} 1',
      );
      expect(out).toContain(
        'lvscope_keepalived_checker_rs_alive{daemon="keepalived",proto="TCP",local_address="192.0.2.10",local_port="80",local_mark="",vs_group="",remote_address="198.18.1.77",remote_port="80"} 0',
      );
      expect(out).toContain(
        'lvscope_keepalived_checker_vs_quorum_up{daemon="keepalived",proto="FWM",local_address="",local_port="0",local_mark="00000007",vs_group=""} 0',
      );
    });

    it('the exposition passes promtool check metrics', async () => {
      const { out } = once([
        `--keepalived.json-file=${copy('2.2.7-vrrp/steady-a-master.json')}`,
        `--keepalived.check-data-file=${copy('2.2.7-checker/keepalived_check.data')}`,
      ]);
      const lint = await checkMetrics(out);
      expect(lint).toMatchObject({ code: 0, stdout: '', stderr: '' });
    });

    it('a dump that stays torn is reported down with the file named; the password never leaks', () => {
      const torn = path.join(work, 'torn.json');
      writeFileSync(torn, readFileSync(fx('2.2.7-vrrp/steady-a-master.json')).subarray(0, 600));
      const { out, err } = once([`--keepalived.json-file=${torn}`, '--keepalived.signal-timeout=0.3']);
      expect(out).toMatch(/^keepalived_up 0$/m);
      expect(out).toMatch(/^lvscope_keepalived_dump_up\{daemon="keepalived"\} 0$/m);
      for (const secret of PASSWORDS) expect(out + err).not.toContain(secret);
    });

    it('no output or log line holds any VRRP password of any fixture', () => {
      const outputs: string[] = [];
      for (const name of [
        'steady-a-master',
        'steady-b-backup',
        'trackfail-a-fault',
        'killed-peer-b-master',
      ]) {
        const json = once([`--keepalived.json-file=${copy(`2.2.7-vrrp/${name}.json`)}`]);
        const text = once([
          `--keepalived.data-file=${copy(`2.2.7-vrrp/${name}.data`)}`,
          `--keepalived.stats-file=${copy(`2.2.7-vrrp/${name}.stats`)}`,
        ]);
        outputs.push(json.out, json.err, text.out, text.err);
      }
      const v215 = once([
        `--keepalived.data-file=${copy('public/mehdy_keepalived-exporter_v2.1.5_keepalived.data')}`,
        `--keepalived.stats-file=${copy('public/mehdy_keepalived-exporter_v2.1.5_keepalived.stats')}`,
      ]);
      outputs.push(v215.out, v215.err);
      const all = outputs.join('\n');
      expect(all).toMatch(/keepalived_up 1/);
      for (const secret of PASSWORDS) expect(all).not.toContain(secret);
      // The generic upstream passwords ("test", "password") would match ordinary words: no label value may equal them.
      expect(all).not.toMatch(/="(test|password)"/);
    });
  },
);
