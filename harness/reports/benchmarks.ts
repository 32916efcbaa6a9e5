/**
 * Benchmark ratios attached to a manifest's `_volatile.benchmarks` (timings are volatile: never
 * hashed) so the HTML report can chart them. Accepted inputs: an array of {name, ratio, baseline?},
 * `{benchmarks: [...]}`, or `npm run bench:wasm -- --json` output ({rows: [{kernel, profile, ratio}]}).
 */
import { readJsonFile, UsageError } from '../io/files.js';
import type { BenchmarkRatio } from './html.js';

export function parseBenchmarks(data: unknown, path: string): BenchmarkRatio[] {
  const bad = (why: string): never => {
    throw new UsageError('BENCHMARKS_FORMAT', `${path}: ${why}`, { path });
  };
  const o = data as Record<string, unknown>;
  let list: unknown[];
  if (Array.isArray(data)) list = data;
  else if (o && Array.isArray(o.benchmarks)) list = o.benchmarks;
  else if (o && Array.isArray(o.rows)) {
    list = (o.rows as Record<string, unknown>[]).map((r) => ({ name: `${String(r.kernel)} (${String(r.profile)})`, ratio: r.ratio, baseline: 'raw V8, same run' }));
  } else return bad('expected [{name, ratio}], {benchmarks: [...]} or bench:wasm --json output');
  return list.map((x, i) => {
    const r = x as Record<string, unknown>;
    const ratio = typeof r.ratio === 'string' ? Number(r.ratio) : r.ratio;
    if (typeof r.name !== 'string' || typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0) bad(`[${i}]: needs a name and a finite ratio ≥ 0`);
    return { name: r.name as string, ratio: ratio as number, ...(typeof r.baseline === 'string' ? { baseline: r.baseline } : {}) };
  });
}

export function loadBenchmarks(path: string): BenchmarkRatio[] {
  return parseBenchmarks(readJsonFile(path, { fractionsAt: () => true }), path); // ratios, never hashed
}
