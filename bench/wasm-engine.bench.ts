/**
 * Overhead of the deterministic profiles on V8 (tinybench). Each kernel (bench/wasm/*.wat) runs
 * uninstrumented (`raw`) and instrumented (`dc`, or `dc-float` for the float kernel) in the same
 * process and the same run; the figure is the ratio of median latencies, never an absolute time.
 * Calls go straight to the instance (no worker, no shim): the per-call cost of the executor's
 * worker round trip is measured separately as `executor round trip` against a direct call.
 *
 *   npm run bench:wasm [-- --quick] [-- --json] [-- --kernels sieve,fib] [-- --plain] [-- --unproven]
 *
 * --kernels keeps the kernels whose file name starts with one of the names (and skips the
 * executor row); --plain also times the per-segment placement (`instrumentModule(…, { plan: false })`,
 * the instrumenter before plan.ts/convention.ts) in the same interleaved rounds; --unproven times
 * the planned placement without the in-bounds proofs of bounds.ts (`{ bounds: false }`).
 *
 * The instrumented module's meters are reset before every call (as the executor does), and both
 * variants' results are checked equal before timing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bench, type Task } from 'tinybench';
import { instrumentModule } from '../core/wasm/instrument/instrument.js';
import { v8Instantiate, type V8Global } from '../core/wasm/instrument/v8.js';
import { watToWasm } from '../core/wasm/wat.js';
import { execute } from '../core/wasm/exec/executor.js';
import { WasmSession } from '../core/wasm/exec/session.js';
import { parseValue } from '../core/wasm/exec/values.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const TIME = quick ? 200 : 400;
const kernelArg = process.argv.indexOf('--kernels');
const only = kernelArg >= 0 ? (process.argv[kernelArg + 1] ?? '').split(',') : undefined;
const withPlain = process.argv.includes('--plain');
const withUnproven = process.argv.includes('--unproven');
const ROUNDS = quick ? 3 : 11; // short rounds, median of per-round ratios: robust to load drift on a shared machine
const FUEL = 1n << 62n;

interface Kernel {
  name: string;
  file: string;
  arg: number;
  profile: 'dc' | 'dc-float';
}

const KERNELS: Kernel[] = [
  {
    name: 'hash compression (2,000 blocks × 64 rounds)',
    file: 'hash.wat',
    arg: 2000,
    profile: 'dc',
  },
  { name: 'sieve (primes below 1,000,000)', file: 'sieve.wat', arg: 1_000_000, profile: 'dc' },
  { name: 'heapsort (20,000 i32)', file: 'sort.wat', arg: 20_000, profile: 'dc' },
  { name: 'recursive fib(25)', file: 'fib.wat', arg: 25, profile: 'dc' },
  {
    name: 'mandelbrot f64 (120×120, ≤100 iterations)',
    file: 'mandelbrot.wat',
    arg: 120,
    profile: 'dc-float',
  },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function p50(t: Task | undefined): number {
  const r = t?.result;
  if (!r || r.state !== 'completed')
    throw new Error(`task ${t?.name} did not complete (${r?.state})`);
  return r.latency.p50;
}

const ICN_STUB = { icn: { log() {}, timestamp: () => 0n, entropy_seed() {} } };

async function kernel(k: Kernel) {
  const bytes = await watToWasm(
    readFileSync(join(process.cwd(), 'bench', 'wasm', k.file), 'utf8'),
    { filename: k.file },
  );
  const inst = instrumentModule(bytes, k.profile);
  const raw = await v8Instantiate(bytes);
  const plainCall = withPlain
    ? await meteredCall(instrumentModule(bytes, k.profile, { plan: false }).bytes, k.arg)
    : undefined;
  const unprovenCall = withUnproven
    ? await meteredCall(instrumentModule(bytes, k.profile, { bounds: false }).bytes, k.arg)
    : undefined;
  const dc = await v8Instantiate(inst.bytes, ICN_STUB);
  const rawRun = raw.exports.run as (n: number) => number;
  const dcRun = dc.exports.run as (n: number) => number;
  const fuel = dc.exports.__icn_fuel as V8Global<bigint>;
  const trap = dc.exports.__icn_trap as V8Global<number>;
  const stack = dc.exports.__icn_stack as V8Global<number>;
  const stack0 = stack.value;
  const dcCall = (): number => {
    fuel.value = FUEL;
    trap.value = 0;
    stack.value = stack0;
    return dcRun(k.arg);
  };
  const want = rawRun(k.arg);
  const got = dcCall();
  if (want !== got) throw new Error(`${k.name}: raw ${want} ≠ ${k.profile} ${got}`);
  const fuelUsed = FUEL - fuel.value;
  if (plainCall !== undefined && plainCall() !== want)
    throw new Error(`${k.name}: per-segment placement differs`);
  const ratios: number[] = [];
  const plainRatios: number[] = [];
  const unprovenRatios: number[] = [];
  let rawMs = 0;
  let dcMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME, warmupTime: quick ? 100 : 300 });
    bench.add('raw', () => {
      rawRun(k.arg);
    });
    bench.add(k.profile, () => {
      dcCall();
    });
    if (plainCall !== undefined)
      bench.add('plain', () => {
        plainCall();
      });
    if (unprovenCall !== undefined)
      bench.add('unproven', () => {
        unprovenCall();
      });
    await bench.run();
    rawMs = p50(bench.tasks[0]);
    dcMs = p50(bench.tasks[1]);
    ratios.push(dcMs / rawMs);
    if (plainCall !== undefined) plainRatios.push(p50(bench.tasks[2]) / rawMs);
    if (unprovenCall !== undefined)
      unprovenRatios.push(p50(bench.tasks[bench.tasks.length - 1]) / rawMs);
  }
  return {
    kernel: k.name,
    profile: k.profile,
    result: want,
    rawMs,
    profileMs: dcMs,
    ratio: median(ratios),
    ratios,
    plainRatio: plainCall === undefined ? undefined : median(plainRatios),
    unprovenRatio: unprovenCall === undefined ? undefined : median(unprovenRatios),
    fuelUsed: fuelUsed.toString(),
    sizeRaw: bytes.length,
    sizeInstrumented: inst.bytes.length,
    fuelCharges: inst.stats.fuelCharges,
    nanCanonicalizations: inst.stats.nanCanonicalizations,
  };
}

/** A call of an instrumented module with its meters reset first (as the executor does). */
async function meteredCall(bytes: Uint8Array, arg: number): Promise<() => number> {
  const x = (await v8Instantiate(bytes, ICN_STUB)).exports;
  const fuel = x.__icn_fuel as V8Global<bigint>;
  const trap = x.__icn_trap as V8Global<number>;
  const stack = x.__icn_stack as V8Global<number>;
  const stack0 = stack.value;
  const run = x.run as (n: number) => number;
  return () => {
    fuel.value = FUEL;
    trap.value = 0;
    stack.value = stack0;
    return run(arg);
  };
}

/** The executor's own cost per task (worker round trip, shim, memory hash) vs a direct call. */
async function executorOverhead() {
  const bytes = await watToWasm(
    '(module (memory 1) (func (export "run") (param i32) (result i32) (local.get 0)))',
  );
  const direct = (await v8Instantiate(bytes)).exports.run as (n: number) => number;
  const session = new WasmSession();
  const bench = new Bench({ time: TIME });
  bench.add('direct call', () => {
    direct(1);
  });
  bench.add('executor task (dc)', async () => {
    await execute({
      module: bytes,
      profile: 'dc',
      invoke: 'run',
      args: [parseValue('i32:1')],
      session,
    });
  });
  await bench.run();
  await session.close();
  return { directUs: p50(bench.tasks[0]) * 1000, taskUs: p50(bench.tasks[1]) * 1000 };
}

const rows = [];
for (const k of KERNELS)
  if (only === undefined || only.some((o) => k.file.startsWith(o))) rows.push(await kernel(k));
const ex = only === undefined ? await executorOverhead() : undefined;
if (asJson) {
  process.stdout.write(
    `${JSON.stringify({ node: process.versions.node, v8: process.versions.v8, execArgv: process.execArgv, rows, executor: ex }, null, 2)}\n`,
  );
} else {
  const f = (x: number): string => x.toFixed(3);
  console.log(
    `node ${process.versions.node} (V8 ${process.versions.v8}) ${process.execArgv.join(' ')}`,
  );
  console.log(
    '| kernel | profile | raw p50 (ms) | profile p50 (ms) | median ratio | ratios per round | fuel per call | size raw → instrumented |',
  );
  console.log('|---|---|---:|---:|---:|---|---:|---|');
  for (const r of rows)
    console.log(
      `| ${r.kernel} | ${r.profile} | ${f(r.rawMs)} | ${f(r.profileMs)} | **${r.ratio.toFixed(2)}×** | ${r.ratios.map((x) => x.toFixed(2)).join(', ')} | ${r.fuelUsed} | ${r.sizeRaw} → ${r.sizeInstrumented} B |`,
    );
  if (withPlain)
    for (const r of rows)
      console.log(`per-segment placement, same rounds: ${r.kernel} ${r.plainRatio?.toFixed(2)}×`);
  if (withUnproven)
    for (const r of rows)
      console.log(
        `planned without in-bounds proofs, same rounds: ${r.kernel} ${r.unprovenRatio?.toFixed(2)}×`,
      );
  const ints = rows.filter((r) => r.profile === 'dc').map((r) => r.ratio);
  if (ints.length > 0)
    console.log(
      `\ninteger kernels (dc): median ${median(ints).toFixed(2)}×, max ${Math.max(...ints).toFixed(2)}×`,
    );
  if (ex !== undefined)
    console.log(
      `\nexecutor task (worker round trip + instrumentation + hashes): p50 ${ex.taskUs.toFixed(0)} µs vs direct call ${ex.directUs.toFixed(3)} µs`,
    );
}
