/**
 * `check` on the real modules that installed npm packages ship, against V8's own
 * `WebAssembly.validate` in the same run (tinybench; never asserted).
 * `npm run bench:check [-- --quick] [-- --json] [-- --before [DIST]]`.
 *
 * Modules: every .wasm over 100 KiB under node_modules (identical files once). Tasks per module:
 * V8's validate; `check` as the CLI does it (validate, import plan, module hash) under raw and dc;
 * with --before also the reference path (every body decoded into instruction objects, then typed:
 * the validator's algorithm before issue 19, kept as validateEager), or with --before DIST the
 * `check` of another build (e.g. the parent commit's dist/). Rounds are interleaved (the task
 * order rotates) and each ratio is the median over the rounds of (task time / V8 time) in the
 * same round.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Bench, type Task } from 'tinybench';
import { bytesHash, DOMAIN } from '../core/hash/index.js';
import { importPlan } from '../core/wasm/exec/imports.js';
import { v8Validate } from '../core/wasm/instrument/v8.js';
import { validateDetailed, validateEager } from '../core/wasm/validate/validate.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const asJson = argv.includes('--json');
const at = argv.indexOf('--before');
const before = at >= 0;
const beforeDist =
  before && argv[at + 1] !== undefined && !argv[at + 1]!.startsWith('--')
    ? argv[at + 1]
    : undefined;
const ROUNDS = quick ? 10 : 15;
const TIME = quick ? 100 : 300;

/** .wasm files over 100 KiB under `dir` (symlinks not followed). */
function wasmFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) wasmFiles(p, out);
    else if (e.isFile() && e.name.endsWith('.wasm') && statSync(p).size > 100 * 1024) out.push(p);
  }
  return out;
}

const seen = new Set<string>();
const modules: { name: string; bytes: Uint8Array }[] = [];
for (const f of wasmFiles('node_modules').sort()) {
  const bytes = new Uint8Array(readFileSync(f));
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (seen.has(digest) || !v8Validate(bytes)) continue;
  seen.add(digest);
  modules.push({ name: relative('node_modules', f), bytes });
}
modules.sort((a, b) => a.bytes.length - b.bytes.length);

/** What `icn-harness check` computes for a module (harness/cli/commands/check.ts). */
function check(bytes: Uint8Array, profile: 'raw' | 'dc', validate = validateDetailed): number {
  const v = validate(bytes, profile);
  const plan = v.module ? importPlan(v.module) : undefined;
  return (
    v.violations.length + (plan?.missing.length ?? 0) + bytesHash(DOMAIN.wasmModule, bytes).length
  );
}

const tasks: Record<string, (b: Uint8Array) => number> = {
  v8: (b) => (v8Validate(b) ? 1 : 0),
  'check raw': (b) => check(b, 'raw'),
  'check dc': (b) => check(b, 'dc'),
  'validate raw': (b) => validateDetailed(b, 'raw').violations.length,
};
type Validate = typeof validateDetailed;
if (beforeDist !== undefined) {
  const old = (await import(resolve(beforeDist, 'core/wasm/validate/validate.js'))) as {
    validateDetailed: Validate;
  };
  tasks['check raw (before)'] = (b) => check(b, 'raw', old.validateDetailed);
} else if (before)
  tasks['reference raw (before)'] = (b) => validateEager(b, 'raw').violations.length;

function meanMs(t: Task | undefined): number {
  const r = t?.result;
  if (!r || r.state !== 'completed')
    throw new Error(`task ${t?.name} did not complete (${r?.state})`);
  return r.latency.mean;
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const names = Object.keys(tasks);
const times: Record<string, Record<string, number[]>> = {};
for (const m of modules) times[m.name] = Object.fromEntries(names.map((n) => [n, []]));
let sink = 0;
for (let round = 0; round < ROUNDS; round++) {
  // one warmup call per task in the first round: the reference path takes seconds on a 9 MiB module
  const bench = new Bench({
    time: TIME,
    iterations: 2,
    warmup: round === 0,
    warmupIterations: 1,
    warmupTime: 0,
  });
  for (const m of modules) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + round) % names.length]!;
      const fn = tasks[name]!;
      bench.add(`${m.name}|${name}`, () => {
        sink += fn(m.bytes);
      });
    }
  }
  await bench.run();
  for (const t of bench.tasks) {
    const [mod, name] = t.name.split('|') as [string, string];
    times[mod]![name]!.push(meanMs(t));
  }
}
if (sink === 0) throw new Error('unreachable');

const rows = modules.map((m) => {
  const t = times[m.name]!;
  const ratio = (n: string): number => median(t[n]!.map((x, i) => x / t.v8![i]!));
  return {
    module: m.name,
    kib: Math.round(m.bytes.length / 1024),
    v8Ms: median(t.v8!),
    ratios: Object.fromEntries(names.slice(1).map((n) => [n, ratio(n)])),
  };
});
if (asJson)
  process.stdout.write(
    `${JSON.stringify({ node: process.version, rounds: ROUNDS, rows }, null, 2)}\n`,
  );
else {
  console.log(
    `node ${process.version} (V8 ${process.versions.v8}); ${ROUNDS} interleaved rounds; ratio = median of (task / WebAssembly.validate) per round`,
  );
  console.log(
    `| module | KiB | V8 validate (ms) | ${names.slice(1).join(' | ')} |\n|---|---|---|${names
      .slice(1)
      .map(() => '---|')
      .join('')}`,
  );
  for (const r of rows)
    console.log(
      `| ${r.module} | ${r.kib} | ${r.v8Ms.toFixed(1)} | ${Object.values(r.ratios)
        .map((x) => `${x.toFixed(1)}×`)
        .join(' | ')} |`,
    );
}
