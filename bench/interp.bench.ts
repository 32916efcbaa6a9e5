/**
 * Speed of the reference interpreter as a ratio to raw V8 (tinybench), on the engine benchmark's
 * integer kernels (bench/wasm/*.wat) and its float kernel. All run the same kernel with the same
 * argument in the same process and the same run; the figure is raw-V8 median latency divided by
 * the interpreter's (higher is better; the target is ≥ 1/30 on integer kernels), for both tiers of
 * the interpreter: the JS tier (the default: each function translated to JS once) and the run loop
 * (what the trace and frames past the JS tier's depth use). The interpreter meters fuel and stack
 * as it runs (as the instrumented module does); results and fuel of both tiers are checked equal to
 * the instrumented module on V8 before timing.
 *
 * A second row set, "real code", runs the wasm binaries that hash-wasm (a devDependency) ships,
 * read from node_modules at bench time (never copied into the repo): each hashes the same 16 KiB
 * through its own Hash_Init / Hash_Update / Hash_Final exports, raw on V8 and in the interpreter
 * (dc profile's cost table), digests checked equal before timing.
 *
 *   npm run bench:interp [-- --quick] [-- --json] [-- --only real|kernels] [-- --rounds N]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bench, type Task } from 'tinybench';
import { decodeModule } from '../core/wasm/binary/decode.js';
import { instrumentModule } from '../core/wasm/instrument/instrument.js';
import { v8Instantiate, type V8Global } from '../core/wasm/instrument/v8.js';
import { instantiate } from '../core/wasm/interp/instantiate.js';
import { machineFor } from '../core/wasm/interp/run.js';
import type { FuncInst, MemInst } from '../core/wasm/interp/store.js';
import { getProfile } from '../core/wasm/profiles.js';
import { watToWasm } from '../core/wasm/wat.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : undefined;
const TIME = quick ? 300 : 800;
const ROUNDS = process.argv.includes('--rounds')
  ? Number(process.argv[process.argv.indexOf('--rounds') + 1])
  : quick
    ? 3
    : 5;
const FUEL = 1n << 62n;

interface Kernel {
  name: string;
  file: string;
  /** Source inline instead of bench/wasm/<file> (kernels only this benchmark uses). */
  wat?: string;
  arg: number;
  profile: 'dc' | 'dc-float';
  integer: boolean;
}

// smaller arguments than bench:wasm (the interpreter is the slow side); same argument on both sides
const I64_MIX = `(module
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $h i64)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.extend_i32_u (local.get $i))) (i64.const 0x100000001b3)))
      (local.set $h (i64.rotl (local.get $h) (i64.const 13)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.wrap_i64 (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 32))))))`;

const KERNELS: Kernel[] = [
  {
    name: 'hash compression (200 blocks × 64 rounds)',
    file: 'hash.wat',
    arg: 200,
    profile: 'dc',
    integer: true,
  },
  {
    name: 'sieve (primes below 100,000)',
    file: 'sieve.wat',
    arg: 100_000,
    profile: 'dc',
    integer: true,
  },
  { name: 'heapsort (2,000 i32)', file: 'sort.wat', arg: 2_000, profile: 'dc', integer: true },
  { name: 'recursive fib(20)', file: 'fib.wat', arg: 20, profile: 'dc', integer: true },
  {
    name: 'mandelbrot f64 (40×40, ≤100 iterations)',
    file: 'mandelbrot.wat',
    arg: 40,
    profile: 'dc-float',
    integer: false,
  },
  // i64-bound (not one of the target kernels): the JS tier computes i64 on int32 halves, the run loop on bigints around the same templates
  {
    name: 'i64 xor/mul/rotl mix (20,000 rounds)',
    file: 'i64-mix.wat',
    arg: 20_000,
    profile: 'dc',
    integer: false,
    wat: I64_MIX,
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
    k.wat ?? readFileSync(join(process.cwd(), 'bench', 'wasm', k.file), 'utf8'),
    { filename: k.file },
  );
  const raw = await v8Instantiate(bytes);
  const rawRun = raw.exports.run as (n: number) => number;
  // the instrumented module on V8: reference for the result and the fuel count
  const dc = await v8Instantiate(instrumentModule(bytes, k.profile).bytes, ICN_STUB);
  const fuel = dc.exports.__icn_fuel as V8Global<bigint>;
  fuel.value = FUEL;
  (dc.exports.__icn_trap as V8Global<number>).value = 0;
  const want = (dc.exports.run as (n: number) => number)(k.arg);
  const wantFuel = FUEL - fuel.value;

  const limits = getProfile(k.profile).limits!;
  const runner = (tier: 'js' | 'loop'): (() => number) => {
    const machine = machineFor(k.profile, undefined, false, tier);
    const inst = instantiate(decodeModule(bytes), () => undefined, machine, {
      maxMemoryPages: limits.maxMemoryPages,
      maxTableElements: limits.maxTableElements,
    });
    const f = inst.exports.get('run')!.value as FuncInst;
    const run = (): number => {
      machine.setFuel(FUEL);
      return machine.invoke(f, [k.arg])[0] as number;
    };
    const got = run();
    if (got !== want || machine.fuelUsed() !== wantFuel)
      throw new Error(
        `${k.name}: V8 dc ${want} (fuel ${wantFuel}) ≠ interp ${tier} ${got} (fuel ${machine.fuelUsed()})`,
      );
    return run;
  };
  const interpRun = runner('js');
  const loopRun = runner('loop');

  const ratios: number[] = [];
  const loopRatios: number[] = [];
  let rawMs = 0;
  let interpMs = 0;
  let loopMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME, warmupTime: quick ? 100 : 300 });
    bench.add('raw', () => {
      rawRun(k.arg);
    });
    bench.add('interp', () => {
      interpRun();
    });
    bench.add('loop', () => {
      loopRun();
    });
    await bench.run();
    rawMs = p50(bench.tasks[0]);
    interpMs = p50(bench.tasks[1]);
    loopMs = p50(bench.tasks[2]);
    ratios.push(rawMs / interpMs);
    loopRatios.push(rawMs / loopMs);
  }
  const speed = median(ratios);
  const loopSpeed = median(loopRatios);
  return {
    kernel: k.name,
    integer: k.integer,
    result: want,
    fuelUsed: wantFuel.toString(),
    rawMs,
    interpMs,
    loopMs,
    speedVsRaw: speed,
    oneIn: 1 / speed,
    ratios,
    fuelPerMsInterp: Number(wantFuel) / interpMs,
    loopSpeedVsRaw: loopSpeed,
    loopOneIn: 1 / loopSpeed,
    loopRatios,
  };
}

function hashWasmVersion(): string {
  const pkg = JSON.parse(
    readFileSync(join(process.cwd(), 'node_modules', 'hash-wasm', 'package.json'), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

/** hash-wasm's modules: init and final arguments as hash-wasm's own wrappers pass them. */
const REAL: { name: string; init: number; final: number }[] = [
  { name: 'sha256', init: 256, final: 0 },
  { name: 'sha512', init: 512, final: 0 },
  { name: 'xxhash64', init: 0, final: 0 },
  { name: 'blake3', init: 0, final: 256 },
  { name: 'crc32', init: 0xedb88320 | 0, final: 0 },
];
const REAL_INPUT = Uint8Array.from({ length: 16384 }, (_, i) => (i * 2654435761) >>> 24);

/** The wasm binary hash-wasm embeds (base64) in its UMD build of `name`. */
function hashWasmBinary(name: string): Uint8Array {
  const js = readFileSync(
    join(process.cwd(), 'node_modules', 'hash-wasm', 'dist', `${name}.umd.min.js`),
    'utf8',
  );
  const m = /data:"([A-Za-z0-9+/=]+)"/.exec(js);
  if (!m) throw new Error(`hash-wasm ${name}: no embedded wasm found`);
  return new Uint8Array(Buffer.from(m[1]!, 'base64'));
}

type Call = (name: string, ...args: number[]) => number;
/** Hash REAL_INPUT through a module's exports; returns the first 8 bytes of the digest as hex. */
function hashWith(call: Call, mem: () => Uint8Array, r: (typeof REAL)[number]): string {
  const buf = call('Hash_GetBuffer');
  mem().set(REAL_INPUT, buf);
  call('Hash_Init', r.init);
  call('Hash_Update', REAL_INPUT.length);
  call('Hash_Final', r.final);
  return Buffer.from(mem().subarray(buf, buf + 8)).toString('hex');
}

async function realRow(r: (typeof REAL)[number]) {
  const bytes = hashWasmBinary(r.name);
  const raw = await v8Instantiate(bytes);
  const rawCall: Call = (n, ...a) => (raw.exports[n] as (...x: number[]) => number)(...a) | 0;
  const rawMem = (): Uint8Array =>
    new Uint8Array((raw.exports.memory as { buffer: ArrayBuffer }).buffer);
  const want = hashWith(rawCall, rawMem, r);
  const limits = getProfile('dc').limits!;
  const runner = (tier: 'js' | 'loop'): (() => string) => {
    const machine = machineFor('dc', undefined, false, tier);
    const inst = instantiate(decodeModule(bytes), () => undefined, machine, {
      maxMemoryPages: limits.maxMemoryPages,
      maxTableElements: limits.maxTableElements,
    });
    const call: Call = (n, ...a) => {
      const f = inst.exports.get(n)!.value as FuncInst;
      machine.setFuel(FUEL);
      const out = machine.invoke(f, a.slice(0, f.type.params.length));
      return (out[0] as number | undefined) ?? 0;
    };
    const mem = (): Uint8Array => (inst.exports.get('memory')!.value as MemInst).bytes;
    const run = (): string => hashWith(call, mem, r);
    const got = run();
    if (got !== want) throw new Error(`${r.name}: V8 digest ${want} ≠ interp ${tier} ${got}`);
    return run;
  };
  const interpRun = runner('js');
  const ratios: number[] = [];
  let rawMs = 0;
  let interpMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME, warmupTime: quick ? 100 : 300 });
    bench.add('raw', () => {
      hashWith(rawCall, rawMem, r);
    });
    bench.add('interp', () => {
      interpRun();
    });
    await bench.run();
    rawMs = p50(bench.tasks[0]);
    interpMs = p50(bench.tasks[1]);
    ratios.push(rawMs / interpMs);
  }
  const speed = median(ratios);
  return {
    module: `hash-wasm ${r.name} (16 KiB)`,
    digest: want,
    rawMs,
    interpMs,
    speedVsRaw: speed,
    oneIn: 1 / speed,
    ratios,
  };
}

async function main(): Promise<void> {
  const rows = [];
  if (only !== 'real') for (const k of KERNELS) rows.push(await kernel(k));
  const real = [];
  if (only !== 'kernels') for (const r of REAL) real.push(await realRow(r));
  if (asJson) {
    process.stdout.write(
      `${JSON.stringify({ node: process.versions.node, v8: process.versions.v8, rows, real }, null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(
    `reference interpreter vs raw V8 (node ${process.versions.node}; median of ${ROUNDS} rounds; speed = raw time / interp time)\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `  ${r.kernel.padEnd(44)} raw ${r.rawMs.toFixed(3).padStart(7)} ms  JS tier ${r.interpMs.toFixed(3).padStart(7)} ms  speed 1/${r.oneIn.toFixed(1).padEnd(6)} ${(r.fuelPerMsInterp / 1000).toFixed(0).padStart(5)} M fuel/s   run loop ${r.loopMs.toFixed(2).padStart(7)} ms  1/${r.loopOneIn.toFixed(0)}\n`,
    );
  }
  if (real.length > 0) {
    process.stdout.write(
      `real code (hash-wasm ${hashWasmVersion()} from node_modules, JS tier; target: within 1/20 of raw V8)\n`,
    );
    for (const r of real) {
      process.stdout.write(
        `  ${r.module.padEnd(44)} raw ${r.rawMs.toFixed(3).padStart(7)} ms  JS tier ${r.interpMs.toFixed(3).padStart(8)} ms  speed 1/${r.oneIn.toFixed(1)}\n`,
      );
    }
  }
  if (rows.length === 0) return;
  const ints = rows.filter((r) => r.integer);
  process.stdout.write(
    `  integer kernels: median speed 1/${(1 / median(ints.map((r) => r.speedVsRaw))).toFixed(1)} of raw V8 (target ≥ 1/30), slowest 1/${Math.max(...ints.map((r) => r.oneIn)).toFixed(1)}; run loop 1/${(1 / median(ints.map((r) => r.loopSpeedVsRaw))).toFixed(0)}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
