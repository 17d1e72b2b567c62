/**
 * `--textfile`: the lvscope_recommendation_* families in Prometheus text format, checked by the
 * real `promtool check metrics`, written atomically (no temporary file left), with the names and
 * labels the capacity dashboard and the IpvsSchedulerWeightMismatch alert read.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RECOMMENDATION_FAMILIES } from '../../../common/metrics/catalog/recommendation.js';
import { writeRecommendationTextfile } from '../../../analyzer/report/recommend-textfile.js';
import { installed, tempDir } from '../../support/process.js';
import { smallRecommendation } from './fixture.js';

const havePromtool = installed('promtool');
if (!havePromtool) console.warn('promtool not installed: the textfile check cannot run');

function promtool(file: string): Promise<{ code: number | null; output: string }> {
  const text = readFileSync(file);
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], { timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
        output: `${stdout}${stderr}`,
      }),
    );
    child.stdin?.end(text);
  });
}

describe('the recommendation textfile', () => {
  const dir = tempDir('recommend-textfile');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds every family with the labels the dashboards join on', async () => {
    const file = join(dir, 'lvscope_recommendation.prom');
    writeFileSync(file, 'stale content\n');
    const r = await smallRecommendation();
    await writeRecommendationTextfile(file, r);
    expect(readdirSync(dir)).toEqual(['lvscope_recommendation.prom']);
    const text = readFileSync(file, 'utf8');
    for (const f of RECOMMENDATION_FAMILIES) expect(text).toContain(`# TYPE ${f.name} gauge`);
    expect(text).toContain(
      'lvscope_recommendation_service_mismatch{proto="TCP",local_address="172.16.1.18",local_port="3306",local_mark=""} 1',
    );
    expect(text).toMatch(
      /lvscope_recommendation_destination_recommended_weight\{proto="TCP",local_address="172.16.1.18",local_port="3306",local_mark="",remote_address="10.0.0.2",remote_port="3306"\} \d+/,
    );
    const s = r.services[0]!;
    expect(text).toContain(
      `lvscope_recommendation_service_info{proto="TCP",local_address="172.16.1.18",local_port="3306",local_mark="",scheduler="${s.recommended.config.scheduler}"} 1`,
    );
    expect(text).toContain(`lvscope_recommendation_history_window_seconds ${r.evidence.windowSeconds}`);
  }, 120_000);

  it.runIf(havePromtool)(
    'passes promtool check metrics (and promtool fails a broken file)',
    async () => {
      const file = join(dir, 'checked.prom');
      await writeRecommendationTextfile(file, await smallRecommendation());
      const good = await promtool(file);
      expect(good.code, good.output).toBe(0);
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          '# TYPE lvscope_recommendation_timestamp_seconds gauge',
          '# TYPE lvscope_recommendation_timestamp_seconds bogus',
        ),
      );
      expect((await promtool(file)).code).not.toBe(0);
    },
    120_000,
  );

  it('names the file when it cannot be written, and leaves nothing behind', async () => {
    const file = join(dir, 'no-such-dir', 'x.prom');
    await expect(writeRecommendationTextfile(file, await smallRecommendation())).rejects.toThrow(
      /no-such-dir/,
    );
  }, 120_000);
});
