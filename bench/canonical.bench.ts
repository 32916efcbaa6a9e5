/**
 * The canonical encoder against safe-stable-stringify and json-stable-stringify, in the same run
 * (tinybench; never asserted). `npm run bench:canon [-- --quick] [-- --json] [-- --manifest PATH]`.
 *
 * Two data sets: a real manifest (default reports/manifest.json, else the golden one; make one with
 * `node bin/icn-harness.js run --suite vectors,nasties --out DIR`) and small objects of the shapes
 * scenarios sign and hash (execution receipts, gossip entries, signed calls). Every encoder's output
 * is checked byte-identical to ours before timing. Rounds are interleaved (the task order rotates)
 * and each ratio is the median over the rounds of (our time / baseline time) in the same round.
 * "reference" is the careful encoder alone (carefulCanonicalString: the encoder as it was before issue 19, unchanged).
 */
import { existsSync, readFileSync } from 'node:fs';
import jsonStableStringify from 'json-stable-stringify';
import safeStableStringify from 'safe-stable-stringify';
import { Bench, type Task } from 'tinybench';
import { canonicalString, carefulCanonicalString } from '../core/canonical/canonicalize.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const asJson = argv.includes('--json');
const at = argv.indexOf('--manifest');
const manifestPath =
  at >= 0
    ? argv[at + 1]!
    : existsSync('reports/manifest.json')
      ? 'reports/manifest.json'
      : 'vectors/golden/manifest.json';
const ROUNDS = quick ? 10 : 15;
const TIME = quick ? 60 : 150;

const hex = (i: number, n = 64) => i.toString(16).repeat(n).slice(0, n).padStart(n, '0');
const h = (i: number) => `sha256:${hex(i * 2654435761)}`;
const did = (i: number) =>
  `did:icn:z6Mk${'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789'.slice(i % 20, (i % 20) + 40)}`;

function receipt(i: number): object {
  return {
    format: 'icn-ccl-receipt/v1',
    engine: i % 2 ? 'wasm' : 'ccl',
    codeHash: h(i),
    installationHash: h(i + 1),
    rule: 'transfer',
    argsHash: h(i + 2),
    caller: did(i),
    timestamp: String(1_700_000_000_000 + i),
    fuelLimit: '1000000',
    fuelUsed: String(1234 + i),
    outcome: i % 5 ? 'ok' : 'error',
    outputHash: h(i + 3),
    stateRootBefore: h(i + 4),
    stateRootAfter: h(i + 5),
    ledgerOps: [{ op: 'transfer', from: did(i), to: did(i + 1), amount: String(i * 10) }],
    engineProfileHash: h(i + 6),
    executor: did(i + 2),
    witness: h(i + 7),
    callId: h(i + 8),
    signature: hex(i, 128),
  };
}
function gossipEntry(i: number): object {
  return {
    version: 1,
    topic: `gov/proposals/${i % 7}`,
    author: did(i),
    clock: { [did(i)]: i + 1, [did(i + 3)]: i, [did(i + 5)]: 3 },
    timestamp: 1_700_000_000_000 + i,
    data: { kind: 'vote', proposal: h(i), choice: i % 3 ? 'yes' : 'no', note: 'fine — ✓ 𝄞' },
    hash: h(i + 9),
    signature: hex(i + 1, 128),
  };
}
function signedCall(i: number): object {
  return {
    call: {
      format: 'icn-ccl-call/v1',
      codeHash: h(i),
      rule: 'mint',
      args: [{ Int: i }, { Str: `member-${i}` }, { Bool: true }],
      caller: did(i),
      executor: did(i + 1),
      timestamp: String(1_700_000_000_000 + i),
      fuelLimit: i % 2 ? null : '50000',
      nonce: String(i),
    },
    signature: hex(i + 2, 128),
  };
}

const small = Array.from({ length: 300 }, (_, i) => [receipt, gossipEntry, signedCall][i % 3]!(i));
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as unknown;
const sets: Record<string, unknown[]> = { manifest: [manifest], 'small objects': small };

type Encoder = (v: unknown) => string | undefined;
const encoders: Record<string, Encoder> = {
  canonical: canonicalString,
  reference: carefulCanonicalString,
  'safe-stable-stringify': (v) => safeStableStringify(v),
  'json-stable-stringify': (v) => jsonStableStringify(v),
};

// Same bytes from every encoder, or the comparison is meaningless.
for (const [set, values] of Object.entries(sets)) {
  for (const v of values) {
    const ours = canonicalString(v);
    for (const [name, enc] of Object.entries(encoders))
      if (enc(v) !== ours) throw new Error(`${name} differs from canonical on ${set}`);
  }
}

function meanMs(t: Task | undefined): number {
  const r = t?.result;
  if (!r || r.state !== 'completed')
    throw new Error(`task ${t?.name} did not complete (${r?.state})`);
  return r.latency.mean;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const names = Object.keys(encoders);
const times: Record<string, Record<string, number[]>> = {};
for (const set of Object.keys(sets)) times[set] = Object.fromEntries(names.map((n) => [n, []]));
let sink = 0;
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME, warmup: true });
  for (const [set, values] of Object.entries(sets)) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(j + round) % names.length]!;
      const enc = encoders[name]!;
      bench.add(`${set}|${name}`, () => {
        for (const v of values) sink += enc(v)!.length;
      });
    }
  }
  await bench.run();
  for (const t of bench.tasks) {
    const [set, name] = t.name.split('|') as [string, string];
    times[set]![name]!.push(meanMs(t));
  }
}
if (sink === 0) throw new Error('unreachable');

const rows: { set: string; measured: string; baseline: string; ratio: number }[] = [];
for (const set of Object.keys(sets)) {
  for (const measured of ['canonical', 'reference']) {
    for (const baseline of ['safe-stable-stringify', 'json-stable-stringify']) {
      const ratios = times[set]![measured]!.map((m, i) => m / times[set]![baseline]![i]!);
      rows.push({ set, measured, baseline, ratio: median(ratios) });
    }
  }
  const after = times[set]!.canonical!.map((m, i) => m / times[set]!.reference![i]!);
  rows.push({
    set,
    measured: 'canonical',
    baseline: 'reference (before issue 19)',
    ratio: median(after),
  });
}

const medMs = (set: string, n: string) => median(times[set]![n]!);
if (asJson) {
  process.stdout.write(
    `${JSON.stringify({ node: process.version, manifest: manifestPath, rounds: ROUNDS, rows }, null, 2)}\n`,
  );
} else {
  console.log(
    `node ${process.version} (V8 ${process.versions.v8}); manifest ${manifestPath}; ${ROUNDS} interleaved rounds`,
  );
  console.log('| set | encoder | median of round means (ms) |\n|---|---|---|');
  for (const set of Object.keys(sets))
    for (const n of names) console.log(`| ${set} | ${n} | ${medMs(set, n).toFixed(4)} |`);
  console.log('\n| set | measured | baseline (same round) | median ratio |\n|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${r.set} | ${r.measured} | ${r.baseline} | ${r.ratio.toFixed(2)}× |`);
}
