/**
 * Harness benchmarks (tinybench), as ratios against baselines measured in the same run; never
 * asserted. `npm run bench:harness [-- --quick] [-- --json]` (--json: ratios for
 * `icn-harness report --benchmarks`).
 *
 *  1. sealing an entry (canonical JSON + SHA-256 of its hashed fields) vs one raw SHA-256 of the
 *     same canonical bytes: the cost of the manifest's framing;
 *  2. the hash tree (sort + suite roots + root) over 10,000 sealed entries vs 10,000 raw SHA-256s;
 *  3. diff of three 10,000-entry manifests with 100 differing traced entries vs the hash tree;
 *  4. trace bisection over 1,000 checkpoints vs a linear scan of the same checkpoints;
 *  5. the run pipeline's executor (issue 19): `execute()` of one dc module on a reused session with
 *     the module cache warm (validated and instrumented once, memory hashed in the worker) vs the
 *     same call with the cache cleared before each call (what every call paid before).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { Bench, type Task } from 'tinybench';
import { canonicalize } from '../core/canonical/index.js';
import { contentHash, DOMAIN, type Hash } from '../core/hash/index.js';
import { buildManifest, computeRoot, sealEntry } from '../harness/manifest/build.js';
import { diffMany } from '../harness/manifest/diff.js';
import { firstTraceDivergence } from '../harness/manifest/trace.js';
import type { EntryTrace, Manifest, ManifestEntry } from '../harness/manifest/types.js';
import { execute } from '../core/wasm/exec/executor.js';
import { clearModuleCache } from '../core/wasm/exec/module-cache.js';
import { WasmSession } from '../core/wasm/exec/session.js';
import { watToWasm } from '../core/wasm/wat.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const TIME = quick ? 200 : 1000;
const N = 10_000;

function meanMs(t: Task | undefined): number {
  const r = t?.result;
  if (!r || r.state !== 'completed')
    throw new Error(`task ${t?.name} did not complete (${r?.state})`);
  return r.latency.mean;
}

const h = (s: string): Hash => contentHash(DOMAIN.test, s);
function trace(n: number, divergeAt = Infinity): EntryTrace {
  const checkpoints = [];
  for (let i = 1; i <= n; i++)
    checkpoints.push({ step: i * 10, hash: h(`${i}${i >= divergeAt ? 'x' : ''}`) });
  return { root: contentHash(DOMAIN.simTrace, checkpoints), steps: n * 10, checkpoints };
}
function entry(i: number, variant = ''): ManifestEntry {
  const traced = i % 100 === 0;
  return sealEntry({
    id: `s${i % 4}/case-${String(i).padStart(6, '0')}`,
    suite: `s${i % 4}`,
    class: i % 10 === 0 ? 'advisory' : 'lc',
    tags: ['bench'],
    inputs: h(`in ${i}`),
    outputs: { result: h(`out ${i}${traced ? variant : ''}`), fuel: String(i * 7) },
    status: 'pass',
    ...(traced ? { trace: trace(20, variant ? 11 : Infinity) } : {}),
  });
}
const platform = {
  arch: 'x64',
  os: 'linux',
  node: process.version,
  v8: process.versions.v8,
  v8Flags: [],
  tier: 'default',
  cpuFeatures: [],
};
const gen = { name: 'bench', version: '0' };
const entries = Array.from({ length: N }, (_, i) => entry(i));
const mA: Manifest = buildManifest({ entries, platform, generator: gen });
const mB: Manifest = buildManifest({
  entries: Array.from({ length: N }, (_, i) => entry(i, 'B')),
  platform: { ...platform, arch: 'arm64' },
  generator: gen,
});
const sample = entries[1]!;
const sampleBytes = canonicalize({
  id: sample.id,
  class: sample.class,
  inputs: sample.inputs,
  outputs: sample.outputs,
  status: sample.status,
  reason: null,
  trace: null,
});
const big = [trace(1000), trace(1000, 737)];

const bench = new Bench({ time: TIME });
bench.add('raw sha256 of one entry', () => sha256(sampleBytes));
bench.add('seal one entry', () =>
  sealEntry({
    id: sample.id,
    suite: sample.suite,
    class: sample.class,
    tags: sample.tags,
    inputs: sample.inputs,
    outputs: sample.outputs,
    status: 'pass',
  }),
);
bench.add(`raw sha256 × ${N}`, () => {
  for (let i = 0; i < N; i++) sha256(sampleBytes);
});
bench.add(`hash tree over ${N} entries`, () => computeRoot(entries));
bench.add(`diff A B A (${N} entries, 100 traced differ)`, () =>
  diffMany([
    { label: 'A', manifest: mA },
    { label: 'B', manifest: mB },
    { label: 'C', manifest: mA },
  ]),
);
bench.add('trace: linear scan of 1,000 checkpoints', () => {
  const [a, b] = big as [EntryTrace, EntryTrace];
  for (let i = 0; i < a.checkpoints.length; i++)
    if (a.checkpoints[i]!.hash !== b.checkpoints[i]!.hash) return i;
  return -1;
});
bench.add('trace: bisect 1,000 checkpoints', () => firstTraceDivergence(big));
// 5. a module with 40 functions and 4 pages of memory: preparing it and copying memory dominate a short call
const session = new WasmSession();
const funcs = Array.from(
  { length: 40 },
  (_, i) =>
    `(func $f${i} (param i32) (result i32) (i32.add (i32.mul (local.get 0) (i32.const ${i + 3})) (i32.load (i32.const ${i * 4}))))`,
).join('\n');
const execModule = await watToWasm(
  `(module (memory 4) ${funcs} (func (export "run") (result i32) (call $f39 (call $f7 (i32.const 5)))))`,
);
const execReq = { module: execModule, profile: 'dc' as const, invoke: 'run', args: [], session };
bench.add('execute: module cache warm', async () => {
  await execute(execReq);
});
bench.add('execute: module cache cleared per call', async () => {
  clearModuleCache();
  await execute(execReq);
});
await bench.run();
await session.close();

const t = (name: string) => meanMs(bench.tasks.find((x) => x.name === name));
const rows = [
  {
    name: 'seal one entry',
    baseline: 'raw sha256 of one entry',
    ratio: t('seal one entry') / t('raw sha256 of one entry'),
  },
  {
    name: `hash tree over ${N} entries`,
    baseline: `raw sha256 × ${N}`,
    ratio: t(`hash tree over ${N} entries`) / t(`raw sha256 × ${N}`),
  },
  {
    name: `3-way diff of ${N}-entry manifests`,
    baseline: `hash tree over ${N} entries`,
    ratio: t(`diff A B A (${N} entries, 100 traced differ)`) / t(`hash tree over ${N} entries`),
  },
  {
    name: 'trace bisection (1,000 checkpoints)',
    baseline: 'linear scan',
    ratio: t('trace: bisect 1,000 checkpoints') / t('trace: linear scan of 1,000 checkpoints'),
  },
  {
    name: 'execute, module cache warm',
    baseline: 'cache cleared per call',
    ratio: t('execute: module cache warm') / t('execute: module cache cleared per call'),
  },
];
if (asJson)
  process.stdout.write(`${JSON.stringify({ node: process.version, benchmarks: rows }, null, 2)}\n`);
else {
  console.log(`node ${process.version} (V8 ${process.versions.v8})`);
  console.log('| task | mean (ms) |\n|---|---|');
  for (const x of bench.tasks) console.log(`| ${x.name} | ${meanMs(x).toFixed(4)} |`);
  console.log('\n| measured | baseline (same run) | ratio |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.baseline} | ${r.ratio.toFixed(2)}× |`);
}
