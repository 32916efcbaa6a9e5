/**
 * Ledger and trust benchmarks (tinybench). Figures are reported as ratios against baselines
 * measured in the same run (raw SHA-256), plus absolute times for the trust graph at ICN's caps.
 * Never asserted: run `npm run bench:ledger` and read the table.
 *
 *  1. trust: scorePpm and scoresFrom on a graph at MAX_LOCAL_NODES 10,000 / MAX_LOCAL_EDGES 50,000
 *     (random edges, plus a worst case: a hub trusting 9,999 nodes, whose scoresFrom touches
 *     every edge), and the trust root over 50,000 edges;
 *  2. ledger: append one entry (stateless checks without the signature, trust gate, limit checks,
 *     Merkle insert) into a ledger of 10,000 entries, the same with Ed25519 verification, and the
 *     Merkle insert alone; baselines: SHA-256 of 64 bytes (one tree node) and of one entry's
 *     canonical bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { Bench, type Task } from 'tinybench';
import { canonicalize } from '../core/canonical/index.js';
import { toHex, type Hash } from '../core/hash/index.js';
import { Keypair, type Did } from '../core/identity/index.js';
import {
  checkEntry,
  Ledger,
  MerkleTrie,
  signEntry,
  transferDraft,
  type JournalEntry,
} from '../core/ledger/index.js';
import { Rng } from '../core/runtime/index.js';
import {
  MAX_LOCAL_EDGES,
  MAX_LOCAL_NODES,
  TrustGraph,
  type SignedTrustAttestation,
} from '../core/trust/index.js';

const rng = Rng.root(7n).stream('bench/ledger-trust');
const quick = process.argv.includes('--quick');
const TIME = quick ? 200 : 1000;

function meanMs(t: Task | undefined): number {
  const r = t?.result;
  if (!r || r.state !== 'completed')
    throw new Error(`task ${t?.name} did not complete (${r?.state})`);
  return r.latency.mean;
}
const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(2)} µs`);

// ---------------------------------------------------------------- trust at the caps
function buildGraph(): { g: TrustGraph; dids: Did[]; hub: Did } {
  const t0 = process.hrtime.bigint();
  const dids: Did[] = [];
  for (let i = 0; i < MAX_LOCAL_NODES; i++) {
    const seed = new Uint8Array(32);
    new DataView(seed.buffer).setUint32(0, i + 1);
    dids.push(Keypair.fromSeed(seed).did);
  }
  const g = new TrustGraph({ trustedInput: true });
  const att = (f: number, t: number): SignedTrustAttestation => ({
    version: 'icn-trust-attestation/v1',
    from: dids[f]!.toString(),
    to: dids[t]!.toString(),
    score_ppm: rng.below(1_000_001),
    issued_at: 1,
    signature: '00'.repeat(64), // trustedInput: bench measures scoring, not Ed25519
  });
  // hub (node 0) trusts every other node: 9,999 edges; the rest random up to 50,000.
  for (let t = 1; t < MAX_LOCAL_NODES; t++) g.apply(att(0, t));
  while (g.edgeCount < MAX_LOCAL_EDGES) {
    const f = 1 + rng.below(MAX_LOCAL_NODES - 1);
    const t = rng.below(MAX_LOCAL_NODES);
    if (f !== t) g.apply(att(f, t));
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `trust graph built: ${g.nodeCount} nodes, ${g.edgeCount} edges in ${ms.toFixed(0)} ms (keys + attestation hashes)`,
  );
  return { g, dids, hub: dids[0]! };
}

// ---------------------------------------------------------------- ledger
/** Entries by `signer`; with sign = false the signature is a placeholder (for applyBatch(…, verify = false)). */
function buildEntries(n: number, signer: Keypair, tag: string, sign: boolean): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (let i = 0; i < n; i++) {
    const d = transferDraft(
      `acct${rng.below(1000)}`,
      `acct${rng.below(1000)}`,
      BigInt(1 + rng.below(100)),
      'hours',
      i,
      { nonce: `${tag}${i}` },
    );
    if (sign) out.push(signEntry(signer, d));
    else {
      out.push({
        version: 'icn-ledger-entry/v1',
        timestamp: d.timestamp,
        author: signer.did.toString(),
        contract_ref: null,
        accounts: d.accounts.map((a) => ({
          account_id: a.account_id,
          currency: a.currency,
          debit: a.debit?.toString() ?? null,
          credit: a.credit?.toString() ?? null,
        })),
        parents: [],
        nonce: d.nonce ?? null,
        decision_receipt_id: null,
        signature: '00'.repeat(64),
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { g, dids, hub } = buildGraph();
  const owner = Keypair.fromSeed(new Uint8Array(32).fill(1));
  const author = Keypair.fromSeed(new Uint8Array(32).fill(2));
  // The trust gate is one scorePpm call per entry (measured separately below); a constant oracle
  // keeps the ledger figure about the ledger.
  const oracle = { scorePpm: () => 1_000_000 };
  const PRELOAD = 10_000;
  console.log('building ledger entries (the verify pool is signed)…');
  const preload = buildEntries(PRELOAD, author, 'p', false);
  const appendPool = buildEntries(quick ? 30_000 : 60_000, author, 'a', false);
  const verifyPool = buildEntries(quick ? 1_500 : 3_000, author, 'v', true);
  const ledgerPlain = new Ledger({
    owner: owner.did,
    trust: oracle,
    defaultCreditLimit: 1n << 40n,
  });
  const ledgerVerify = new Ledger({
    owner: owner.did,
    trust: oracle,
    defaultCreditLimit: 1n << 40n,
  });
  ledgerPlain.applyBatch(preload, false);
  ledgerVerify.applyBatch(preload, false);
  const trie = new MerkleTrie();
  for (const e of preload) trie.insert(checkEntry(e, false).id);
  const trieIds: Hash[] = Array.from(
    { length: 200_000 },
    (_, i) =>
      `sha256:${toHex(sha256(Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16, 9)))}` as Hash,
  );
  const sample = canonicalize(preload[0]);
  const node64 = new Uint8Array(64 + 28);
  let ia = 0;
  let iv = 0;
  let it = 0;
  let q = 0;

  const bench = new Bench({ name: 'ledger-trust', time: TIME, warmup: false });
  bench
    .add('baseline: sha256(64 B + tag)', () => {
      sha256(node64);
    })
    .add(`baseline: sha256(entry canonical bytes, ${sample.length} B)`, () => {
      sha256(sample);
    })
    .add('ledger: Merkle insert only (10k+ leaves)', () => {
      trie.insert(trieIds[it++ % trieIds.length]!);
    })
    .add('ledger: append + root update (no sig verify)', () => {
      const e = appendPool[ia++];
      if (!e) throw new Error('append pool exhausted: raise its size');
      ledgerPlain.applyBatch([e], false);
      ledgerPlain.journalRoot();
    })
    .add('ledger: append + root update (Ed25519 verify)', () => {
      const e = verifyPool[iv++];
      if (!e) throw new Error('verify pool exhausted: raise its size');
      ledgerVerify.ingest(e);
      ledgerVerify.journalRoot();
    })
    .add('trust: scorePpm (random pair, 2-hop via store)', () => {
      g.scorePpm(dids[1 + (q++ % 9_998)]!, dids[(q * 7919) % MAX_LOCAL_NODES]!);
    })
    .add('trust: scorePpm from the hub (out-degree 9,999)', () => {
      g.scorePpm(hub, dids[1 + (q++ % 9_998)]!);
    })
    .add('trust: scoresFrom(hub) (touches all 50,000 edges)', () => {
      g.scoresFrom(hub.toString());
    })
    .add('trust: root over 50,000 edges (uncached)', () => {
      g.computeRoot();
    });
  await bench.run();

  const m = new Map(bench.tasks.map((t) => [t.name, meanMs(t)]));
  const base64 = m.get('baseline: sha256(64 B + tag)')!;
  const baseEntry = [...m.entries()].find(([k]) => k.startsWith('baseline: sha256(entry'))![1];
  console.log(
    `\nledger-trust bench (${quick ? 'quick' : 'full'}; Node ${process.version}; mean per op; ratios against baselines from this run)`,
  );
  console.log('| task | mean | × sha256(64 B) | × sha256(entry) |');
  console.log('|---|---|---|---|');
  for (const [name, ms] of m)
    console.log(
      `| ${name} | ${fmt(ms)} | ${(ms / base64).toFixed(1)} | ${(ms / baseEntry).toFixed(1)} |`,
    );
  console.log(
    `\nledger sizes after run: ${ledgerPlain.size} (plain), ${ledgerVerify.size} (verify); trie ${trie.size} leaves`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(3);
});
