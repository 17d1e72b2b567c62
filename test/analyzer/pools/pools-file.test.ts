import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ip } from '../helpers.js';
import { formatIssue } from '../../../common/parse/issue.js';
import { parsePoolsFile } from '../../../analyzer/inputs/pools/pools-file.js';
import {
  POOLS_EXAMPLE_PATH,
  POOLS_SCHEMA_PATH,
  renderPoolsSchema,
} from '../../../analyzer/inputs/pools/schema.js';
import { parseServiceSpec, serviceSpec } from '../../../analyzer/inputs/pools/service-spec.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');

/** Every problem as `file:line: key: message`, the way the command prints them. */
function problems(text: string): string[] {
  return parsePoolsFile(text, 'pools.yml').issues.map((issue) => formatIssue(issue));
}

describe('service specs', () => {
  it('read and print every form, IPv6 canonical, marks by family', () => {
    for (const [text, canonical] of [
      ['tcp:172.16.1.18:3306', 'tcp:172.16.1.18:3306'],
      ['udp:192.0.2.40:53', 'udp:192.0.2.40:53'],
      ['sctp:192.0.2.70:3868', 'sctp:192.0.2.70:3868'],
      ['tcp:[2001:DB8:f:0::10]:443', 'tcp:[2001:db8:f::10]:443'],
      ['tcp:192.0.2.10:0', 'tcp:192.0.2.10:0'],
      ['fwm:1', 'fwm:1'],
      ['fwm6:6', 'fwm6:6'],
    ]) {
      const key = parseServiceSpec(text ?? '');
      expect(typeof key === 'string' ? key : serviceSpec(key)).toBe(canonical);
    }
    expect(parseServiceSpec('fwm6:6')).toEqual({ kind: 'fwmark', mark: 6, family: 6 });
  });

  it('say what is wrong', () => {
    expect(parseServiceSpec('tcp:2001:db8::1:80')).toBe(
      '"tcp:2001:db8::1:80": "2001:db8::1:80": write IPv6 addresses as [address]:port',
    );
    expect(parseServiceSpec('tcp:192.0.2.1')).toBe('"tcp:192.0.2.1": "192.0.2.1" has no port');
    expect(parseServiceSpec('fwm:0')).toBe(
      '"fwm:0": the firewall mark must be a decimal number from 1 to 4294967295',
    );
    expect(parseServiceSpec('TCP:192.0.2.1:80')).toMatch(/is not a service: write tcp:ADDR:PORT/);
    expect(parseServiceSpec('mysql')).toMatch(/^"mysql" is not a service/);
  });
});

describe('pools file', () => {
  it('the example reads without a problem, with origins at each pool and server', () => {
    const { value, issues } = parsePoolsFile(read(POOLS_EXAMPLE_PATH), POOLS_EXAMPLE_PATH);
    expect(issues).toEqual([]);
    expect(value.map((p) => [p.name, p.origin, p.services.map(serviceSpec)])).toEqual([
      ['mysql', 'analyzer/pools.example.yml:8', ['tcp:172.16.1.18:3306']],
      ['web', 'analyzer/pools.example.yml:20', ['tcp:192.0.2.10:80', 'tcp:192.0.2.10:443']],
      ['web6', 'analyzer/pools.example.yml:31', ['tcp:[2001:db8:f::10]:80']],
      ['shop', 'analyzer/pools.example.yml:40', ['fwm:1']],
    ]);
    const mysql = value[0];
    expect(mysql).toMatchObject({ responseBytesPerConn: 180000, sources: ['pools-file'], aliases: [] });
    expect(mysql?.servers).toEqual([
      {
        addr: ip('172.16.1.7'),
        capacity: { relative: 2, workers: 300 },
        origin: 'analyzer/pools.example.yml:13',
      },
      {
        addr: ip('172.16.1.51'),
        capacity: { relative: 1, workers: 150 },
        origin: 'analyzer/pools.example.yml:15',
      },
    ]);
    expect(value[1]?.requestBytesPerConn).toBe(900);
    expect(value[1]?.servers?.[0]?.capacity).toEqual({ connsPerSecond: 4000 });
    expect(value[2]?.servers?.[0]).toMatchObject({ addr: { text: '2001:db8:1::2' }, port: 80 });
    expect(value[3]?.servers).toBeUndefined();
  });

  it('names file:line and the key for every problem, and keeps the pools without one', () => {
    const text = [
      'pools:', //                                  1
      '  mysql:', //                                2
      '    services: [tcp:172.16.1.18:3306]', //   3
      '    respones_bytes_per_conn: 1000', //      4
      '  web:', //                                  5
      '    services:', //                           6
      '      - tcp:192.0.2.10:80', //               7
      '      - tcp:192.0.2.10', //                  8
      '      - http://192.0.2.10', //               9
      '    servers:', //                            10
      '      - address: 198.18.1.2:80', //          11
      '        capacity: { workers: 2.5 }', //      12
      '      - address: 198.18.1.300', //           13
      '      - address: 198.18.2.2', //             14
      '        capacity: {}', //                    15
      '  good:', //                                 16
      '    services: [fwm:7]', //                   17
      '    response_bytes_per_conn: -1', //         18
      '  bad name:', //                             19
      '    services: [fwm:1]', //                   20
      '  empty:', //                                21
      '    servers: []', //                         22
      '  twice:', //                                23
      '    services: [fwm:2, fwm:2]', //            24
      '    servers:', //                            25
      '      - address: 10.0.0.1', //               26
      '      - address: 10.0.0.1', //               27
      '  fine:', //                                 28
      '    services: [udp:192.0.2.40:53]', //       29
    ].join('\n');
    expect(problems(text)).toEqual([
      'pools.yml:4: pools.mysql.respones_bytes_per_conn: unknown key (did you mean "response_bytes_per_conn"?)',
      'pools.yml:8: pools.web.services[1]: "tcp:192.0.2.10": "192.0.2.10" has no port',
      'pools.yml:9: pools.web.services[2]: expected a service: tcp:ADDR:PORT, udp:ADDR:PORT, sctp:ADDR:PORT (IPv6: tcp:[ADDR]:PORT), fwm:MARK, fwm6:MARK',
      'pools.yml:12: pools.web.servers[0].capacity.workers: workers must be a whole number',
      'pools.yml:13: pools.web.servers[1].address: "198.18.1.300" is not a dotted-quad IPv4 address',
      'pools.yml:15: pools.web.servers[2].capacity: give at least one of relative, conns_per_second, workers',
      'pools.yml:18: pools.good.response_bytes_per_conn: response_bytes_per_conn cannot be negative',
      'pools.yml:19: pools.bad name: pool names are letters, digits, ".", "_" and "-", starting with a letter or digit',
      'pools.yml:21: pools.empty.services: required: the services of the pool',
      'pools.yml:24: pools.twice.services[1]: fwm:2 is listed twice (also services[0])',
      'pools.yml:27: pools.twice.servers[1].address: the same server as servers[0]',
    ]);
    expect(parsePoolsFile(text, 'pools.yml').value.map((p) => p.name)).toEqual(['fine']);
  });

  it('reports YAML syntax, duplicate keys and a file that is not a pools mapping', () => {
    expect(problems('pools:\n  a:\n    services: [fwm:1\n')).toEqual([
      expect.stringMatching(/^pools\.yml:4: yaml: /),
    ]);
    expect(problems('pools:\n  a:\n    services: [fwm:1]\n  a:\n    services: [fwm:2]\n')).toEqual([
      'pools.yml:4: yaml: Map keys must be unique',
    ]);
    expect(problems('- fwm:1\n')).toEqual([
      'pools.yml:1: pools: the file must be a mapping with a "pools" key',
    ]);
    expect(problems('pool:\n  a: {}\n')).toEqual([
      'pools.yml:1: pools: expected a mapping from pool names to pools',
      'pools.yml:1: pool: unknown key (did you mean "pools"?)',
    ]);
    // Found by `npm run fuzz`: an empty key (YAML `?`) left the field blank.
    expect(problems('?')).toEqual([
      'pools.yml:1: pools: expected a mapping from pool names to pools',
      'pools.yml:1: "": unknown key',
    ]);
    // Found by `npm run fuzz`: a 300-digit address was quoted whole, twice.
    const long = problems(`pools:\n  a:\n    services: [tcp:${'0'.repeat(300)}1.2.3.4:80]\n`);
    expect(long).toHaveLength(1);
    expect(long[0]?.length).toBeLessThan(256);
    expect(problems('pools:\n')).toEqual(['pools.yml:1: pools: expected a mapping from pool names to pools']);
    expect(problems('pools: {}\n')).toEqual([]);
  });
});

describe('published JSON schema of the pools file', () => {
  it('is up to date (regenerate: npm run build:dev && node build/analyzer/inputs/pools/write-schema.js)', async () => {
    expect(read(POOLS_SCHEMA_PATH)).toBe(await renderPoolsSchema());
  });

  it('describes every key, rejects unknown ones, and the example names it for editors', () => {
    const schema = JSON.parse(read(POOLS_SCHEMA_PATH)) as {
      additionalProperties: boolean;
      properties: { pools: { propertyNames: { pattern: string }; additionalProperties: PoolSchema } };
    };
    interface PoolSchema {
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, { description?: string }>;
    }
    expect(schema.additionalProperties).toBe(false);
    const pool = schema.properties.pools.additionalProperties;
    expect(pool.additionalProperties).toBe(false);
    expect(pool.required).toEqual(['services']);
    expect(Object.keys(pool.properties)).toEqual([
      'description',
      'services',
      'servers',
      'response_bytes_per_conn',
      'request_bytes_per_conn',
    ]);
    for (const [key, property] of Object.entries(pool.properties)) {
      expect({ key, described: (property.description ?? '').length > 10 }).toEqual({ key, described: true });
    }
    expect(new RegExp(schema.properties.pools.propertyNames.pattern).test('mysql-ro_2.x')).toBe(true);
    expect(read(POOLS_EXAMPLE_PATH)).toMatch(/^# yaml-language-server: \$schema=pools\.schema\.json$/m);
  });
});
