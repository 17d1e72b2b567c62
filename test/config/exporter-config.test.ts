/** `lvs-exporter --config FILE` through the real binary: the file sets options, flags win, errors name file and line. */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { run, tempDir } from '../support/process.js';
import { EXPORTER, T1, byName, parseExposition } from '../exporter/helpers.js';

const dir = tempDir('config');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('lvs-exporter --config', () => {
  const config = configFile('lvs.yml', [
    `path.procfs: ${T1}`,
    'collector.ipvs.ipvsadm: false',
    'collector.ipvs.native: false',
    'collector.ipvs.backend-labels: [local_port]',
  ]);

  test('the file sets any option the flags can set', async () => {
    const { code, stdout } = await run(process.execPath, [EXPORTER, '--config', config, '--once']);
    expect(code).toBe(0);
    const samples = parseExposition(stdout).samples;
    expect(samples.some((sample) => sample.name.startsWith('ipvs_'))).toBe(false);
    const weights = byName(samples, 'node_ipvs_backend_weight');
    expect(weights.length).toBeGreaterThan(0);
    expect(weights.every((sample) => Object.keys(sample.labels).join() === 'local_port')).toBe(true);
  });

  test('a flag wins over the file', async () => {
    const { code, stdout } = await run(process.execPath, [
      EXPORTER,
      '--config',
      config,
      '--collector.ipvs.native',
      '--collector.ipvs.backend-labels=local_address,local_port',
      '--once',
    ]);
    expect(code).toBe(0);
    const samples = parseExposition(stdout).samples;
    expect(samples.some((sample) => sample.name === 'ipvs_connections_total')).toBe(true);
    expect(Object.keys(byName(samples, 'node_ipvs_backend_weight')[0]?.labels ?? {}).sort()).toEqual([
      'local_address',
      'local_port',
    ]);
  });

  test('a bad file stops the exporter with exit code 2 and file:line: key: why', async () => {
    const bad = configFile('bad.yml', ['path.procfs: /proc', 'influx.intervall: 5000', 'otlp.protocol: udp']);
    const { code, stderr, stdout } = await run(process.execPath, [EXPORTER, '--config', bad, '--once']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      `${bad}:2:1: key "influx.intervall": unknown option (did you mean "influx.interval"?)`,
    );
    expect(stderr).toContain(
      `${bad}:3:16: key "otlp.protocol": must be one of "grpc", "http/protobuf", "http/json"`,
    );
  });

  test('a missing file is an error, not an empty configuration', async () => {
    const { code, stderr } = await run(process.execPath, [
      EXPORTER,
      '--config',
      join(dir, 'nope.yml'),
      '--once',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/nope\.yml: cannot read the config file: ENOENT/);
  });
});
