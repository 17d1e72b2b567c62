/**
 * `npm run fuzz`: every parser against `--runs` mutated inputs (default 10^6), one after the
 * other; prints per parser the count, the time and, on failure, the shrunk input escaped.
 * Exit 1 when any parser failed. `--target NAME` (repeatable, exact name) narrows the set;
 * `--seed N` replays a run; `--seconds S` caps the time per parser (the count reached is
 * printed, marked `(time cap)`).
 */
import fc from 'fast-check';
import { describeInput, targetProperty } from './harness.js';
import { targets } from './targets/index.js';

interface FuzzArgs {
  readonly runs: number;
  readonly seed: number;
  readonly only: readonly string[];
  readonly seconds?: number;
}

function parseArgs(argv: readonly string[]): FuzzArgs {
  let runs = 1_000_000;
  let seed = Date.now() % 2 ** 31;
  let seconds: number | undefined;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] ?? '').split('=', 2);
    const value = inline ?? argv[++i] ?? '';
    if (flag === '--runs' && /^\d+$/.test(value)) runs = Number(value);
    else if (flag === '--seed' && /^\d+$/.test(value)) seed = Number(value);
    else if (flag === '--seconds' && /^\d+$/.test(value)) seconds = Number(value);
    else if (flag === '--target' && value !== '') only.push(value);
    else {
      process.stderr.write('usage: fuzz [--runs N] [--seconds S] [--seed N] [--target NAME]...\n');
      process.exit(2);
    }
  }
  return { runs, seed, only, ...(seconds !== undefined && { seconds }) };
}

async function main(): Promise<number> {
  const { runs, seed, only, seconds } = parseArgs(process.argv.slice(2));
  const chosen = targets.filter((t) => only.length === 0 || only.includes(t.name));
  const cap = seconds === undefined ? '' : `, at most ${seconds} s each`;
  process.stdout.write(`fuzz: ${chosen.length} parsers, ${runs} inputs each${cap}, seed ${seed}\n`);
  let failed = 0;
  let total = 0;
  for (const target of chosen) {
    const started = performance.now();
    const details = await fc.check(targetProperty(target), {
      numRuns: runs,
      seed,
      ...(seconds !== undefined && {
        interruptAfterTimeLimit: seconds * 1000,
        markInterruptAsFailure: false,
      }),
    });
    total += details.numRuns;
    const took = ((performance.now() - started) / 1000).toFixed(1);
    const count = `${target.name.padEnd(28)} ${String(details.numRuns).padStart(9)} inputs  ${took.padStart(6)} s`;
    if (!details.failed) {
      process.stdout.write(`${count}  ok${details.interrupted ? ' (time cap)' : ''}\n`);
      continue;
    }
    failed++;
    const [input] = details.counterexample ?? [];
    const error = details.errorInstance;
    const reason = error instanceof Error ? error.message : String(error);
    process.stdout.write(
      `${count}  FAILED: ${reason.slice(0, 300)}\n` +
        `  shrunk input ${input ? describeInput(input) : '(none)'}\n` +
        `  replay: --seed ${seed} --target '${target.name}' (path ${details.counterexamplePath ?? ''})\n`,
    );
  }
  process.stdout.write(`fuzz: ${total} inputs, ${failed} parsers failed\n`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
