import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandConfig, vipsFromConfig } from '../../../common/keepalived/parse-conf.js';
import { hostFiles } from '../../../common/keepalived/conf-files.js';
import { tempDir } from '../../support/process.js';

const dir = tempDir('keepalived-conf');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keepalived.conf VIPs', () => {
  it('reads the VIPs of the lab config keepalived 2.2.7 ran with (dev defaults to the interface)', () => {
    const conf = path.join(dir, 'a.conf');
    writeFileSync(
      conf,
      readFileSync(new URL('../../../fixtures/keepalived/2.2.7-vrrp/keepalived-a.conf', import.meta.url)),
    );
    const { lines, issues } = expandConfig(conf, hostFiles, 'cap-a');
    const { vips } = vipsFromConfig(lines);
    expect(issues).toEqual([]);
    expect(vips).toEqual([
      { address: '10.250.0.201', dev: 'eth0', iname: 'VI_1', vrid: 61, excluded: false },
      { address: '10.250.0.202', dev: 'eth0', iname: 'VI_1', vrid: 61, excluded: false },
      { address: '10.250.0.203', dev: 'eth0', iname: 'VI_1', vrid: 61, excluded: true },
      { address: '10.250.0.204', dev: 'eth0', iname: 'VI_2', vrid: 62, excluded: false },
    ]);
  });

  it('follows include globs and braces, @id conditionals, $PARAMS (multi-line) and ~SEQ', () => {
    mkdirSync(path.join(dir, 'conf.d'), { recursive: true });
    writeFileSync(
      path.join(dir, 'main.conf'),
      [
        '$IF=eth1',
        '@lb1 $PRIO=150  # only on lb1',
        'include conf.d/*.conf',
        'include {extra,missing}.inc',
        '$INST= \\',
        'vrrp_instance VI_${N} { \\',
        '  interface $IF \\',
        '  virtual_router_id ${N} \\',
        '  virtual_ipaddress { \\',
        '    10.9.${N}.1/24 \\',
        '  } \\',
        '}',
        '$N=7',
        '$INST',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'conf.d', 'vi1.conf'),
      'vrrp_instance VI_1 {\n  interface $IF\n  virtual_router_id 51\n  virtual_ipaddress {\n    @lb1 10.0.0.1\n    @^lb1 10.0.0.2 dev eth9\n    ~SEQ(X, 3, 4) 10.0.1.${X}/32 ! comment\n    2001:DB8::0:1 dev eth2\n  }\n}\n',
    );
    writeFileSync(
      path.join(dir, 'extra.inc'),
      'vrrp_instance VI_2 {\n  virtual_router_id 52\n  virtual_ipaddress {\n    not-an-ip\n  }\n}\n',
    );
    const { lines, issues } = expandConfig(path.join(dir, 'main.conf'), hostFiles, 'lb1');
    expect(issues).toEqual([
      { file: path.join(dir, 'missing.inc'), line: 0, field: 'file', message: 'cannot read (ENOENT)' },
    ]);
    const found = vipsFromConfig(lines);
    expect(found.vips.map((v) => [v.iname, v.address, v.dev, v.vrid])).toEqual([
      ['VI_1', '10.0.0.1', 'eth1', 51],
      ['VI_1', '10.0.1.3', 'eth1', 51],
      ['VI_1', '10.0.1.4', 'eth1', 51],
      ['VI_1', '2001:db8::1', 'eth2', 51],
      ['VI_7', '10.9.7.1', 'eth1', 7],
    ]);
    expect(found.issues).toEqual([
      {
        file: path.join(dir, 'extra.inc'),
        line: 4,
        field: 'VI_2 virtual_ipaddress',
        message: 'not an address',
      },
    ]);
    const other = vipsFromConfig(expandConfig(path.join(dir, 'main.conf'), hostFiles, 'lb2').lines).vips;
    expect(
      other
        .filter((v) => v.iname === 'VI_1')
        .map((v) => v.address)
        .slice(0, 1),
    ).toEqual(['10.0.0.2']);
  });

  // Found by npm run fuzz: virtual_router_id 18446744073709550592 became a VRID of 2^64.
  it('refuses a virtual_router_id keepalived refuses (outside 1–255), naming file, line and instance', () => {
    const conf = path.join(dir, 'vrid.conf');
    const instance = (name: string, vrid: string) =>
      `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n`;
    writeFileSync(
      conf,
      instance('VI_1', '18446744073709550592') + instance('VI_2', '0') + instance('VI_3', '255'),
    );
    const { vips, issues } = vipsFromConfig(expandConfig(conf, hostFiles, 'lb1').lines);
    expect(vips.map((v) => [v.iname, v.vrid])).toEqual([
      ['VI_1', undefined],
      ['VI_2', undefined],
      ['VI_3', 255],
    ]);
    expect(issues).toEqual([
      {
        file: conf,
        line: 3,
        field: 'VI_1 virtual_router_id',
        message: '"18446744073709550592": not a VRID from 1 to 255',
      },
      { file: conf, line: 10, field: 'VI_2 virtual_router_id', message: '"0": not a VRID from 1 to 255' },
    ]);
  });

  it('does not read an include target too big to be a config (a log, a disk image)', () => {
    const big = path.join(dir, 'huge.img');
    writeFileSync(big, '');
    truncateSync(big, 5 << 20); // sparse: 5 MiB without writing them
    writeFileSync(path.join(dir, 'big.conf'), `include ${big}\nvrrp_instance VI_9 {\n}\n`);
    const { lines, issues } = expandConfig(path.join(dir, 'big.conf'), hostFiles, 'lb1');
    expect(issues).toEqual([{ file: big, line: 0, field: 'file', message: 'cannot read (EFBIG)' }]);
    expect(lines.map((l) => l.text)).toEqual(['vrrp_instance VI_9 {', '}']);
  });
});
