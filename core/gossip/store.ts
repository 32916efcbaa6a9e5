/**
 * The entries of one topic, with dedup, the per-author rate limit and retention. Both limits are
 * canonical: what a node keeps is a function of the set of entries it has seen, never of their
 * arrival order, so two nodes that have seen the same entries hold the same store.
 *
 *  - Rate limit: for each (author, window of the author's timestamps) the `perAuthorPerWindow`
 *    smallest entries by (timestamp, hash) are admissible. The bucket remembers those keys even
 *    after retention drops an entry, so a later arrival is judged against the same set.
 *  - Retention: at most `maxEntries`; the smallest by (timestamp, hash) is evicted, and anything
 *    not above the largest evicted key (the floor) is refused as `evicted`.
 *
 *  - Trust tiers: every entry is held with its author's tier (0: untrusted, 1: trusted, as the
 *    engine judged it on admission). Retention orders by (tier, timestamp, hash): a full topic
 *    evicts the lowest tier first, so admitting an entry never evicts one from a more-trusted
 *    author, and the floor is a key in that order. Nodes with the same trust in the same authors
 *    keep the same entries. A tier is fixed when the entry is admitted (it is not re-ranked if
 *    trust in its author changes later).
 *
 * One known gap, documented rather than hidden: when an admissible entry displaces a kept entry of
 * the same bucket while the topic is full, the store holds one entry fewer than the bound until
 * new entries arrive; an entry evicted earlier is not brought back (the floor only rises).
 */
import { IcnError } from '../errors.js';
import type { Hash } from '../hash/index.js';
import { compareEntries, type GossipEntry } from './entry.js';
import type { RejectReason } from './errors.js';
import type { Topic, TopicConfig } from './topics.js';
import { vcMerge, type VClock } from './vclock.js';

/**
 * What the store itself needs of an entry (admission, retention, clock, digests): everything but
 * its data and signature. An archived entry is held as just this (see TopicStore.archive).
 */
export type EntryMeta = Pick<
  GossipEntry,
  'version' | 'topic' | 'author' | 'clock' | 'timestamp' | 'hash'
>;

/** Reads an archived entry back whole (a node: from its storage, which keeps every accepted entry). */
export type EntryLoader = (topic: Topic, h: Hash) => GossipEntry | undefined;

function isWhole(e: EntryMeta): e is GossipEntry {
  return 'signature' in e;
}

interface Key {
  timestamp: number;
  hash: Hash;
}

/** 0: an author this node does not trust; 1: one it trusts (or itself). */
export type Tier = 0 | 1;

/** A retention key: tier first, then canonical order. */
interface RKey extends Key {
  tier: Tier;
}

function compareRetention(a: RKey, b: RKey): number {
  if (a.tier !== b.tier) return a.tier - b.tier;
  return compareEntries(a, b);
}

function lowerBoundR(a: readonly RKey[], k: RKey): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareRetention(a[mid]!, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type InsertResult =
  | { status: 'inserted'; removed: EntryMeta[] }
  | { status: 'duplicate' }
  /**
   * `removed`: entries that left the store although this one was refused (its key joined a full
   * rate-limit bucket and displaced a larger key of the same author, then retention refused it).
   */
  | { status: 'rejected'; reason: RejectReason; detail: string; removed: EntryMeta[] };

/**
 * The entry's key joins its (author, window) bucket at `at`; when the bucket is full its largest
 * key is displaced (and that key's entry, if still held, leaves the store).
 */
export interface BucketJoin {
  id: string;
  at: number;
  displaced: { key: Key; entry: EntryMeta | undefined } | undefined;
}

/** What insert() would do (TopicStore.plan): its result, plus the bookkeeping insert() applies. */
export type InsertPlan =
  | { status: 'duplicate' }
  /** `removed`: what taking the entry drops (a displaced key's entry, then the oldest for retention). */
  | { status: 'inserted'; removed: EntryMeta[]; join?: BucketJoin }
  /** `floor`: the new retention floor (refused as evicted from a full topic). */
  | { status: 'rejected'; reason: RejectReason; detail: string; join?: BucketJoin; floor?: RKey };

/** Binary search: index of the first element not less than `k`. */
function lowerBound<T extends Key>(a: readonly T[], k: Key): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(a[mid]!, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class TopicStore {
  /** Held entries: whole, or (archived) without data and signature. */
  private readonly byHash = new Map<Hash, EntryMeta>();
  /** Entries in canonical order (timestamp, hash), ascending. */
  private readonly ordered: EntryMeta[] = [];
  /** (author, window) → the admissible keys seen so far, ascending, at most perAuthorPerWindow. */
  private readonly buckets = new Map<string, Key[]>();
  /** Retention keys of the held entries, ascending (the first is evicted next). */
  private readonly retention: RKey[] = [];
  private readonly tiers = new Map<Hash, Tier>();
  private floor: RKey | undefined;
  private clockValue: VClock = [];
  private loader: EntryLoader | undefined;

  constructor(readonly config: TopicConfig) {}

  /**
   * Where archived entries are read back from. Without one, archive() keeps entries whole.
   * (issue 14: a node's storage keeps every accepted entry, so the store need not hold a copy.)
   */
  setLoader(load: EntryLoader | undefined): void {
    this.loader = load;
  }

  /**
   * The entry is durable elsewhere (the loader reads it back): hold only its metadata from now on.
   * Nothing the store decides changes: admission, retention, clock and digests read only metadata.
   */
  archive(h: Hash): void {
    const e = this.byHash.get(h);
    if (!this.loader || !e || !isWhole(e)) return;
    const meta: EntryMeta = {
      version: e.version,
      topic: e.topic,
      author: e.author,
      clock: e.clock,
      timestamp: e.timestamp,
      hash: e.hash,
    };
    this.byHash.set(h, meta);
    this.ordered[lowerBound(this.ordered, e)] = meta;
  }

  get size(): number {
    return this.ordered.length;
  }
  /**
   * Merge of the clocks of the entries held now: a function of the kept set (recomputed when an
   * entry leaves), so digests do not depend on arrival order. (It used to merge every entry ever
   * accepted, which nasties/iteration_order::gossip_clock caught depending on arrival order.)
   */
  get clock(): VClock {
    return this.clockValue;
  }
  has(h: Hash): boolean {
    return this.byHash.has(h);
  }
  /** The held entry, whole (read back through the loader when archived). */
  get(h: Hash): GossipEntry | undefined {
    const e = this.byHash.get(h);
    if (!e || isWhole(e)) return e;
    const whole = this.loader?.(e.topic, h);
    if (!whole || whole.hash !== h)
      throw new IcnError(
        'GOSSIP_ARCHIVE_MISSING',
        `${e.topic}: entry ${h} is held as archived but its storage does not return it`,
        { topic: e.topic, hash: h },
      );
    return whole;
  }
  /** Every held entry's metadata in canonical order (get() for the whole entry). */
  entries(): readonly EntryMeta[] {
    return this.ordered;
  }
  /** The evicted-key floor (for snapshots and tests). */
  get evictionFloor(): RKey | undefined {
    return this.floor;
  }

  /**
   * What insert(e) would do, without doing it: the same decision, computed on the current state.
   * insert() applies exactly this plan, so a caller that must not publish unless the store takes
   * the entry whole (core/node: an execution record) can ask first.
   */
  plan(e: GossipEntry, tier: Tier = 1): InsertPlan {
    if (this.byHash.has(e.hash)) return { status: 'duplicate' };
    let join: BucketJoin | undefined;
    const lim = this.config.perAuthorPerWindow;
    if (lim > 0) {
      const window = Math.floor(e.timestamp / this.config.windowMs);
      const id = `${e.author} ${window}`;
      const b = this.buckets.get(id) ?? [];
      const at = lowerBound(b, e);
      const known = at < b.length && b[at]!.hash === e.hash;
      if (!known) {
        if (b.length >= lim && at >= b.length) {
          return {
            status: 'rejected',
            reason: 'rate_limited',
            detail: `${e.author} already has ${lim} smaller entries in window ${window} (${this.config.windowMs} ms)`,
          };
        }
        // The key joins its bucket even if retention then refuses the entry (the bucket remembers
        // every admissible key it has seen); a full bucket gives up its largest key.
        const displaced = b.length >= lim ? b[b.length - 1]! : undefined;
        join = {
          id,
          at,
          displaced: displaced
            ? { key: displaced, entry: this.byHash.get(displaced.hash) }
            : undefined,
        };
      }
    }
    const gone = join?.displaced?.entry;
    const key: RKey = { tier, timestamp: e.timestamp, hash: e.hash };
    if (this.floor && compareRetention(key, this.floor) <= 0) {
      return {
        status: 'rejected',
        reason: 'evicted',
        detail: `below the retention floor (tier ${this.floor.tier}, ${this.floor.timestamp}, ${this.floor.hash})`,
        ...(join ? { join } : {}),
      };
    }
    const size = this.ordered.length - (gone ? 1 : 0);
    const first = this.retention[0];
    const oldest = first && gone && first.hash === gone.hash ? this.retention[1] : first;
    if (size >= this.config.maxEntries && compareRetention(key, oldest!) < 0) {
      const why =
        tier < oldest!.tier
          ? 'every entry kept is by a more-trusted author'
          : 'older than everything kept of its trust tier';
      return {
        status: 'rejected',
        reason: 'evicted',
        detail: `topic full (${this.config.maxEntries}) and ${why}`,
        floor: key,
        ...(join ? { join } : {}),
      };
    }
    // The store holds at most maxEntries, so taking e drops at most one entry for retention: the
    // first in retention order (e is not below it, or it would have been refused above).
    const retention = size >= this.config.maxEntries ? this.byHash.get(oldest!.hash) : undefined;
    return {
      status: 'inserted',
      removed: [...(gone ? [gone] : []), ...(retention ? [retention] : [])],
      ...(join ? { join } : {}),
    };
  }

  /** Insert a verified entry (signature, hash, size and trust already checked by the engine). */
  insert(e: GossipEntry, tier: Tier = 1): InsertResult {
    const p = this.plan(e, tier);
    if (p.status === 'duplicate') return p;
    const removed: EntryMeta[] = [];
    if (p.join) {
      let b = this.buckets.get(p.join.id);
      if (!b) this.buckets.set(p.join.id, (b = []));
      b.splice(p.join.at, 0, { timestamp: e.timestamp, hash: e.hash });
      if (p.join.displaced) {
        b.pop();
        const gone = this.remove(p.join.displaced.key.hash);
        if (gone) removed.push(gone);
      }
    }
    if (p.status === 'rejected') {
      if (p.floor) this.floor = p.floor;
      if (removed.length) this.recomputeClock();
      return { status: 'rejected', reason: p.reason, detail: p.detail, removed };
    }
    this.byHash.set(e.hash, e);
    this.ordered.splice(lowerBound(this.ordered, e), 0, e);
    const key: RKey = { tier, timestamp: e.timestamp, hash: e.hash };
    this.retention.splice(lowerBoundR(this.retention, key), 0, key);
    this.tiers.set(e.hash, tier);
    this.clockValue = vcMerge(this.clockValue, e.clock);
    while (this.ordered.length > this.config.maxEntries) {
      const k = this.retention[0]!;
      const out = this.remove(k.hash)!;
      this.floor = k;
      removed.push(out);
    }
    if (removed.length) this.recomputeClock();
    return { status: 'inserted', removed };
  }

  private recomputeClock(): void {
    let c: VClock = [];
    for (const e of this.ordered) c = vcMerge(c, e.clock);
    this.clockValue = c;
  }

  private remove(h: Hash): EntryMeta | undefined {
    const e = this.byHash.get(h);
    if (!e) return undefined;
    this.byHash.delete(h);
    this.ordered.splice(lowerBound(this.ordered, e), 1);
    const tier = this.tiers.get(h)!;
    this.tiers.delete(h);
    this.retention.splice(
      lowerBoundR(this.retention, { tier, timestamp: e.timestamp, hash: h }),
      1,
    );
    return e;
  }
}
