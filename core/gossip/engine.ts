/**
 * The gossip state machine, sans IO: no sockets, no timers, no clock reads, no ambient randomness.
 * Inputs are (now in integer ms, event): `publish`, `receive`, `tick`. Outputs are a GossipStep:
 * messages to send, entries newly accepted (for the node to apply), rejections with named
 * reasons, entries removed by the limits. A runtime (the simulator, or a real network loop)
 * delivers the messages and calls `tick` on its schedule.
 *
 * Dissemination: eager push of announcements to `fanout` random peers on publish and on every
 * newly accepted entry (epidemic relay), pull of unknown hashes by request/response, and periodic
 * digest-based anti-entropy (vector clock + Bloom filter per topic) that repairs anything loss,
 * partitions or crashes left behind.
 */
import { IcnError } from '../errors.js';
import type { Hash } from '../hash/index.js';
import { contentHash, DOMAIN } from '../hash/index.js';
import type { Did, Keypair } from '../identity/index.js';
import type { Rng } from '../runtime/index.js';
import type { TrustOracle } from '../trust/oracle.js';
import { Bloom } from './bloom.js';
import { dataSize, makeEntry, verifyEntry, type GossipEntry, type VerifiedCache } from './entry.js';
import { GossipError, type RejectReason } from './errors.js';
import {
  MAX_ENTRIES_PER_MESSAGE,
  parseDid,
  signMessage,
  verifyMessage,
  type GossipMessage,
  type MessageBody,
  type TopicDigest,
} from './message.js';
import {
  TopicStore,
  type EntryLoader,
  type EntryMeta,
  type InsertPlan,
  type InsertResult,
  type Tier,
} from './store.js';
import { checkTopic, resolveTopicConfig, TOPICS, type Topic, type TopicConfig } from './topics.js';
import { vcGet, vcLe, vcSet } from './vclock.js';

export const GOSSIP_STORE_VERSION = 'icn-gossip-store/v1';

export interface Outbound {
  to: string;
  message: GossipMessage;
}

export interface Rejection {
  reason: RejectReason;
  detail: string;
  /** The peer the offending message came from (absent for local publishes). */
  from?: string;
  topic?: Topic;
  /** The entry hash concerned, when there is one. */
  hash?: Hash;
  author?: string;
}

export interface GossipStep {
  send: Outbound[];
  /** Entries accepted by this step, in acceptance order. */
  delivered: GossipEntry[];
  rejected: Rejection[];
  /** Entries dropped by retention or rate-limit displacement. */
  removed: EntryMeta[];
}

/**
 * Test-only hazards: deliberate nondeterminism, to show that the determinism checks fire.
 * `peerOrder: 'insertion'` keeps peers in a Set in the order they were added and picks fanout
 * targets from that order instead of the canonical (sorted) one.
 */
export interface GossipHazards {
  peerOrder?: 'canonical' | 'insertion';
}

export interface GossipOptions {
  keypair: Keypair;
  /** Peer selection and digest salts; give the node its own named stream. */
  rng: Rng;
  /** Trust gate oracle (scores from this node). Without one, gated topics accept only own entries. */
  trust?: TrustOracle;
  topics?: Partial<Record<Topic, Partial<TopicConfig>>>;
  /** Peers each announcement goes to (default 4). */
  fanout?: number;
  /** Peers each anti-entropy round sends a digest to (default 1). */
  digestFanout?: number;
  /** An announced hash is requested again from another announcer after this long (default 1000 ms). */
  requestTimeoutMs?: number;
  /**
   * Announced hashes remembered as requested at once (default 4096). Announcements of unknown
   * hashes cost a peer nothing, so beyond this the rest of an announcement is not requested
   * (anti-entropy offers real entries again); a request older than `requestTimeoutMs` is forgotten.
   */
  maxPendingRequests?: number;
  /** Entries per response message (default 64, at most MAX_ENTRIES_PER_MESSAGE). */
  maxResponseEntries?: number;
  /** Responses one digest may trigger per topic (default 4): anti-entropy catches up over rounds. */
  maxResponsesPerDigest?: number;
  /**
   * Entries whose data is at most this many canonical bytes are pushed whole to the fanout peers
   * (one message per hop instead of announce → request → response); larger ones are announced.
   * Default 8 KiB; 0 announces everything.
   */
  pushMaxBytes?: number;
  /**
   * `batched` (default): entries accepted from peers are relayed at the next tick, all of a
   * topic's new entries in one message per fanout peer (message count per node per tick is
   * bounded by fanout, whatever the entry rate). `immediate`: relayed as they are accepted.
   * Own publications are always sent at once.
   */
  relay?: 'batched' | 'immediate';
  /** Shared cache of entry signature checks (see VerifiedCache). */
  verifiedCache?: VerifiedCache;
  /**
   * Entries from peers dated more than this many ms after this node's clock are refused as
   * `future_dated` (not remembered: anti-entropy offers them again once the clock has caught up).
   * Default 300000 (5 min); own publications and restored entries are not checked.
   */
  maxFutureSkewMs?: number;
  /** Bloom sizing (default 10 bits per entry, k = 7: about 1% false positives). */
  bloomBitsPerEntry?: number;
  bloomK?: number;
  hazards?: GossipHazards;
}

/** A publication planned by Gossip.preparePublish, not yet made (see commitPublish). */
export interface PreparedPublish {
  readonly topic: Topic;
  /** The signed entry, exactly as publish would make it. */
  readonly entry: GossipEntry;
  /** This node's counter in the entry's clock. */
  readonly counter: number;
  /** What this node's store would do with the entry (never `duplicate`: the counter is new). */
  readonly plan: InsertPlan;
  readonly generation: number;
}

function emptyStep(): GossipStep {
  return { send: [], delivered: [], rejected: [], removed: [] };
}

export class Gossip {
  readonly self: string;
  private readonly selfDid: Did;
  private readonly kp: Keypair;
  private readonly rng: Rng;
  private readonly trust: TrustOracle | undefined;
  private readonly config: Record<Topic, TopicConfig>;
  private readonly stores: Record<Topic, TopicStore>;
  private readonly fanout: number;
  private readonly digestFanout: number;
  private readonly requestTimeoutMs: number;
  private readonly maxPendingRequests: number;
  private readonly maxResponseEntries: number;
  private readonly maxResponsesPerDigest: number;
  private readonly bloomBits: number;
  private readonly pushMaxBytes: number;
  private readonly relayMode: 'batched' | 'immediate';
  private readonly verifiedCache: VerifiedCache | undefined;
  /** Entries accepted since the last tick, waiting to be relayed (per topic, acceptance order). */
  private readonly outbox = new Map<Topic, GossipEntry[]>();
  private readonly bloomK: number;
  private readonly maxFutureSkewMs: number;
  private readonly hazards: GossipHazards;
  private peerList: string[] = [];
  private readonly peerSet = new Set<string>();
  /** hash → time it was last requested (lookups only; never iterated into an output). */
  private readonly pending = new Map<Hash, number>();
  private seq = 0;
  /** This node's highest counter per topic (never reused, even when its own entries are evicted). */
  private readonly ownCounter = new Map<Topic, number>();
  private round = 0;
  /** Bumped by every store insertion: a prepared publication is only committed against the state it was planned on. */
  private generation = 0;

  constructor(opts: GossipOptions) {
    this.kp = opts.keypair;
    this.selfDid = opts.keypair.did;
    this.self = this.selfDid.toString();
    this.rng = opts.rng;
    this.trust = opts.trust;
    this.config = resolveTopicConfig(opts.topics);
    this.stores = Object.fromEntries(
      TOPICS.map((t) => [t, new TopicStore(this.config[t])]),
    ) as Record<Topic, TopicStore>;
    this.fanout = opts.fanout ?? 4;
    this.digestFanout = opts.digestFanout ?? 1;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 1000;
    this.maxPendingRequests = opts.maxPendingRequests ?? 4096;
    this.maxResponseEntries = Math.min(opts.maxResponseEntries ?? 64, MAX_ENTRIES_PER_MESSAGE);
    this.maxResponsesPerDigest = opts.maxResponsesPerDigest ?? 4;
    this.bloomBits = opts.bloomBitsPerEntry ?? 10;
    this.pushMaxBytes = opts.pushMaxBytes ?? 8 * 1024;
    this.relayMode = opts.relay ?? 'batched';
    this.verifiedCache = opts.verifiedCache;
    this.bloomK = opts.bloomK ?? 7;
    this.maxFutureSkewMs = opts.maxFutureSkewMs ?? 300_000;
    this.hazards = opts.hazards ?? {};
  }

  // ---- peers -------------------------------------------------------------------------------

  /** Replace the peer set (DIDs; self is ignored). Kept sorted: selection never depends on the order given. */
  setPeers(peers: readonly string[]): void {
    this.peerSet.clear();
    for (const p of peers) if (p !== this.self) this.peerSet.add(p);
    this.peerList = [...this.peerSet].sort();
  }

  addPeer(p: string): void {
    if (p === this.self || this.peerSet.has(p)) return;
    this.peerSet.add(p);
    this.peerList = [...this.peerSet].sort();
  }

  get peers(): readonly string[] {
    return this.peerList;
  }

  private choosePeers(k: number, exclude?: string): string[] {
    // The hazard iterates the Set in insertion order: what a HashSet bug looks like.
    const base = this.hazards.peerOrder === 'insertion' ? [...this.peerSet] : this.peerList;
    const pool = exclude === undefined ? base : base.filter((p) => p !== exclude);
    if (pool.length <= k) return pool.slice();
    return this.rng.shuffle(pool).slice(0, k);
  }

  // ---- state -------------------------------------------------------------------------------

  topicConfig(t: Topic): TopicConfig {
    return this.config[t];
  }

  store(t: Topic): TopicStore {
    return this.stores[checkTopic(t)];
  }

  /** Every held entry's metadata of a topic in canonical order (get() for a whole entry). */
  entries(t: Topic): readonly EntryMeta[] {
    return this.store(t).entries();
  }

  /** The held entry, whole (read back from the archive if it is archived). */
  get(t: Topic, h: Hash): GossipEntry | undefined {
    return this.store(t).get(h);
  }

  /**
   * Where archived entries are read back from (a node: its storage). With one, archive() drops an
   * entry's data and signature from memory; nothing gossip decides or sends changes.
   */
  setArchive(load: EntryLoader | undefined): void {
    for (const t of TOPICS) this.stores[t].setLoader(load);
  }

  /** The entry is durable in the archive: keep only its metadata in memory (see setArchive). */
  archive(t: Topic, h: Hash): void {
    this.store(t).archive(h);
  }

  has(t: Topic, h: Hash): boolean {
    return this.store(t).has(h);
  }

  /** Root over the stored entry hashes of every topic (sorted): equal stores, equal roots. */
  root(): Hash {
    return contentHash(DOMAIN.gossipStore, {
      version: GOSSIP_STORE_VERSION,
      topics: TOPICS.map((t) => [
        t,
        this.stores[t]
          .entries()
          .map((e) => e.hash)
          .sort(),
      ]),
    });
  }

  // ---- events ------------------------------------------------------------------------------

  private message(to: string, body: MessageBody): Outbound {
    return { to, message: signMessage(this.kp, to, this.seq++, body) };
  }

  /**
   * Publish `data` on a declared topic as this node. Bumps this node's counter in the topic clock,
   * signs the entry, stores it and announces it. Throws GossipError (undeclared_topic, too_large,
   * rate_limited, evicted) when this node's own limits refuse it; a refused entry still spends its
   * counter (and, refused as evicted, leaves its key in its rate-limit bucket, as any entry does).
   */
  publish(now: number, topic: string, data: unknown): { entry: GossipEntry; step: GossipStep } {
    const p = this.preparePublish(now, topic, data);
    return { entry: p.entry, step: this.commit(p) };
  }

  /**
   * The entry publish(now, topic, data) would make and what this node's store would do with it
   * (TopicStore.plan), changing nothing: for a caller that must know its publication will be
   * taken whole before it commits anything else. Throws GossipError undeclared_topic or too_large
   * (nothing to plan); a store refusal (rate_limited, evicted) is in `plan`.
   */
  preparePublish(now: number, topic: string, data: unknown): PreparedPublish {
    const t = checkTopic(topic);
    const store = this.stores[t];
    const size = dataSize(data);
    if (size > this.config[t].maxDataBytes)
      throw new GossipError(
        'too_large',
        `${t}: data is ${size} bytes > ${this.config[t].maxDataBytes}`,
        { topic: t, size, limit: this.config[t].maxDataBytes },
      );
    const counter = Math.max(vcGet(store.clock, this.self), this.ownCounter.get(t) ?? 0) + 1;
    const entry = makeEntry(this.kp, t, vcSet(store.clock, this.self, counter), now, data);
    return { topic: t, entry, counter, plan: store.plan(entry, 1), generation: this.generation };
  }

  /**
   * Publish what preparePublish prepared, exactly as publish would have then. Throws
   * GOSSIP_STALE_PUBLISH (changing nothing) when gossip took or published anything in between
   * (the entry's clock or the store's decision could differ), and GossipError when the plan is a
   * refusal (as publish does: commit only a plan that inserts, if nothing may change otherwise).
   */
  commitPublish(p: PreparedPublish): GossipStep {
    if (p.generation !== this.generation)
      throw new IcnError(
        'GOSSIP_STALE_PUBLISH',
        `${p.topic}: the store changed since this publication was prepared; prepare it again`,
        { topic: p.topic },
      );
    return this.commit(p);
  }

  private commit(p: PreparedPublish): GossipStep {
    const { topic: t, entry } = p;
    this.ownCounter.set(t, p.counter);
    const r = this.insert(t, entry);
    // A refusal can still have removed entries (see InsertResult): the error carries them, so the
    // runtime can drop them from its storage too (IcnNode.publish does).
    if (r.status === 'rejected')
      throw new GossipError(r.reason, `${t}: own entry refused: ${r.detail}`, {
        topic: t,
        removed: r.removed,
      });
    const step = emptyStep();
    if (r.status === 'inserted') {
      step.delivered.push(entry);
      step.removed.push(...r.removed);
      this.spread(t, [entry], undefined, step);
    }
    return step;
  }

  /** Every store insertion goes through here (prepared publications are judged against `generation`). */
  private insert(t: Topic, e: GossipEntry): InsertResult {
    this.generation++;
    return this.stores[t].insert(e, this.tierOf(e.author));
  }

  /**
   * The author's retention tier (TopicStore): 1 for this node and any author it trusts at all
   * (score > 0 ppm), 0 otherwise. Without a trust oracle every author is tier 1.
   */
  private tierOf(author: string): Tier {
    if (author === this.self || !this.trust) return 1;
    return this.trust.scorePpm(this.selfDid, parseDid(author)) > 0 ? 1 : 0;
  }

  /** Handle one message from the network. Never throws on bad input: rejections are reported. */
  receive(now: number, raw: unknown): GossipStep {
    const step = emptyStep();
    let m: GossipMessage;
    try {
      m = verifyMessage(raw, this.self);
    } catch (e) {
      if (e instanceof GossipError) {
        const from = (raw as { from?: unknown } | null)?.from;
        step.rejected.push({
          reason: e.reason,
          detail: e.message,
          ...(typeof from === 'string' ? { from } : {}),
        });
        return step;
      }
      throw e;
    }
    const b = m.body;
    switch (b.type) {
      case 'announce': {
        let want = b.hashes.filter(
          (h) => !this.stores[b.topic].has(h) && !this.recentlyRequested(now, h),
        );
        if (want.length) want = want.slice(0, this.pendingRoom(now, want.length));
        if (want.length) {
          for (const h of want) this.pending.set(h, now);
          step.send.push(this.message(m.from, { type: 'request', topic: b.topic, hashes: want }));
        }
        break;
      }
      case 'request': {
        const have = b.hashes
          .map((h) => this.stores[b.topic].get(h))
          .filter((e): e is GossipEntry => e !== undefined);
        for (let i = 0; i < have.length; i += this.maxResponseEntries) {
          step.send.push(
            this.message(m.from, {
              type: 'response',
              topic: b.topic,
              entries: have.slice(i, i + this.maxResponseEntries),
            }),
          );
        }
        break;
      }
      case 'response': {
        const accepted: GossipEntry[] = [];
        b.entries.forEach((raw, i) => {
          const e = this.ingest(
            raw,
            b.topic,
            m.from,
            `response from ${m.from} entries[${i}]`,
            step,
            now,
          );
          if (e) accepted.push(e);
        });
        if (accepted.length) {
          if (this.relayMode === 'immediate') this.spread(b.topic, accepted, m.from, step);
          else this.outbox.set(b.topic, [...(this.outbox.get(b.topic) ?? []), ...accepted]);
        }
        break;
      }
      case 'digest':
      case 'pull_request': {
        const pullTopics: Topic[] = [];
        for (const d of b.digests) {
          this.pushMissing(m.from, d, step);
          const mine = this.stores[d.topic];
          if (b.type === 'digest' && (!vcLe(d.clock, mine.clock) || d.count > mine.size))
            pullTopics.push(d.topic);
        }
        if (pullTopics.length)
          step.send.push(
            this.message(m.from, {
              type: 'pull_request',
              digests: pullTopics.map((t) => this.digest(t)),
            }),
          );
        break;
      }
    }
    return step;
  }

  /** One anti-entropy round: a digest of every topic to `digestFanout` random peers. */
  tick(now: number): GossipStep {
    void now; // rounds are driven by the runtime's schedule; the time is not needed here
    const step = emptyStep();
    this.round++;
    // Relays first, in topic order (never the Map's insertion order).
    for (const t of TOPICS) {
      const q = this.outbox.get(t);
      if (!q) continue;
      this.outbox.delete(t);
      const live = q.filter((e) => this.stores[t].has(e.hash));
      if (live.length) this.spread(t, live, undefined, step);
    }
    const targets = this.choosePeers(this.digestFanout);
    if (targets.length === 0) return step;
    const digests = TOPICS.map((t) => this.digest(t));
    for (const to of targets) step.send.push(this.message(to, { type: 'digest', digests }));
    return step;
  }

  // ---- internals ---------------------------------------------------------------------------

  /** Epidemic relay of newly accepted entries to `fanout` peers: small ones pushed, large ones announced. */
  private spread(
    t: Topic,
    entries: GossipEntry[],
    exclude: string | undefined,
    step: GossipStep,
  ): void {
    const push = entries.filter((e) => dataSize(e.data) <= this.pushMaxBytes);
    const announce = entries.filter((e) => dataSize(e.data) > this.pushMaxBytes).map((e) => e.hash);
    for (const to of this.choosePeers(this.fanout, exclude)) {
      for (let i = 0; i < push.length; i += this.maxResponseEntries)
        step.send.push(
          this.message(to, {
            type: 'response',
            topic: t,
            entries: push.slice(i, i + this.maxResponseEntries),
          }),
        );
      if (announce.length)
        step.send.push(this.message(to, { type: 'announce', topic: t, hashes: announce }));
    }
  }

  /** How many more hashes may be requested (forgetting expired requests first if needed). */
  private pendingRoom(now: number, wanted: number): number {
    if (this.pending.size + wanted > this.maxPendingRequests) {
      // An expired request is as good as none (recentlyRequested): forgetting it changes nothing.
      for (const [h, at] of this.pending)
        if (now - at >= this.requestTimeoutMs) this.pending.delete(h);
    }
    return Math.max(0, this.maxPendingRequests - this.pending.size);
  }

  /** Requests remembered now (bounded by maxPendingRequests). */
  get pendingRequests(): number {
    return this.pending.size;
  }

  private recentlyRequested(now: number, h: Hash): boolean {
    const at = this.pending.get(h);
    return at !== undefined && now - at < this.requestTimeoutMs;
  }

  private digest(t: Topic): TopicDigest {
    const s = this.stores[t];
    // The salt changes every round (and differs per node): Bloom false positives do not repeat.
    const salt = (this.rng.nextU32() ^ this.round) >>> 0;
    const bloom = Bloom.forCount(s.size, salt, this.bloomBits, this.bloomK);
    for (const e of s.entries()) bloom.add(e.hash);
    return { topic: t, clock: s.clock, count: s.size, bloom: bloom.toWire() };
  }

  private pushMissing(to: string, d: TopicDigest, step: GossipStep): void {
    const bloom = Bloom.fromWire(d.bloom);
    const missing: GossipEntry[] = [];
    const cap = this.maxResponseEntries * this.maxResponsesPerDigest;
    // Newest first: what the peer lacks is most likely recent.
    const s = this.stores[d.topic];
    const all = s.entries();
    for (let i = all.length - 1; i >= 0 && missing.length < cap; i--) {
      const e = all[i]!;
      if (!bloom.has(e.hash)) missing.push(s.get(e.hash)!);
    }
    missing.reverse();
    for (let i = 0; i < missing.length; i += this.maxResponseEntries) {
      step.send.push(
        this.message(to, {
          type: 'response',
          topic: d.topic,
          entries: missing.slice(i, i + this.maxResponseEntries),
        }),
      );
    }
  }

  /** Verify and store one entry from a peer. Returns it when newly accepted. */
  private ingest(
    raw: unknown,
    topic: Topic,
    from: string,
    where: string,
    step: GossipStep,
    now?: number,
  ): GossipEntry | undefined {
    const claimed = (raw as { hash?: unknown } | null)?.hash;
    // A hash we hold is an entry we already verified: skip the crypto (dedup before work).
    if (typeof claimed === 'string' && this.stores[topic].has(claimed as Hash)) return undefined;
    let e: GossipEntry;
    try {
      e = verifyEntry(raw, where, this.verifiedCache);
      if (e.topic !== topic)
        throw new GossipError(
          'malformed',
          `${where}: entry topic ${e.topic} in a ${topic} response`,
        );
      const size = dataSize(e.data);
      if (size > this.config[topic].maxDataBytes)
        throw new GossipError(
          'too_large',
          `${where}: data is ${size} bytes > ${this.config[topic].maxDataBytes}`,
        );
      if (now !== undefined && e.author !== this.self && e.timestamp > now + this.maxFutureSkewMs) {
        throw new GossipError(
          'future_dated',
          `${where}: dated ${e.timestamp}, more than ${this.maxFutureSkewMs} ms after this node's clock (${now})`,
        );
      }
      const gate = this.config[topic].minAuthorTrustPpm;
      if (gate > 0 && e.author !== this.self) {
        const score = this.trust ? this.trust.scorePpm(this.selfDid, parseDid(e.author)) : 0;
        if (score < gate)
          throw new GossipError(
            'untrusted_author',
            `${where}: trust in author ${e.author} is ${score} ppm < ${gate} ppm required on ${topic}`,
          );
      }
    } catch (err) {
      if (!(err instanceof GossipError)) throw err;
      step.rejected.push({
        reason: err.reason,
        detail: err.message,
        from,
        topic,
        ...(typeof claimed === 'string' ? { hash: claimed as Hash } : {}),
        ...(typeof (raw as { author?: unknown } | null)?.author === 'string'
          ? { author: (raw as { author: string }).author }
          : {}),
      });
      return undefined;
    }
    const r = this.insert(topic, e);
    if (r.status === 'duplicate') return undefined;
    if (r.status === 'rejected') {
      step.rejected.push({
        reason: r.reason,
        detail: `${where}: ${r.detail}`,
        from,
        topic,
        hash: e.hash,
        author: e.author,
      });
      step.removed.push(...r.removed);
      return undefined;
    }
    this.pending.delete(e.hash);
    if (e.author === this.self)
      this.ownCounter.set(
        topic,
        Math.max(this.ownCounter.get(topic) ?? 0, vcGet(e.clock, this.self)),
      );
    step.delivered.push(e);
    step.removed.push(...r.removed);
    return e;
  }

  // ---- persistence -------------------------------------------------------------------------

  /**
   * Re-load entries a node persisted (after a restart). They were verified when first accepted;
   * they are verified again anyway (the disk is not trusted more than the network).
   * Returns the entries accepted, in canonical order.
   */
  restore(entries: readonly unknown[]): GossipStep {
    const step = emptyStep();
    for (const [i, raw] of entries.entries()) {
      const t = (raw as { topic?: unknown } | null)?.topic;
      if (typeof t !== 'string' || !TOPICS.includes(t as Topic)) {
        step.rejected.push({
          reason: 'undeclared_topic',
          detail: `restored entry ${i}: topic ${JSON.stringify(t)}`,
        });
        continue;
      }
      this.ingest(raw, t as Topic, this.self, `restored entry ${i}`, step);
    }
    return step;
  }
}
