/**
 * `npm run fuzz:diff -- --runs N --seed S [--profile dc|dc-float] [--out DIR]`: long differential
 * runs of the V8 executor against the reference interpreter. Prints progress and outcome counts;
 * on a disagreement prints the seed and the fast-check path, and writes the shrunk module as
 * .wasm and .wat plus both results (.json) to DIR (default reports/). `--inject cost|nan` plants a
 * bug in the interpreter only, to see the pipeline catch and shrink it. Exit 0: no disagreement;
 * 1: a disagreement; 2: bad arguments.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { COST_TABLE_V1 } from '../../core/wasm/cost-table.js';
import { PINNED_WAT_FEATURES } from '../../core/wasm/wat.js';
import { writeFileAtomic } from '../io/files.js';
import { fuzzDiff } from './differential.js';
import type { GenProfile } from './gen.js';

interface Args {
  inject?: 'cost' | 'nan';
  runs: number;
  seed: number;
  profiles: GenProfile[];
  out: string;
}

const USAGE = `usage: npm run fuzz:diff -- --runs N --seed S [--profile dc|dc-float] [--out DIR] [--inject cost|nan]
  --runs N        generated modules (default 10000)
  --seed S        fast-check seed (default 1); a failure prints the seed and path that reproduce it
  --profile P     dc or dc-float (default: both)
  --out DIR       where a disagreement's shrunk module (.wasm, .wat) and both results go (default reports)
  --inject K      plant a bug in the interpreter only (cost: i32.add costs 2; nan: f32 NaNs with the
                  sign bit), to see the pipeline catch and shrink it
exit 0: no disagreement; 1: a disagreement; 2: bad arguments`;

function usage(msg: string): never {
  process.stderr.write(`fuzz:diff: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 10_000, seed: 1, profiles: ['dc', 'dc-float'], out: 'reports' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--help' || k === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const v = argv[i + 1];
    if (v === undefined) usage(`${k} needs a value`);
    i++;
    if (k === '--runs' || k === '--seed') {
      if (!/^(0|[1-9][0-9]*)$/.test(v) || Number(v) > 2 ** 31 - 1)
        usage(`${k} ${JSON.stringify(v)}: expected a non-negative integer below 2^31`);
      a[k === '--runs' ? 'runs' : 'seed'] = Number(v);
    } else if (k === '--profile') {
      if (v !== 'dc' && v !== 'dc-float')
        usage(`--profile ${JSON.stringify(v)}: expected dc or dc-float`);
      a.profiles = [v];
    } else if (k === '--out') a.out = v;
    else if (k === '--inject') {
      // self-test of the pipeline: a deliberate bug in the interpreter only
      if (v !== 'cost' && v !== 'nan')
        usage(
          `--inject ${JSON.stringify(v)}: expected cost (i32.add costs 2) or nan (f32 NaNs with the sign bit)`,
        );
      a.inject = v;
    } else usage(`unknown option ${k}`);
  }
  return a;
}

async function watOf(bytes: Uint8Array): Promise<string> {
  const require = createRequire(import.meta.url);
  const wabt = await (
    require('wabt') as () => Promise<{
      readWasm(
        b: Uint8Array,
        o: Record<string, boolean>,
      ): { toText(o: Record<string, boolean>): string; destroy(): void };
    }>
  )();
  const m = wabt.readWasm(bytes, {
    readDebugNames: false,
    ...(PINNED_WAT_FEATURES as Record<string, boolean>),
  });
  try {
    return m.toText({ foldExprs: false, inlineExport: false });
  } finally {
    m.destroy();
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  let n = 0;
  const r = await fuzzDiff({
    runs: a.runs,
    seed: a.seed,
    profiles: a.profiles,
    faults:
      a.inject === 'cost'
        ? { costTable: { ...COST_TABLE_V1, costs: { ...COST_TABLE_V1.costs, 'i32.add': 2 } } }
        : a.inject === 'nan'
          ? { nan32: 0xffc00000 | 0 }
          : {},
    onCase: () => {
      n++;
      if (n % 1000 === 0)
        process.stderr.write(
          `fuzz:diff: ${n}/${a.runs} cases, ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(0)} s\n`,
        );
    },
  });
  const secs = (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1);
  const counts = Object.entries(r.stats)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  if (!r.failed) {
    process.stdout.write(
      `fuzz:diff: ${r.runs} cases, 0 disagreements (seed ${a.seed}, ${secs} s)\n  ${counts}\n`,
    );
    return;
  }
  const f = r.failure!;
  const base = join(a.out, `fuzz-diff-seed${a.seed}`);
  writeFileAtomic(`${base}.wasm`, f.report.bytes);
  let wat: string;
  try {
    wat = await watOf(f.report.bytes);
  } catch (e) {
    wat = `;; wabt could not print this module: ${(e as Error).message}\n`;
  }
  writeFileAtomic(`${base}.wat`, wat);
  const json = {
    seed: a.seed,
    counterexamplePath: f.counterexamplePath,
    profile: f.profile,
    invoke: f.report.case.invoke,
    args: f.report.case.args,
    fuel: f.report.case.fuel.toString(),
    diff: f.report.diff,
    v8: f.report.v8,
    interp: f.report.interp,
    tape: f.tape,
  };
  writeFileAtomic(
    `${base}.json`,
    `${JSON.stringify(json, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
  process.stdout.write(
    `fuzz:diff: DISAGREEMENT after ${r.runs} cases (seed ${a.seed}, path ${f.counterexamplePath}, ${secs} s)\n`,
  );
  for (const d of f.report.diff) process.stdout.write(`  ${d}\n`);
  process.stdout.write(
    `  shrunk module: ${base}.wasm, ${base}.wat; results and tape: ${base}.json\n  reproduce: npm run fuzz:diff -- --runs ${a.runs} --seed ${a.seed}${a.profiles.length === 1 ? ` --profile ${a.profiles[0]}` : ''}${a.inject ? ` --inject ${a.inject}` : ''}\n`,
  );
  process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`fuzz:diff: harness fault: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 3;
});
