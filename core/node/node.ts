/**
 * An ICN node: identity, storage, gossip, trust, ledger and the handlers of the other topics,
 * wired together. Everything outside is injected: Clock, Rng, Transport and a KvStore. The node
 * never reads real time or ambient randomness, so a simulator (harness/sim) or a real runtime can
 * drive the same code.
 *
 * Data flow: gossip accepts an entry (signature, hash, limits, trust gate) → the node persists it
 * → applies it to the component of its topic (trust graph, ledger, contracts, governance). Own
 * publications are synced to storage before they are announced: a crash can lose what a node
 * heard (anti-entropy brings it back), never what it said.
 *
 * Storage holds every entry the node accepted (and so applied), whatever gossip's store later
 * evicts: the gossip store is a bounded cache of what travels, the applied state is not. A restart
 * re-applies every stored entry, so its roots never depend on store capacity. The admission rules
 * the entries were accepted under are recorded too (`meta/gossip-admission`); a restart with
 * stricter ones is refused (NODE_CONFIG_DISCARDS_STATE) rather than rolling state back.
 */
import { canonicalString, parseStrictJson } from '../canonical/index.js';
import { IcnError } from '../errors.js';
import { requirePublication } from './publication.js';
import {
  compareEntries,
  Gossip,
  TOPICS,
  verifyEntry,
  type GossipEntry,
  type GossipOptions,
  type EntryMeta,
  type GossipStep,
  type PreparedPublish,
  type Topic,
  type VerifiedCache,
} from '../gossip/index.js';
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import { Did, type Keypair } from '../identity/index.js';
import { Governance } from '../governance/index.js';
import { Ledger, signEntry, type EntryDraft, type JournalEntry } from '../ledger/index.js';
import type { Clock, Rng } from '../runtime/index.js';
import {
  TrustGraph,
  attestationHash,
  checkAttestationBody,
  signAttestation,
  verifyAttestation,
  type SignedTrustAttestation,
} from '../trust/index.js';
import { NodeGovernance } from './governance.js';
import { createNodeMetrics, type NodeMetrics } from './metrics.js';
import { stateRootFromRoots, type ComponentName, type StateRoot } from './state-root.js';
import { MemoryKvStore, type KvStore } from './storage.js';

export const NODE_STATE_VERSION = 'icn-node-state/v1';

export interface Transport {
  send(to: string, message: unknown): void;
}

/** A component that consumes a topic's entries (contracts, governance). Throw IcnError to refuse. */
export type TopicHandler = (entry: GossipEntry) => void;

/**
 * The record format of an entry's data: its `format` string, if any. Records are entries a
 * component consumes by format (onRecord): contract execution records travel on `ledger:entries`
 * next to plain journal entries (which have no `format`), decision executions and proofs of
 * misbehavior on `governance:receipts`.
 */
export function recordFormat(data: unknown): string | undefined {
  const f =
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? (data as { format?: unknown }).format
      : undefined;
  return typeof f === 'string' ? f : undefined;
}

export interface NodeOptions {
  keypair: Keypair;
  clock: Clock;
  rng: Rng;
  transport: Transport;
  storage?: KvStore;
  peers?: readonly string[];
  /** Gossip knobs (fanout, topic limits, hazards…). */
  gossip?: Omit<GossipOptions, 'keypair' | 'rng' | 'trust'>;
  /** Credit limit of accounts without an explicit one (mutual credit; default 0). */
  defaultCreditLimit?: bigint;
  /** Shared cache of signature checks (entries, attestations): see core/gossip VerifiedCache. */
  verifiedCache?: VerifiedCache;
  /** Reload persisted entries from storage (a restart). */
  restore?: boolean;
}

/** Topics applied in this order when re-loading from storage: trust first, it gates the others. */
const RESTORE_ORDER: Topic[] = [
  'trust:attestations',
  'ledger:entries',
  'contracts:deploy',
  'governance:receipts',
];

const storeKey = (t: Topic, h: Hash) => `gossip/${t}/${h}`;
export const ADMISSION_KEY = 'meta/gossip-admission';

/** The topic settings that decide which entries are accepted (and applied); maxEntries is only capacity. */
const ADMISSION_FIELDS = [
  'maxDataBytes',
  'minAuthorTrustPpm',
  'perAuthorPerWindow',
  'windowMs',
] as const;
type Admission = Record<string, Record<(typeof ADMISSION_FIELDS)[number], number>>;

/** Whether `now` could refuse an entry `was` admitted, for one field (a changed window counts: it regroups entries). */
function stricter(
  f: (typeof ADMISSION_FIELDS)[number],
  was: Admission[string],
  now: Admission[string],
): boolean {
  switch (f) {
    case 'maxDataBytes':
      return now.maxDataBytes < was.maxDataBytes;
    case 'minAuthorTrustPpm':
      return now.minAuthorTrustPpm > was.minAuthorTrustPpm;
    case 'perAuthorPerWindow':
      return (
        now.perAuthorPerWindow > 0 &&
        (was.perAuthorPerWindow === 0 || now.perAuthorPerWindow < was.perAuthorPerWindow)
      );
    case 'windowMs':
      // moved window boundaries can put more of an author's entries in one window
      return now.perAuthorPerWindow > 0 && now.windowMs !== was.windowMs;
  }
}

export class IcnNode {
  readonly id: string;
  readonly did: Did;
  readonly keypair: Keypair;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly storage: KvStore;
  readonly gossip: Gossip;
  readonly trust: TrustGraph;
  readonly ledger: Ledger;
  readonly metrics: NodeMetrics;
  private readonly transport: Transport;
  private readonly verifiedCache: VerifiedCache | undefined;
  private readonly handlers = new Map<Topic, TopicHandler>();
  /** Record handlers by `${topic}\u0000${format}`. */
  private readonly records = new Map<string, TopicHandler>();
  private readonly appliedListeners: (() => void)[] = [];
  private notifying = false;
  private notifyAgain = false;
  readonly governance: Governance;
  /** Governance decisions over gossip: executed here and published, or verified by replay (governance.ts). */
  readonly decisions: NodeGovernance;
  /** Roots of the contract components, supplied by the contract registry once attached. */
  private readonly components = new Map<ComponentName, () => Hash>();
  private readonly trustListeners: (() => void)[] = [];
  /** Roots computed since the last change (state changes only through handle/apply/components). */
  private cachedState: StateRoot | undefined;
  private cachedCheckpoint: Hash | undefined;

  constructor(opts: NodeOptions) {
    this.keypair = opts.keypair;
    this.did = opts.keypair.did;
    this.id = this.did.toString();
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.transport = opts.transport;
    this.storage = opts.storage ?? new MemoryKvStore();
    this.metrics = createNodeMetrics();
    this.verifiedCache = opts.verifiedCache;
    // The node verifies every attestation itself (through the cache) before applying it.
    this.trust = new TrustGraph({ trustedInput: true });
    this.ledger = new Ledger({
      owner: this.did,
      trust: this.trust,
      ...(opts.defaultCreditLimit !== undefined
        ? { defaultCreditLimit: opts.defaultCreditLimit }
        : {}),
    });
    this.governance = new Governance({ ledger: this.ledger, nodeKey: opts.keypair });
    this.gossip = new Gossip({
      ...(opts.gossip ?? {}),
      keypair: opts.keypair,
      rng: opts.rng.stream('gossip'),
      trust: this.trust,
      ...(opts.verifiedCache ? { verifiedCache: opts.verifiedCache } : {}),
    });
    if (opts.peers) this.gossip.setPeers(opts.peers);
    // Storage keeps every accepted entry (handle, restore): gossip's store holds only their
    // metadata and reads an entry back when it serves it (issue 14: an index, not a copy).
    this.gossip.setArchive((t, h) => {
      const v = this.storage.get(storeKey(t, h));
      return v === undefined ? undefined : (JSON.parse(v) as GossipEntry);
    });
    this.decisions = new NodeGovernance(this);
    this.checkAdmission();
    if (opts.restore) this.restoreFromStorage();
  }

  /** Route a topic's entries to a component (contracts:deploy, governance:receipts). */
  onTopic(topic: Topic, handler: TopicHandler): void {
    this.handlers.set(topic, handler);
    this.invalidateRoots();
    // Entries that arrived before the handler was attached are applied now, in canonical order.
    for (const e of this.storedEntries(topic)) this.applyOne(e, handler);
  }

  /**
   * Route a topic's entries whose data has `format` to a component. Entries that arrived before
   * are applied now, in canonical order. Takes precedence over onTopic and over the ledger.
   */
  onRecord(topic: Topic, format: string, handler: TopicHandler): void {
    this.records.set(`${topic}\u0000${format}`, handler);
    this.invalidateRoots();
    for (const e of this.storedEntries(topic))
      if (recordFormat(e.data) === format) this.applyOne(e, handler);
  }

  /**
   * Called whenever something was applied that waiting records may depend on: journal entries
   * (their parents), contract executions (their predecessors), installations.
   */
  onApplied(f: () => void): void {
    this.appliedListeners.push(f);
  }

  /** Tell the listeners that something was applied (re-entrant calls are folded into one more round). */
  notifyApplied(): void {
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    try {
      do {
        this.notifyAgain = false;
        for (const f of this.appliedListeners) f();
      } while (this.notifyAgain);
    } finally {
      this.notifying = false;
    }
  }

  /** Called after every trust attestation this node applies (components whose decisions depend on trust). */
  onTrustApplied(f: () => void): void {
    this.trustListeners.push(f);
  }

  /** Supply a state-root component (the contract registry's contracts, installations, contract_states). */
  setComponent(name: ComponentName, root: () => Hash): void {
    this.invalidateRoots();
    this.components.set(name, root);
  }

  // ---- runtime events ----------------------------------------------------------------------

  receive(from: string, message: unknown): void {
    void from; // the message names and proves its sender; the transport's claim is not needed
    const type = (message as { body?: { type?: unknown } } | null)?.body?.type;
    const step = this.gossip.receive(this.clock.nowMs(), message);
    if (step.rejected.length === 0 || typeof type === 'string')
      this.metrics.messagesReceived.inc({ type: typeof type === 'string' ? type : 'unknown' });
    this.handle(step);
  }

  /** Periodic work: make writes durable, run an anti-entropy round. */
  tick(): void {
    this.storage.sync();
    this.handle(this.gossip.tick(this.clock.nowMs()));
  }

  // ---- local actions -----------------------------------------------------------------------

  /** Publish on a topic as this node (durable before announced). */
  publish(topic: Topic, data: unknown): GossipEntry {
    let r: ReturnType<Gossip['publish']>;
    try {
      r = this.gossip.publish(this.clock.nowMs(), topic, data);
    } catch (e) {
      // a refused entry can still have displaced entries from the store: drop them here too
      const removed = (e as { details?: { removed?: EntryMeta[] } }).details?.removed;
      if (removed?.length) this.handle({ send: [], delivered: [], rejected: [], removed }, true);
      throw e;
    }
    this.handle(r.step, true);
    return r.entry;
  }

  /**
   * What publish(topic, data) would publish now and whether gossip would take it, changing nothing
   * (Gossip.preparePublish at the node's clock): for an action that must not be applied unless its
   * publication is (own contract executions). Throws GossipError undeclared_topic or too_large.
   */
  preparePublish(topic: Topic, data: unknown): PreparedPublish {
    return this.gossip.preparePublish(this.clock.nowMs(), topic, data);
  }

  /** Publish a prepared entry (Gossip.commitPublish), durable before announced as publish(). */
  commitPublish(p: PreparedPublish): GossipEntry {
    const step = this.gossip.commitPublish(p);
    this.handle(step, true);
    return p.entry;
  }

  /**
   * Publish `data` only if gossip takes it whole (planPublication: not too large, rate limited or
   * evicted, and not by displacing one of this node's earlier entries from a full quota window,
   * which would lose that entry for every node that had not yet received it). Otherwise
   * PublishRefused (NODE_PUBLISH_REFUSED), and nothing changed.
   */
  publishWhole(topic: Topic, data: unknown, what: string): GossipEntry {
    return this.commitPublish(
      requirePublication(this, topic, data, `this ${what}`, 'it was not applied'),
    );
  }

  /** State this node's direct trust in `to` and publish the signed attestation (publish or nothing). */
  attest(to: string, scorePpm: number): SignedTrustAttestation {
    const att = signAttestation(this.keypair, Did.parse(to), scorePpm, this.clock.nowMs());
    this.publishWhole('trust:attestations', att, 'attestation');
    return att;
  }

  /** Sign and publish a journal entry authored by this node (publish or nothing). */
  submitLedgerEntry(draft: Omit<EntryDraft, 'timestamp'> & { timestamp?: number }): JournalEntry {
    const entry = signEntry(this.keypair, {
      ...draft,
      timestamp: draft.timestamp ?? this.clock.nowMs(),
    });
    this.publishWhole('ledger:entries', entry, 'ledger entry');
    return entry;
  }

  // ---- state -------------------------------------------------------------------------------

  /**
   * The LC state root (core/node/state-root.ts) with its per-component breakdown. A contract
   * component no registry has supplied is the root of an empty component (no contracts). Gossip's
   * own store is not LC (it is how state travels, not state): see checkpointRoot.
   */
  state(): StateRoot {
    if (this.cachedState) return this.cachedState;
    const roots: Record<string, Hash> = {
      ledger: this.ledger.root(),
      trust: this.trust.root(),
      governance: this.governance.root(),
      contracts: emptyComponentRoot('contracts'),
      installations: emptyComponentRoot('installations'),
      contract_states: emptyComponentRoot('contract_states'),
    };
    for (const [name, f] of this.components) roots[name] = f();
    return (this.cachedState = stateRootFromRoots(roots));
  }

  /** Forget cached roots: a component changed state outside gossip (a contract execution). */
  invalidateRoots(): void {
    this.cachedState = undefined;
    this.cachedCheckpoint = undefined;
  }

  stateRoot(): Hash {
    return this.state().root;
  }

  /** Everything the node holds: the LC root and the gossip store root (simulator checkpoints). */
  checkpointRoot(): Hash {
    if (this.cachedCheckpoint) return this.cachedCheckpoint;
    return (this.cachedCheckpoint = contentHash(DOMAIN.componentRoot, {
      state: this.stateRoot(),
      gossip: this.gossip.root(),
    }));
  }

  // ---- internals ---------------------------------------------------------------------------

  private handle(step: GossipStep, own = false): void {
    if (step.delivered.length || step.removed.length) this.invalidateRoots();
    for (const r of step.rejected)
      this.metrics.gossipRejected.inc({ reason: r.reason, topic: r.topic ?? '' });
    // step.removed left gossip's store (a bounded cache), not the applied state: storage keeps them.
    for (const e of step.delivered) {
      this.storage.put(storeKey(e.topic, e.hash), canonicalString(e as never));
      this.metrics.entriesAccepted.inc({ topic: e.topic });
    }
    if (own) this.storage.sync();
    for (const e of step.delivered) this.apply(e);
    // After apply: a record waiting for its component stays in storage (onRecord re-reads it there).
    for (const e of step.delivered) this.gossip.archive(e.topic, e.hash);
    for (const o of step.send) {
      this.metrics.messagesSent.inc({ type: o.message.body.type });
      this.transport.send(o.to, o.message);
    }
  }

  private apply(e: GossipEntry): void {
    const format = recordFormat(e.data);
    if (format !== undefined) {
      const record = this.records.get(`${e.topic}\u0000${format}`);
      if (record) return this.applyOne(e, record);
      // Journal entries have no `format`: this is a record for a component not attached yet (a
      // restart restores before components attach). It waits in the gossip store; onRecord applies it.
      if (e.topic === 'ledger:entries') return;
    }
    switch (e.topic) {
      case 'trust:attestations':
        return this.guard(e, () => {
          const att = e.data as SignedTrustAttestation;
          if ((att as { from?: unknown })?.from !== e.author)
            throw new IcnError(
              'NODE_AUTHOR_MISMATCH',
              `attestation from ${String((att as { from?: unknown })?.from)} published by ${e.author}`,
            );
          this.trust.apply(this.verifiedAttestation(att));
          for (const f of this.trustListeners) f();
        });
      case 'ledger:entries':
        return this.guard(e, () => {
          const r = this.ledger.ingest(e.data);
          for (const x of r.rejected)
            this.metrics.applyRejected.inc({ topic: e.topic, code: x.code });
          if (r.status === 'applied' && this.appliedListeners.length) this.notifyApplied();
        });
      default: {
        const h = this.handlers.get(e.topic);
        if (h) this.applyOne(e, h);
      }
    }
  }

  /** verifyAttestation, skipped when the shared cache has already seen this exact attestation verify. */
  private verifiedAttestation(att: unknown): SignedTrustAttestation {
    // Exact bytes seen verified before (shape, canonical DIDs, signature): nothing to redo.
    const raw = `raw|${contentHash(DOMAIN.trustAttestation, att as never)}`;
    if (this.verifiedCache?.has(raw)) return att as SignedTrustAttestation;
    const v = this.verifiedAttestationSlow(att);
    this.verifiedCache?.add(raw);
    return v;
  }

  private verifiedAttestationSlow(att: unknown): SignedTrustAttestation {
    const body = checkAttestationBody(att);
    const sig = (att as { signature?: unknown }).signature;
    const key = `${attestationHash(body)}|${String(sig)}`;
    if (this.verifiedCache?.has(key)) return { ...body, signature: sig as string };
    const v = verifyAttestation(att);
    this.verifiedCache?.add(key);
    return v;
  }

  private applyOne(e: GossipEntry, h: TopicHandler): void {
    this.guard(e, () => h(e));
  }

  private guard(e: GossipEntry, f: () => void): void {
    try {
      f();
    } catch (err) {
      if (!(err instanceof IcnError)) throw err;
      this.metrics.applyRejected.inc({ topic: e.topic, code: err.code });
    }
  }

  /** Keys of stored entries that failed verification on restore (never applied, skipped later). */
  private readonly unreadable = new Set<string>();

  /**
   * Every entry of a topic this node accepted (storage, not gossip's bounded store), in canonical
   * order. Verified when accepted (or on restore: see unreadable).
   */
  private storedEntries(t: Topic): GossipEntry[] {
    const out: GossipEntry[] = [];
    for (const k of this.storage.keys(`gossip/${t}/`)) {
      const v = this.unreadable.has(k) ? undefined : this.storage.get(k);
      if (v !== undefined) out.push(JSON.parse(v) as GossipEntry);
    }
    return out.sort(compareEntries);
  }

  /**
   * Refuse admission settings stricter than those the stored entries were accepted under
   * (they would refuse entries this node has applied); record the settings in force.
   */
  private checkAdmission(): void {
    const now: Admission = {};
    for (const t of TOPICS) {
      const c = this.gossip.topicConfig(t);
      now[t] = {
        maxDataBytes: c.maxDataBytes,
        minAuthorTrustPpm: c.minAuthorTrustPpm,
        perAuthorPerWindow: c.perAuthorPerWindow,
        windowMs: c.windowMs,
      };
    }
    const raw = this.storage.get(ADMISSION_KEY);
    const was = raw === undefined ? undefined : (parseStrictJson(raw, ADMISSION_KEY) as Admission);
    for (const t of TOPICS) {
      const w = was?.[t];
      if (!w) continue;
      const held = this.storage.keys(`gossip/${t}/`).length;
      if (held === 0) continue;
      for (const f of ADMISSION_FIELDS) {
        if (!stricter(f, w, now[t]!)) continue;
        throw new IcnError(
          'NODE_CONFIG_DISCARDS_STATE',
          `gossip setting topics.${t}.${f} = ${now[t]![f]} ${f === 'windowMs' ? 'moves the rate-limit windows of' : 'is stricter than'} ${w[f]}, under which this node accepted and applied ${held} ${t} entries: it would refuse entries in this node's state. Keep ${w[f]} (or start from an empty data directory and re-sync)`,
          { topic: t, field: f, was: w[f], now: now[t]![f], held },
        );
      }
    }
    const next = canonicalString(now as never);
    if (next !== raw) {
      this.storage.put(ADMISSION_KEY, next);
      this.storage.sync();
    }
  }

  /**
   * Re-apply every stored entry (all of them: what gossip's store kept is a cache), topic by topic
   * in RESTORE_ORDER and in canonical order within a topic, then refill gossip's store from them.
   */
  private restoreFromStorage(): void {
    for (const t of RESTORE_ORDER) {
      const raws: unknown[] = [];
      const good: GossipEntry[] = [];
      for (const k of this.storage.keys(`gossip/${t}/`)) {
        const v = this.storage.get(k);
        if (v === undefined) continue;
        try {
          // JSON.parse: this node wrote canonical JSON here, and verifyEntry re-derives the hash from
          // the parsed body, so nothing but that entry can pass (the strict reader also retains far
          // more memory per string: issue 14, problem 2).
          const raw = JSON.parse(v) as unknown;
          good.push(verifyEntry(raw, k, this.verifiedCache));
          raws.push(raw);
        } catch (e) {
          if (!(e instanceof IcnError) && !(e instanceof SyntaxError)) throw e;
          this.unreadable.add(k);
          this.metrics.applyRejected.inc({ topic: t, code: 'STORAGE_CORRUPT' });
        }
      }
      // Apply first, so the trust tiers gossip ranks the restored entries by are the final ones.
      for (const e of good.sort(compareEntries)) this.apply(e);
      const step = this.gossip.restore(raws);
      for (const e of step.delivered) this.gossip.archive(e.topic, e.hash);
      this.metrics.restoredEntries.inc(good.length);
      for (const r of step.rejected)
        this.metrics.gossipRejected.inc({ reason: r.reason, topic: r.topic ?? t });
    }
  }
}

/** Root of a contract component on a node with no contract registry attached. */
export function emptyComponentRoot(name: ComponentName): Hash {
  return contentHash(DOMAIN.componentRoot, { name, version: NODE_STATE_VERSION, empty: true });
}

export { TOPICS };
