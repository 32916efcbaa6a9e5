/**
 * Gossip entries. An entry is what an author publishes on a topic; it is addressed by
 *
 *   hash = contentHash("icn/gossip/entry/v1", body)      body = {version, topic, author, clock, timestamp, data}
 *
 * and signed by its author over the same canonical body (Keypair.sign, same domain). Receivers
 * re-derive the hash and verify the signature before anything else: a relay can neither alter an
 * entry nor attribute one to someone else. (ICN hashes `data` alone and trusts the sender's hash.)
 */
import { canonicalString } from '../canonical/index.js';
import { bytesHash, contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import { GossipError } from './errors.js';
import { parseDid } from './message.js';
import { checkTopic, type Topic } from './topics.js';
import { checkVClock, vcGet, type VClock } from './vclock.js';

export const GOSSIP_ENTRY_VERSION = 'icn-gossip-entry/v1';

const utf8 = new TextEncoder();

export interface GossipEntryBody {
  version: typeof GOSSIP_ENTRY_VERSION;
  topic: Topic;
  /** Canonical did:icn spelling of the author. */
  author: string;
  /** The author's vector clock for this topic after publishing (author's own counter ≥ 1). */
  clock: VClock;
  /** The author's clock at publication, integer ms (ordered, never compared with a local clock). */
  timestamp: number;
  /** Any canonical JSON value (i64 and bytes as strings). */
  data: unknown;
}

export interface GossipEntry extends GossipEntryBody {
  hash: Hash;
  /** Author's Ed25519 signature over the body, 128 lowercase hex. */
  signature: string;
}

export function entryBody(e: GossipEntryBody): GossipEntryBody {
  return {
    version: e.version,
    topic: e.topic,
    author: e.author,
    clock: e.clock,
    timestamp: e.timestamp,
    data: e.data,
  };
}

export function entryHash(e: GossipEntryBody): Hash {
  return contentHash(DOMAIN.gossipEntry, entryBody(e));
}

/**
 * The canonical text of a body (RFC 8785: members sorted by key, here author < clock < data <
 * timestamp < topic < version) around its data's canonical text, so that ingress encodes the data
 * once for both the hash and the size limit. entry.test.ts checks it against canonicalString of
 * entryBody.
 */
export function bodyText(e: GossipEntryBody, dataText: string): string {
  return (
    '{"author":' +
    canonicalString(e.author) +
    ',"clock":' +
    canonicalString(e.clock) +
    ',"data":' +
    dataText +
    ',"timestamp":' +
    canonicalString(e.timestamp) +
    ',"topic":' +
    canonicalString(e.topic) +
    ',"version":' +
    canonicalString(e.version) +
    '}'
  );
}

/** UTF-8 length of a canonical text (it never holds a lone surrogate, so this is exact). */
const textBytes = (text: string): number => Buffer.byteLength(text, 'utf8');

// Sizes of data objects already measured (an entry's data is never mutated once signed): the
// size is asked for at publication, at relay (push or announce) and at ingress. Never iterated.
const sizes = new WeakMap<object, number>();

/** Canonical bytes of an entry's data (size limits count these). */
export function dataSize(data: unknown): number {
  if (typeof data !== 'object' || data === null) return textBytes(canonicalString(data));
  let n = sizes.get(data);
  if (n === undefined) sizes.set(data, (n = textBytes(canonicalString(data))));
  return n;
}

/**
 * The hash of a checked body, re-derived at ingress; the data's size is measured on the way (the
 * size limit asks for it next). A body that does not encode fails as entryHash reports it.
 */
function derivedHash(body: GossipEntryBody, where: string): Hash {
  try {
    const dataText = canonicalString(body.data);
    const h = bytesHash(DOMAIN.gossipEntry, utf8.encode(bodyText(body, dataText)));
    if (typeof body.data === 'object' && body.data !== null)
      sizes.set(body.data, textBytes(dataText));
    return h;
  } catch {
    // the error as the whole body's encoding names it (its path starts at the body)
  }
  try {
    return entryHash(body);
  } catch (err) {
    throw new GossipError(
      'malformed',
      `${where}: data is not canonical JSON: ${(err as Error).message}`,
    );
  }
}

export function makeEntry(
  kp: Keypair,
  topic: Topic,
  clock: VClock,
  timestamp: number,
  data: unknown,
): GossipEntry {
  const body: GossipEntryBody = {
    version: GOSSIP_ENTRY_VERSION,
    topic,
    author: kp.did.toString(),
    clock,
    timestamp,
    data,
  };
  checkEntryBody(body, 'new entry');
  return { ...body, hash: entryHash(body), signature: kp.sign(DOMAIN.gossipEntry, body) };
}

/** Shape checks (no crypto). Throws GossipError('malformed' | 'undeclared_topic'). */
export function checkEntryBody(e: unknown, where: string): GossipEntryBody {
  if (e === null || typeof e !== 'object' || Array.isArray(e))
    throw new GossipError('malformed', `${where}: an entry is an object`);
  const o = e as Record<string, unknown>;
  if (o.version !== GOSSIP_ENTRY_VERSION)
    throw new GossipError(
      'malformed',
      `${where}: version must be ${JSON.stringify(GOSSIP_ENTRY_VERSION)}`,
    );
  const topic = checkTopic(o.topic);
  if (typeof o.author !== 'string')
    throw new GossipError('malformed', `${where}: author must be a did:icn string`);
  let author: Did;
  try {
    author = parseDid(o.author);
  } catch (err) {
    throw new GossipError('malformed', `${where}: author: ${(err as Error).message}`);
  }
  if (author.toString() !== o.author)
    throw new GossipError('malformed', `${where}: author must use the canonical DID spelling`);
  const clock = checkVClock(o.clock, `${where}: clock`);
  if (vcGet(clock, o.author) < 1)
    throw new GossipError('malformed', `${where}: the clock must carry the author's own counter`);
  if (!Number.isSafeInteger(o.timestamp) || (o.timestamp as number) < 0)
    throw new GossipError('malformed', `${where}: timestamp must be a non-negative integer (ms)`);
  if (!('data' in o)) throw new GossipError('malformed', `${where}: data is missing`);
  return {
    version: GOSSIP_ENTRY_VERSION,
    topic,
    author: o.author,
    clock,
    timestamp: o.timestamp as number,
    data: o.data,
  };
}

/**
 * Full ingress check of an entry from the wire: shape, the hash re-derived from the body, the
 * author's signature. Returns the entry with exactly the known fields.
 */
/**
 * Results of signature checks already made, keyed by what was checked. Verification is a pure
 * function of (key, message, signature), so a hit is as good as a check. A simulator shares one
 * cache between its nodes (one process verifying the same entry once instead of once per node);
 * a real node keeps its own or none.
 */
export interface VerifiedCache {
  has(key: string): boolean;
  add(key: string): void;
}

/** A bounded VerifiedCache (cleared when full: bounded memory, never a wrong answer). */
export class BoundedVerifiedCache implements VerifiedCache {
  private readonly s = new Set<string>();
  constructor(private readonly max = 100_000) {}
  has(key: string): boolean {
    return this.s.has(key);
  }
  add(key: string): void {
    if (this.s.size >= this.max) this.s.clear();
    this.s.add(key);
  }
}

export function verifyEntry(e: unknown, where = 'entry', cache?: VerifiedCache): GossipEntry {
  const body = checkEntryBody(e, where);
  const o = e as Record<string, unknown>;
  const extra = Object.keys(o).filter(
    (k) =>
      !['version', 'topic', 'author', 'clock', 'timestamp', 'data', 'hash', 'signature'].includes(
        k,
      ),
  );
  if (extra.length)
    throw new GossipError(
      'malformed',
      `${where}: unknown field ${JSON.stringify(extra.sort()[0])}`,
    );
  if (!isHash(o.hash)) throw new GossipError('malformed', `${where}: hash must be sha256:<64 hex>`);
  const h = derivedHash(body, where);
  if (h !== o.hash)
    throw new GossipError(
      'hash_mismatch',
      `${where}: claims ${o.hash} but its body hashes to ${h}`,
      { claimed: o.hash, derived: h },
    );
  if (typeof o.signature !== 'string')
    throw new GossipError('bad_entry_signature', `${where} ${h}: no author signature`, { hash: h });
  // The hash binds the body (author included); with the signature it names exactly what is checked.
  const key = `${h}|${o.signature}`;
  if (!cache?.has(key)) {
    if (!verifySignature(parseDid(body.author), DOMAIN.gossipEntry, body, o.signature)) {
      throw new GossipError(
        'bad_entry_signature',
        `${where} ${h}: the author's signature does not verify`,
        { hash: h, author: body.author },
      );
    }
    cache?.add(key);
  }
  return { ...body, hash: h, signature: o.signature };
}

/** Canonical order of entries: timestamp, then hash (byte order). Eviction drops the smallest. */
export function compareEntries(
  a: { timestamp: number; hash: Hash },
  b: { timestamp: number; hash: Hash },
): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0;
}
