/**
 * The strict JSON reader against JSON.parse, in the same run (tinybench; never asserted).
 * `npm run bench:json [-- --quick] [-- --json]`.
 *
 *  1. parse time of a 5 KB string, a 5 KB escape-heavy string and a 1 MB manifest-like document;
 *  2. heap retained by 1,000 parsed 5 KB strings (needs --expose-gc, which the script passes):
 *     building strings a character at a time used to retain ~156 KB per 5 KB string.
 */
import { Bench, type Task } from 'tinybench';
import { parseStrictJson } from '../core/canonical/index.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const TIME = quick ? 200 : 1000;

function meanMs(t: Task | undefined): number {
  const r = t?.result;
  if (!r || r.state !== 'completed')
    throw new Error(`task ${t?.name} did not complete (${r?.state})`);
  return r.latency.mean;
}

const plain = JSON.stringify({ s: 'abcdefghij'.repeat(500) });
const escaped = JSON.stringify({ s: 'a"b\\c\n\u00e9\u{1F600}'.repeat(500) });
const doc = JSON.stringify({
  format: 'icn-manifest/v1',
  entries: Array.from({ length: 4000 }, (_, i) => ({
    id: `suite/case-${i}`,
    hash: `sha256:${String(i).padStart(64, '0')}`,
    fuel: String(i * 7),
    tags: ['a', 'b'],
    n: i,
  })),
});

const bench = new Bench({ time: TIME });
const docs = {
  '5 KB string': plain,
  '5 KB escaped string': escaped,
  [`${Math.round(doc.length / 1024)} KB document`]: doc,
};
for (const [name, text] of Object.entries(docs)) {
  bench.add(`JSON.parse: ${name}`, () => JSON.parse(text));
  bench.add(`parseStrictJson: ${name}`, () => parseStrictJson(text));
}
await bench.run();

/** Bytes of heap retained per parsed value, keeping 1,000 results alive; NaN without --expose-gc. */
function retainedPerValue(parse: (t: string) => unknown, text: string): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return Number.NaN;
  // A fresh copy of the text per parse, as a daemon reading records would have, so that a
  // result holding a slice of its text counts that text.
  const texts = Array.from({ length: 1000 }, (_, i) => `${text.slice(0, -2)}${i % 10}"}`);
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = texts.map((t) => parse(t));
  texts.length = 0;
  gc();
  const after = process.memoryUsage().heapUsed;
  if (kept.length !== 1000) throw new Error('unreachable');
  return (after - before) / 1000;
}
const retained = {
  strict: retainedPerValue((t) => parseStrictJson(t), plain),
  native: retainedPerValue((t) => JSON.parse(t), plain),
};

const t = (name: string) => meanMs(bench.tasks.find((x) => x.name === name));
const rows = Object.keys(docs).map((name) => ({
  name: `parseStrictJson: ${name}`,
  baseline: `JSON.parse: ${name}`,
  ratio: t(`parseStrictJson: ${name}`) / t(`JSON.parse: ${name}`),
}));
rows.push({
  name: 'heap retained per parsed 5 KB string (strict)',
  baseline: 'JSON.parse',
  ratio: retained.strict / retained.native,
});
if (asJson)
  process.stdout.write(
    `${JSON.stringify({ node: process.version, benchmarks: rows, retainedBytes: retained }, null, 2)}\n`,
  );
else {
  console.log(`node ${process.version} (V8 ${process.versions.v8})`);
  console.log('| task | mean (ms) |\n|---|---|');
  for (const x of bench.tasks) console.log(`| ${x.name} | ${meanMs(x).toFixed(4)} |`);
  console.log(
    `\nheap retained per parsed 5 KB string: strict ${Math.round(retained.strict)} B, JSON.parse ${Math.round(retained.native)} B`,
  );
  console.log('\n| measured | baseline (same run) | ratio |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.baseline} | ${r.ratio.toFixed(2)}× |`);
}
