/**
 * deploy/: the systemd unit, the keepalived drop-in, sysusers.d/tmpfiles.d and the default config,
 * checked by systemd's own tools (verify, security, sysusers, tmpfiles, the syscall group table)
 * and by running the exporter the way the unit runs it: a non-root user holding only the unit's
 * capabilities under NoNewPrivileges, against a real keepalived that uses the drop-in's settings,
 * traced with strace so every system call is held against the unit's SystemCallFilter=.
 * There is no systemd as PID 1 here: the mount sandbox (ProtectSystem= and friends) is checked by
 * `systemd-analyze`, not exercised.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfigFile } from '../../exporter/core/config-file.js';
import { modules } from '../../exporter/modules.js';
import { type Running, run, start, tempDir, waitFor } from '../support/process.js';
import { ROOT } from './staged-package.js';
import { allowedSyscalls, expand, parseSyscallGroups, tracedSyscalls } from './syscall-filter.js';
import { parseUnitFile, setting, settingWords } from './unit-file.js';

/** `systemd-analyze security` overall exposure (0 = fully sandboxed, 10 = none): 2.0 on systemd 252. */
const MAX_EXPOSURE = 2.0;
const PORT = 19510;
const NETNS = 'lvscope-package';
/** The unit's DynamicUser stands in as these ids (inside systemd's dynamic range 61184–65519). */
const SERVICE_UID = 61950;
const LVSCOPE_GID = 61951;

const deploy = (file: string) => join(ROOT, 'deploy', file);
const unitText = readFileSync(deploy('lvs-exporter.service'), 'utf8');
const unit = parseUnitFile(unitText, 'deploy/lvs-exporter.service');
const dropIn = parseUnitFile(
  readFileSync(deploy('keepalived.service.d/lvscope.conf'), 'utf8'),
  'deploy/keepalived.service.d/lvscope.conf',
);
const exporterMain = join(ROOT, 'dist', 'exporter', 'main.js');
const work = tempDir('package-unit');
chmodSync(work, 0o755); // the service user must reach its files in here

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The unit with ExecStart pointed at the program built in this tree (verify needs it to exist). */
function unitWithBuiltProgram(): string {
  const dir = join(work, 'unit');
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'lvs-exporter.service');
  expect(unitText).toContain('ExecStart=/usr/local/bin/lvs-exporter --config /etc/lvscope/exporter.yml\n');
  writeFileSync(
    copy,
    unitText.replace(
      'ExecStart=/usr/local/bin/lvs-exporter ',
      `ExecStart=${process.execPath} ${exporterMain} `,
    ),
  );
  return copy;
}

describe('deploy/lvs-exporter.service', () => {
  test('systemd-analyze verify is clean', async () => {
    const result = await run('systemd-analyze', ['verify', unitWithBuiltProgram()], { timeoutMs: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  test(`systemd-analyze security exposure is at most ${MAX_EXPOSURE}`, async () => {
    const result = await run(
      'systemd-analyze',
      ['security', '--offline=true', '--no-pager', unitWithBuiltProgram()],
      {
        timeoutMs: 30_000,
      },
    );
    const level = /Overall exposure level for lvs-exporter\.service: (\d+(?:\.\d+)?)/.exec(
      result.stdout,
    )?.[1];
    expect(level, result.stdout.slice(-2000)).toBeDefined();
    console.log(`systemd-analyze security: exposure ${level} (bound ${MAX_EXPOSURE})`);
    expect(Number(level)).toBeLessThanOrEqual(MAX_EXPOSURE);
  });

  test('grants exactly CAP_NET_ADMIN and CAP_KILL, ambient, and keeps the settings that must stay off', () => {
    expect(settingWords(unit, 'Service', 'CapabilityBoundingSet').sort()).toEqual([
      'CAP_KILL',
      'CAP_NET_ADMIN',
    ]);
    expect(settingWords(unit, 'Service', 'AmbientCapabilities').sort()).toEqual([
      'CAP_KILL',
      'CAP_NET_ADMIN',
    ]);
    expect(setting(unit, 'Service', 'NoNewPrivileges')).toEqual(['yes']);
    expect(setting(unit, 'Service', 'ProtectSystem')).toEqual(['strict']);
    expect(settingWords(unit, 'Service', 'RestrictAddressFamilies').sort()).toEqual([
      'AF_INET',
      'AF_INET6',
      'AF_NETLINK',
      'AF_UNIX',
    ]);
    // These would break the exporter: /proc/net hidden, another network namespace, caps in a
    // user namespace that the director's IPVS ignores, V8 refused executable pages.
    for (const key of ['ProcSubset', 'PrivateNetwork', 'PrivateUsers', 'MemoryDenyWriteExecute'])
      expect(setting(unit, 'Service', key), key).toEqual([]);
  });

  test('the keepalived drop-in verifies on top of the installed keepalived.service', async () => {
    const dir = join(work, 'keepalived-unit');
    mkdirSync(join(dir, 'keepalived.service.d'), { recursive: true });
    copyFileSync('/lib/systemd/system/keepalived.service', join(dir, 'keepalived.service'));
    copyFileSync(
      deploy('keepalived.service.d/lvscope.conf'),
      join(dir, 'keepalived.service.d', 'lvscope.conf'),
    );
    const result = await run('systemd-analyze', ['verify', join(dir, 'keepalived.service')], {
      timeoutMs: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  test('sysusers.d and tmpfiles.d create the group and the setgid dump directory', async () => {
    const root = join(work, 'root');
    for (const [from, to] of [
      ['sysusers.d/lvscope.conf', 'usr/lib/sysusers.d/lvscope.conf'],
      ['tmpfiles.d/lvscope.conf', 'usr/lib/tmpfiles.d/lvscope.conf'],
    ] as const) {
      mkdirSync(join(root, to, '..'), { recursive: true });
      copyFileSync(deploy(from), join(root, to));
    }
    mkdirSync(join(root, 'etc'));
    const users = await run('systemd-sysusers', [`--root=${root}`], { timeoutMs: 30_000 });
    expect(users.code, users.stderr).toBe(0);
    const group = /^lvscope:x:(\d+):/m.exec(readFileSync(join(root, 'etc', 'group'), 'utf8'));
    expect(group).not.toBeNull();
    const files = await run('systemd-tmpfiles', [`--root=${root}`, '--create'], { timeoutMs: 30_000 });
    expect(files.code, files.stderr).toBe(0);
    const dir = statSync(join(root, 'run', 'lvscope-keepalived'));
    expect(dir.isDirectory()).toBe(true);
    expect((dir.mode & 0o7777).toString(8)).toBe('2750');
    expect([dir.uid, dir.gid]).toEqual([0, Number(group?.[1])]);
  });

  test('deploy/exporter.yml is valid and names the paths the unit, drop-in and tmpfiles use', () => {
    const values = loadConfigFile(
      deploy('exporter.yml'),
      modules.flatMap((module) => module.options),
    );
    const dumpDir = setting(dropIn, 'Service', 'Environment')
      .find((value) => value.startsWith('TMPDIR='))
      ?.slice('TMPDIR='.length);
    expect(dumpDir).toBe('/run/lvscope-keepalived');
    expect(values.get('keepalived.dump-dir')).toBe(dumpDir);
    expect(readFileSync(deploy('tmpfiles.d/lvscope.conf'), 'utf8')).toMatch(
      /^d \/run\/lvscope-keepalived 2750 root lvscope -$/m,
    );
    expect(String(values.get('capture.dir'))).toMatch(
      new RegExp(`^/var/lib/${setting(unit, 'Service', 'StateDirectory')[0] ?? '?'}/`),
    );
    expect(setting(unit, 'Service', 'SupplementaryGroups')).toEqual(['lvscope']);
  });
});

/** setpriv arguments that give a process what the unit gives the service, and nothing else. */
function asService(capabilities: readonly string[]): string[] {
  const caps = ['-all', ...capabilities.map((cap) => `+${cap.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
  return [
    `--reuid=${SERVICE_UID}`,
    `--regid=${SERVICE_UID}`,
    `--groups=${LVSCOPE_GID}`,
    `--inh-caps=${caps}`,
    `--ambient-caps=${caps}`,
    `--bounding-set=${caps}`,
    ...(setting(unit, 'Service', 'NoNewPrivileges')[0] === 'yes' ? ['--no-new-privs'] : []),
    '--',
  ];
}

/** keepalived's command line from the drop-in, with the test's files for `$DAEMON_ARGS`. */
function keepalivedCommand(daemonArgs: readonly string[]): { file: string; args: string[]; tmpdir: string } {
  const [file, ...args] = (setting(dropIn, 'Service', 'ExecStart').at(-1) ?? '').split(/\s+/);
  if (file === undefined) throw new Error('the drop-in has no ExecStart');
  return {
    file,
    args: args.flatMap((arg) => (arg === '$DAEMON_ARGS' ? daemonArgs : [arg])),
    tmpdir: join(work, 'dumps'),
  };
}

function stopTimeoutMs(): number {
  const value = setting(unit, 'Service', 'TimeoutStopSec')[0] ?? '';
  const seconds = /^(\d+)s$/.exec(value)?.[1];
  if (seconds === undefined) throw new Error(`TimeoutStopSec=${value}: expected whole seconds like 20s`);
  return Number(seconds) * 1000;
}

/**
 * Stops the traced exporter with SIGTERM to the exporter itself, as systemd would (strace would
 * only detach): its PID is the one that exec'd node in the trace, setpriv having become node.
 */
async function stopTraced(tracer: Running, trace: string): Promise<number | string> {
  const execLine = readFileSync(trace, 'utf8')
    .split('\n')
    .find((line) => line.includes(`execve("${process.execPath}"`) && !/ = -1 /.test(line));
  const pid = Number(/^\d+/.exec(execLine ?? '')?.[0]);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error('no exec of node in the trace');
  process.kill(pid, 'SIGTERM');
  // systemd waits TimeoutStopSec= before its SIGKILL (and then counts the stop as failed).
  const timer = setTimeout(() => {
    tracer.child.kill('SIGKILL');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone with strace
    }
  }, stopTimeoutMs());
  const code = await tracer.exited; // strace exits with its tracee's status
  clearTimeout(timer);
  return code;
}

describe("the exporter with exactly the unit's privileges, against a real keepalived", () => {
  const runDir = join(work, 'run');
  const state = join(work, 'state');
  const capsFile = join(state, 'ipvsadm-caps.txt');
  const trace = join(work, 'strace.txt');
  const ipvsadm = join(work, 'ipvsadm');
  const fixture = join(ROOT, 'fixtures', 'procfs', 'mysql');
  /** --path.procfs: the fixture's net/ (this host has no IPVS) beside keepalived's real /proc/PID. */
  const procfs = join(work, 'proc');
  let keepalived: Running | undefined;
  let exporter: Running | undefined;
  const scrapes: string[] = [];
  let stopStatus: number | string | undefined;

  const exporterArgs = (extra: readonly string[]) => [
    exporterMain,
    '--config',
    deploy('exporter.yml'),
    '--path.procfs',
    procfs,
    '--ipvsadm.path',
    ipvsadm,
    '--keepalived.pid-file',
    join(runDir, 'keepalived.pid'),
    '--keepalived.dump-dir',
    join(work, 'dumps'),
    '--keepalived.config',
    join(work, 'keepalived.conf'),
    '--capture.dir',
    join(state, 'capture'),
    ...extra,
  ];
  const serviceEnv = {
    IPVSADM_REPLAY_DIR: join(fixture, 'ipvsadm'),
    LVSCOPE_REPLAY: join(ROOT, 'test', 'exporter', 'ipvsadm-replay.sh'),
    LVSCOPE_CAPS_FILE: capsFile,
  };

  beforeAll(async () => {
    const ns = (args: string[]) => spawnSync('ip', args, { timeout: 10_000, encoding: 'utf8' });
    ns(['netns', 'del', NETNS]);
    for (const args of [
      ['netns', 'add', NETNS],
      ['-n', NETNS, 'link', 'add', 'vrrp0', 'type', 'veth', 'peer', 'name', 'vrrp1'],
      ['-n', NETNS, 'link', 'set', 'vrrp0', 'up'],
      ['-n', NETNS, 'link', 'set', 'vrrp1', 'up'],
      ['-n', NETNS, 'addr', 'add', '10.251.0.1/24', 'dev', 'vrrp0'],
    ]) {
      const result = ns(args);
      if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
    }
    mkdirSync(runDir);
    // As tmpfiles.d/lvscope.conf makes /run/lvscope-keepalived.
    const dumps = join(work, 'dumps');
    mkdirSync(dumps);
    chownSync(dumps, 0, LVSCOPE_GID);
    chmodSync(dumps, 0o2750);
    mkdirSync(state, { mode: 0o700 });
    chownSync(state, SERVICE_UID, SERVICE_UID);
    writeFileSync(
      join(work, 'keepalived.conf'),
      [
        'global_defs { router_id lvscope_package }',
        'vrrp_instance VI_PKG {',
        '  state MASTER',
        '  interface vrrp0',
        '  virtual_router_id 77',
        '  priority 150',
        '  advert_int 1',
        '  virtual_ipaddress { 10.251.0.100/24 }',
        '}',
        '',
      ].join('\n'),
    );
    // The ipvsadm the exporter runs: notes the capabilities it got, then replays the fixture's outputs.
    writeFileSync(
      ipvsadm,
      '#!/bin/sh\ngrep "^Cap" /proc/$$/status > "$LVSCOPE_CAPS_FILE"\nexec "$LVSCOPE_REPLAY" "$@"\n',
      { mode: 0o755 },
    );
    const command = keepalivedCommand([
      '-f',
      join(work, 'keepalived.conf'),
      '-p',
      join(runDir, 'keepalived.pid'),
      '-r',
      join(runDir, 'vrrp.pid'),
      '-c',
      join(runDir, 'checkers.pid'),
      '--log-console',
    ]);
    keepalived = start('ip', ['netns', 'exec', NETNS, command.file, ...command.args], {
      TMPDIR: command.tmpdir,
    });
    const pid = await waitFor('keepalived pid file', 10_000, () => {
      try {
        return readFileSync(join(runDir, 'keepalived.pid'), 'utf8').trim() || false;
      } catch {
        return false;
      }
    });
    mkdirSync(procfs);
    symlinkSync(join(fixture, 'net'), join(procfs, 'net'));
    symlinkSync(`/proc/${pid}`, join(procfs, pid));

    exporter = start(
      'strace',
      [
        '-f',
        '-qq',
        '-o',
        trace,
        'setpriv',
        ...asService(settingWords(unit, 'Service', 'AmbientCapabilities')),
        process.execPath,
        ...exporterArgs(['--web.listen-address', `127.0.0.1:${PORT}`, '--capture.interval', '1']),
      ],
      serviceEnv,
    );
    await waitFor(
      'the exporter to serve',
      30_000,
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${PORT}/-/ready`)).ok;
        } catch {
          return false;
        }
      },
      200,
    );
    for (const encoding of ['identity', 'gzip']) {
      const response = await fetch(`http://127.0.0.1:${PORT}/metrics`, {
        headers: { 'accept-encoding': encoding },
      });
      scrapes.push(await response.text());
    }
    await waitFor('a capture segment in the state directory', 15_000, () => {
      try {
        return readdirSync(join(state, 'capture')).some((name) => name.startsWith('segment-'));
      } catch {
        return false; // not created yet
      }
    });
    stopStatus = await stopTraced(exporter, trace);
  }, 120_000);

  afterAll(async () => {
    await exporter?.stop();
    await keepalived?.stop();
    spawnSync('ip', ['netns', 'del', NETNS], { timeout: 10_000 });
  });

  test('keepalived is signalled and its dumps read; ipvsadm runs with CAP_NET_ADMIN and CAP_KILL only', () => {
    const [metrics] = scrapes;
    expect(exporter?.stderr()).not.toMatch(/level=(error|warn)/);
    for (const source of ['ip_vs', 'ipvsadm_stats', 'keepalived_json:keepalived'])
      expect(metrics).toContain(`lvscope_source_up{source="${source}"} 1`);
    // The instance of the test's keepalived.conf, from the JSON dump read in the dump directory.
    expect(metrics).toMatch(/^keepalived_vrrp_state\{iname="VI_PKG",intf="vrrp0",vrid="77",[^}]*\} [0-3]$/m);
    // CAP_KILL = bit 5, CAP_NET_ADMIN = bit 12: effective, ambient and the bounding set.
    const caps = readFileSync(capsFile, 'utf8');
    for (const set of ['CapEff', 'CapAmb', 'CapBnd']) expect(caps).toContain(`${set}:\t0000000000001020`);
  });

  test('SIGTERM with a scraper holding its keep-alive connection stops it with status 0 within TimeoutStopSec=', () => {
    expect(stopStatus).toBe(0);
  });

  test('the capture lands in the state directory, owned by the service user', () => {
    const segments = readdirSync(join(state, 'capture')).filter((name) => name.startsWith('segment-'));
    expect(segments.length).toBeGreaterThan(0);
    expect(statSync(join(state, 'capture', segments[0] ?? '')).uid).toBe(SERVICE_UID);
  });

  test("every system call it made is allowed by the unit's SystemCallFilter=", async () => {
    const table = await run('systemd-analyze', ['syscall-filter', '--no-pager'], { timeoutMs: 30_000 });
    const groups = parseSyscallGroups(table.stdout);
    const allowed = allowedSyscalls(groups, setting(unit, 'Service', 'SystemCallFilter'));
    const used = tracedSyscalls(readFileSync(trace, 'utf8'), process.execPath);
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((call) => !allowed.has(call)).sort()).toEqual([]);
    // The filter is not vacuous: the calls the unit denies include ones a root daemon would make.
    for (const call of ['mount', 'setuid', 'setpriority', 'init_module'])
      expect(allowed.has(call), call).toBe(false);
    expect(expand(groups, '@pkey').has('pkey_alloc')).toBe(true);
  });

  test('V8 makes pages executable at run time, so MemoryDenyWriteExecute= must stay off', () => {
    const text = readFileSync(trace, 'utf8');
    expect(text).toMatch(/^\d+ +(mprotect|mmap)\([^)]*PROT_EXEC[^)]*\) = /m);
    expect(setting(unit, 'Service', 'MemoryDenyWriteExecute')).toEqual([]);
  });

  test('without CAP_KILL the keepalived source is down and says why', async () => {
    const result = await run(
      'setpriv',
      [...asService(['CAP_NET_ADMIN']), process.execPath, ...exporterArgs(['--once'])],
      { env: serviceEnv, timeoutMs: 30_000 },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('lvscope_source_up{source="keepalived_json:keepalived"} 0');
    expect(result.stdout).toContain('lvscope_source_up{source="ipvsadm_stats"} 1');
    expect(result.stderr).toMatch(/not permitted to signal keepalived pid \d+/);
  });
});
