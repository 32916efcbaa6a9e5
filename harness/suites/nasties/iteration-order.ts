/**
 * The iteration_order nasty (core, not WASM): a component built from the same facts in 1,000
 * seeded shuffled orders must reach one root. It targets hash-table/insertion-order leaks (ICN's
 * own Set/Map serialization followed hash-table order; madsim 240: a HashSet changed order while
 * the determinism check passed).
 *
 * Components (each an LC entry `nasties/iteration_order::<component>`):
 *   ledger          signed transfers forming a DAG: 1,000 parent-first orders through applyBatch
 *                   (signatures checked once, up front) and 3 fully random orders through
 *                   ingest (verified, children wait for their parents).
 *   trust           signed attestations including superseding ones (same edge, other issued_at):
 *                   1,000 orders into TrustGraph (signatures checked once), root and score table.
 *   contract_state  a contract state Map filled in 1,000 insertion orders: contracts' stateRoot.
 *   ccl_values      CCL Set and Map values (nested) built from 1,000 orders of their items.
 *   gossip          signed entries over every topic with eviction and per-author rate limits in
 *                   play: 1,000 orders into TopicStores (what each topic keeps, in order) and 3
 *                   orders through the gossip engine's restore (verified): kept entries, root.
 *   gossip_clock    the same facts: each topic's vector clock (sent in digests). It used to merge
 *                   every entry ever accepted, including ones a later arrival evicts or rate-limits
 *                   out, so it depended on arrival order (found by this nasty; core/gossip now
 *                   merges over the kept entries).
 *
 * Facts are fixed (keys from fixed seeds); only the orders come from the run seed, so the root
 * is independent of the seed and an LC output.
 */
import { IcnError } from '../../../core/errors.js';
import { contentHash, DOMAIN, type Hash } from '../../../core/hash/index.js';
import { Keypair } from '../../../core/identity/index.js';
import { Rng } from '../../../core/runtime/index.js';
import { int, map, set, str, list, valueToJson, did as cclDid, type Value } from '../../../core/ccl/values.js';
import { stateRoot } from '../../../core/contracts/receipt.js';
import { Ledger, signEntry, transferDraft, checkEntry, type JournalEntry } from '../../../core/ledger/index.js';
import { TrustGraph, signAttestation, verifyAttestation, type SignedTrustAttestation } from '../../../core/trust/index.js';
import { Gossip, TopicStore, TOPICS, makeEntry, verifyEntry, resolveTopicConfig, type GossipEntry, type Topic, type TopicConfig } from '../../../core/gossip/index.js';
import type { CaseOutcome, SuiteContext } from '../types.js';

export const ITERATION_ORDER_ID_PREFIX = 'nasties/iteration_order::';
export const ITERATION_ORDER_COMPONENTS = ['ccl_values', 'contract_state', 'gossip', 'gossip_clock', 'ledger', 'trust'] as const;
export type Component = (typeof ITERATION_ORDER_COMPONENTS)[number];
/** Orders per component (the 1,000). */
export const ORDERS = 1000;
/** Orders through the fully verified paths (ledger ingest, gossip restore): signatures cost ~ms each. */
export const VERIFIED_ORDERS = 3;

const kp = (b: number) => Keypair.fromSeed(new Uint8Array(32).fill(b));
const everyone = { scorePpm: () => 1_000_000 };

/** Run `build` on ORDERS shuffles of `facts`; every root must equal the first. */
function sameRoot<T>(rng: Rng, facts: readonly T[], orders: number, build: (xs: T[]) => string): { root: string; firstDiffering?: number; other?: string } {
  let root: string | undefined;
  for (let i = 0; i < orders; i++) {
    const r = build(i === 0 ? [...facts] : rng.shuffle(facts));
    if (root === undefined) root = r;
    else if (r !== root) return { root, firstDiffering: i, other: r };
  }
  return { root: root! };
}

/** A random order in which every entry comes after its parents. */
function parentFirst(rng: Rng, entries: readonly JournalEntry[], idOf: Map<JournalEntry, Hash>): JournalEntry[] {
  const byId = new Map([...idOf].map(([e, id]) => [id, e]));
  const done = new Set<Hash>();
  const out: JournalEntry[] = [];
  let pool = rng.shuffle(entries);
  while (pool.length) {
    const ready = pool.filter((e) => e.parents.every((p) => done.has(p) || !byId.has(p)));
    const pick = rng.pick(ready);
    out.push(pick);
    done.add(idOf.get(pick)!);
    pool = pool.filter((e) => e !== pick);
  }
  return out;
}

function ledgerFacts(): { entries: JournalEntry[]; ids: Map<JournalEntry, Hash> } {
  const authors = [kp(21), kp(22), kp(23)];
  const accounts = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const entries: JournalEntry[] = [];
  const ids = new Map<JournalEntry, Hash>();
  for (let i = 0; i < 16; i++) {
    // each entry links to up to two earlier ones: a DAG, not a chain
    const parents = [i >= 1 ? ids.get(entries[i - 1]!)! : undefined, i >= 5 ? ids.get(entries[i - 5]!)! : undefined].filter((p): p is Hash => p !== undefined);
    const e = signEntry(authors[i % 3]!, transferDraft(accounts[i % 5]!, accounts[(i * 3 + 1) % 5]!, BigInt(10 + i * 7), i % 2 ? 'hours' : 'credits', 1_000 + i, { parents }));
    entries.push(e);
    ids.set(e, checkEntry(e).id);
  }
  return { entries, ids };
}

function runLedger(rng: Rng): Record<string, string> & { ok: string } {
  const { entries, ids } = ledgerFacts();
  const owner = kp(20).did;
  const make = () => new Ledger({ owner, trust: everyone, defaultCreditLimit: 1_000_000n });
  const fast = sameRoot(rng, entries, ORDERS, (xs) => {
    const l = make();
    l.applyBatch(parentFirst(rng, xs, ids), false);
    return contentHash(DOMAIN.manifestOutputs, [l.root(), l.allBalances().map((b) => [b.account_id, b.currency, b.balance.toString()])]);
  });
  const slow = sameRoot(rng, entries, VERIFIED_ORDERS, (xs) => {
    const l = make();
    for (const e of xs) l.ingest(e);
    if (l.pendingCount !== 0) return `pending ${l.pendingCount}`;
    return contentHash(DOMAIN.manifestOutputs, [l.root(), l.allBalances().map((b) => [b.account_id, b.currency, b.balance.toString()])]);
  });
  return judge(fast, slow, { entries: String(entries.length) });
}

function runTrust(rng: Rng): Record<string, string> & { ok: string } {
  const ks = [kp(31), kp(32), kp(33), kp(34), kp(35), kp(36)];
  const atts: SignedTrustAttestation[] = [];
  ks.forEach((from, i) =>
    ks.forEach((to, j) => {
      if (i === j || (i + j) % 3 === 0) return;
      atts.push(signAttestation(from, to.did, ((i * 7 + j * 13) % 10) * 100_000 + 50_000, 10 + i));
      // a later attestation of the same edge supersedes the earlier one, whatever the arrival order
      if ((i + j) % 4 === 1) atts.push(signAttestation(from, to.did, ((i + j * 5) % 10) * 90_000, 20 + j));
    }),
  );
  for (const a of atts) verifyAttestation(a); // once, up front
  const r = sameRoot(rng, atts, ORDERS, (xs) => {
    const g = new TrustGraph({ trustedInput: true });
    for (const a of xs) g.apply(a);
    const scores = ks.flatMap((a) => ks.map((b) => g.scorePpm(a.did, b.did))).join(',');
    return contentHash(DOMAIN.manifestOutputs, [g.root(), scores]);
  });
  return judge(r, undefined, { attestations: String(atts.length) });
}

function runContractState(rng: Rng): Record<string, string> & { ok: string } {
  const code = contentHash(DOMAIN.manifestInputs, 'iteration_order/contract_state') as Hash;
  const facts: [string, Value][] = [];
  for (let i = 0; i < 40; i++) facts.push([`k${(i * 37) % 101}`, i % 3 === 0 ? int(BigInt(i * i - 50)) : i % 3 === 1 ? str(`v${i}é`) : list([int(BigInt(i)), str('x')])]);
  facts.push(['Zeta', str('upper case sorts first')], ['älpha', int(1n)], ['\u{1F600}', int(2n)], ['\uFB01', int(3n)]);
  const r = sameRoot(rng, facts, ORDERS, (xs) => stateRoot(code, new Map(xs)));
  return judge(r, undefined, { keys: String(facts.length) });
}

function runCclValues(rng: Rng): Record<string, string> & { ok: string } {
  const dids = [kp(41), kp(42), kp(43)].map((k) => cclDid(k.did.toString()));
  const items: Value[] = [int(3n), int(-1n), int(9_007_199_254_740_993n), str('b'), str('a'), str('B'), str('\u{1F600}'), str('\uFB01'), ...dids];
  const entries: [string, Value][] = items.map((v, i) => [`key${(i * 5) % 11}-${i}`, v]);
  const r = sameRoot(rng, items.map((v, i) => ({ v, e: entries[i]! })), ORDERS, (xs) => {
    const s = set(xs.map((x) => x.v));
    const m = map(xs.map((x) => x.e));
    const nested = set([s, list([m]), map([['inner', s]])]);
    return contentHash(DOMAIN.manifestOutputs, valueToJson(list([s, m, nested])));
  });
  return judge(r, undefined, { items: String(items.length) });
}

function gossipFacts(): { entries: GossipEntry[]; small: Partial<Record<Topic, Partial<TopicConfig>>> } {
  const authors = [kp(51), kp(52), kp(53)];
  const entries: GossipEntry[] = [];
  TOPICS.forEach((topic, ti) => {
    for (let i = 0; i < 12; i++) {
      const a = authors[(i + ti) % 3]!;
      entries.push(makeEntry(a, topic, [[a.did.toString(), i + 1]], 1_000 + (i % 4) * 30_000 + ti, { n: i, topic }));
    }
  });
  for (const e of entries) verifyEntry(e); // once, up front
  // small limits so that eviction and per-author rate limits decide what is kept
  const small: Partial<Record<Topic, Partial<TopicConfig>>> = {};
  for (const t of TOPICS) small[t] = { maxEntries: 8, perAuthorPerWindow: 2, windowMs: 60_000, minAuthorTrustPpm: 0 };
  return { entries, small };
}

function topicStores(entries: readonly GossipEntry[], configs: Record<Topic, TopicConfig>): Map<Topic, TopicStore> {
  const stores = new Map(TOPICS.map((t) => [t, new TopicStore(configs[t])]));
  for (const e of entries) stores.get(e.topic as Topic)!.insert(e);
  return stores;
}

/** What each topic keeps, in canonical order (the gossip root is over these hashes). */
function runGossip(rng: Rng): Record<string, string> & { ok: string } {
  const { entries, small } = gossipFacts();
  const configs = resolveTopicConfig(small);
  const kept = (stores: Map<Topic, TopicStore>) => contentHash(DOMAIN.manifestOutputs, TOPICS.map((t) => [t, stores.get(t)!.entries().map((e) => e.hash)]));
  const fast = sameRoot(rng, entries, ORDERS, (xs) => kept(topicStores(xs, configs)));
  let engineRoot = '';
  const slow = sameRoot(rng, entries, VERIFIED_ORDERS, (xs) => {
    const g = new Gossip({ keypair: kp(50), rng: Rng.root(0n).stream('gossip'), trust: everyone, topics: small });
    g.restore(xs);
    engineRoot = g.root();
    return contentHash(DOMAIN.manifestOutputs, TOPICS.map((t) => [t, g.entries(t).map((e) => e.hash)]));
  });
  const out = judge(fast, slow, { entries: String(entries.length) });
  if (out.ok === 'true') out.engineRoot = engineRoot;
  return out;
}

/** Each topic's vector clock: the merge of every entry the store ever accepted. */
function runGossipClock(rng: Rng): Record<string, string> & { ok: string } {
  const { entries, small } = gossipFacts();
  const configs = resolveTopicConfig(small);
  const r = sameRoot(rng, entries, ORDERS, (xs) => {
    const stores = topicStores(xs, configs);
    return contentHash(DOMAIN.manifestOutputs, TOPICS.map((t) => [t, stores.get(t)!.clock]));
  });
  return judge(r, undefined, { entries: String(entries.length) });
}

function judge(fast: ReturnType<typeof sameRoot>, slow: ReturnType<typeof sameRoot> | undefined, extra: Record<string, string>): Record<string, string> & { ok: string } {
  const out: Record<string, string> & { ok: string } = { ...extra, orders: String(ORDERS), root: fast.root, ok: 'true' };
  if (slow) out.verifiedOrders = String(VERIFIED_ORDERS);
  const bad = [slow && slow.root !== fast.root && slow.firstDiffering === undefined ? `the verified path reached ${slow.root}, the fast path ${fast.root}` : '', fast.firstDiffering !== undefined ? `order ${fast.firstDiffering} gave ${fast.other} instead of ${fast.root}` : '', slow?.firstDiffering !== undefined ? `verified order ${slow.firstDiffering} gave ${slow.other} instead of ${slow.root}` : ''].filter(Boolean);
  if (bad.length) {
    out.ok = 'false';
    out.divergence = bad.join('; ');
  }
  return out;
}

const RUNNERS: Record<Component, (rng: Rng) => Record<string, string> & { ok: string }> = {
  ledger: runLedger,
  trust: runTrust,
  contract_state: runContractState,
  ccl_values: runCclValues,
  gossip: runGossip,
  gossip_clock: runGossipClock,
};

export async function runIterationOrder(component: string, ctx: SuiteContext): Promise<CaseOutcome> {
  const run = RUNNERS[component as Component];
  if (!run) throw new IcnError('CASE_UNKNOWN', `no iteration-order component ${component}`);
  const { ok, divergence, ...outputs } = run(Rng.root(ctx.seed).stream(`nasties/iteration_order/${component}`));
  const inputs = contentHash(DOMAIN.manifestInputs, { nasty: 'iteration_order', component, orders: ORDERS, verifiedOrders: VERIFIED_ORDERS });
  const out: CaseOutcome = { inputs, outputs, status: ok === 'true' ? 'pass' : 'fail', reproduce: `icn-harness run --filter '${ITERATION_ORDER_ID_PREFIX}${component}'` };
  if (divergence) out.reason = `iteration order changed the root: ${divergence}`;
  return out;
}
