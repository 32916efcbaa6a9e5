/**
 * Gossip messages. Every message is signed by its sender over
 * `icn/gossip/message/v2 ‖ 0x00 ‖ canonical({version, from, to, seq, body'})` and verified on
 * ingress before its body is looked at. body' is the body with each entry of a response reduced
 * to `[hash, signature]` (v2; v1 signed whole entries): an entry authenticates itself (its hash is
 * re-derived, its author's signature checked), so the sender need only bind which entries it
 * sent, and signing no longer costs the size of the entries it carries. `to` binds a message to its recipient (a message for B
 * replayed to C is `misaddressed`); `seq` is the sender's message counter (traces, dedup by hash).
 *
 * Bodies (ICN's Announce / Request / Response / Digest / PullRequest / PullResponse):
 *  - announce     {topic, hashes}          "I have these": the receiver requests unknown ones
 *  - request      {topic, hashes}          "send me these"
 *  - response     {topic, entries}         entries (also the answer to digests: ICN's PullResponse)
 *  - digest       {digests:[{topic, clock, count, bloom}]}  anti-entropy: the receiver pushes what
 *                 the bloom lacks and, if the sender seems to have more, answers with pull_request
 *  - pull_request {digests}                like digest, but never answered by another pull_request
 */
import { contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import { Bloom, type BloomWire } from './bloom.js';
import type { GossipEntry } from './entry.js';
import { GossipError } from './errors.js';
import { checkTopic, type Topic } from './topics.js';
import { checkVClock, type VClock } from './vclock.js';

export const GOSSIP_MESSAGE_VERSION = 'icn-gossip-msg/v2';

/** Limits on one message (a peer cannot make us do unbounded work per message). */
export const MAX_HASHES_PER_MESSAGE = 1024;
export const MAX_ENTRIES_PER_MESSAGE = 256;

export interface TopicDigest {
  topic: Topic;
  clock: VClock;
  count: number;
  bloom: BloomWire;
}

export type MessageBody =
  | { type: 'announce'; topic: Topic; hashes: Hash[] }
  | { type: 'request'; topic: Topic; hashes: Hash[] }
  | { type: 'response'; topic: Topic; entries: GossipEntry[] }
  | { type: 'digest'; digests: TopicDigest[] }
  | { type: 'pull_request'; digests: TopicDigest[] };

export interface GossipMessage {
  version: typeof GOSSIP_MESSAGE_VERSION;
  from: string;
  to: string;
  seq: number;
  body: MessageBody;
  signature: string;
}

export type UnsignedMessage = Omit<GossipMessage, 'signature'>;

/** Entries of a response as `[hash, signature]`; anything else as it is (a malformed body then fails the signature or the shape check). */
function sealedBody(body: unknown): unknown {
  if (body === null || typeof body !== 'object') return body;
  const b = body as Record<string, unknown>;
  if (b.type !== 'response' || !Array.isArray(b.entries)) return body;
  const entries = b.entries.map((e: unknown) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return e;
    const o = e as Record<string, unknown>;
    return [o.hash, o.signature];
  });
  return { ...b, entries };
}

/** What the sender signs (see the header). */
function signed(m: UnsignedMessage): unknown {
  return { version: m.version, from: m.from, to: m.to, seq: m.seq, body: sealedBody(m.body) };
}

export function signMessage(
  kp: Keypair,
  to: string,
  seq: number,
  body: MessageBody,
): GossipMessage {
  const m: UnsignedMessage = {
    version: GOSSIP_MESSAGE_VERSION,
    from: kp.did.toString(),
    to,
    seq,
    body,
  };
  return { ...m, signature: kp.sign(DOMAIN.gossipMessage, signed(m)) };
}

/** Content address of a message (traces). */
export function messageHash(m: GossipMessage): Hash {
  return contentHash(DOMAIN.gossipMessage, m);
}

/**
 * Did.parse decompresses the Ed25519 point (a field square root): worth memoizing, since the same
 * few peers send every message. Pure, so sharing the cache between nodes changes no outcome.
 */
const didCache = new Map<string, Did>();
export function parseDid(s: string): Did {
  let d = didCache.get(s);
  if (!d) {
    d = Did.parse(s);
    if (didCache.size >= 8192) didCache.clear();
    didCache.set(s, d);
  }
  return d;
}

function onlyKeys(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k))
      throw new GossipError('malformed', `${where}: unknown field ${JSON.stringify(k)}`);
}

function checkHashes(v: unknown, where: string): Hash[] {
  if (!Array.isArray(v)) throw new GossipError('malformed', `${where}: hashes must be an array`);
  if (v.length > MAX_HASHES_PER_MESSAGE)
    throw new GossipError(
      'oversized_message',
      `${where}: ${v.length} hashes > ${MAX_HASHES_PER_MESSAGE}`,
    );
  for (const h of v)
    if (!isHash(h))
      throw new GossipError(
        'malformed',
        `${where}: ${JSON.stringify(h).slice(0, 80)} is not a sha256:<hex> hash`,
      );
  return v as Hash[];
}

function checkDigests(v: unknown, where: string): TopicDigest[] {
  if (!Array.isArray(v) || v.length === 0)
    throw new GossipError('malformed', `${where}: digests must be a non-empty array`);
  let prev = '';
  return v.map((d, i) => {
    const w = `${where}.digests[${i}]`;
    if (d === null || typeof d !== 'object' || Array.isArray(d))
      throw new GossipError('malformed', `${w}: not an object`);
    const o = d as Record<string, unknown>;
    onlyKeys(o, ['topic', 'clock', 'count', 'bloom'], w);
    const topic = checkTopic(o.topic);
    if (topic <= prev)
      throw new GossipError('malformed', `${where}: digests must be sorted by topic and unique`);
    prev = topic;
    if (!Number.isSafeInteger(o.count) || (o.count as number) < 0)
      throw new GossipError('malformed', `${w}: count must be a non-negative integer`);
    Bloom.fromWire(o.bloom);
    return {
      topic,
      clock: checkVClock(o.clock, `${w}.clock`),
      count: o.count as number,
      bloom: o.bloom as BloomWire,
    };
  });
}

/** Shape of a body (entries inside a response are verified one by one by the engine). */
export function checkBody(b: unknown): MessageBody {
  if (b === null || typeof b !== 'object' || Array.isArray(b))
    throw new GossipError('malformed', 'message body: not an object');
  const o = b as Record<string, unknown>;
  switch (o.type) {
    case 'announce':
    case 'request':
      onlyKeys(o, ['type', 'topic', 'hashes'], `${o.type}`);
      return { type: o.type, topic: checkTopic(o.topic), hashes: checkHashes(o.hashes, o.type) };
    case 'response':
      onlyKeys(o, ['type', 'topic', 'entries'], 'response');
      if (!Array.isArray(o.entries))
        throw new GossipError('malformed', 'response: entries must be an array');
      if (o.entries.length > MAX_ENTRIES_PER_MESSAGE)
        throw new GossipError(
          'oversized_message',
          `response: ${o.entries.length} entries > ${MAX_ENTRIES_PER_MESSAGE}`,
        );
      return { type: 'response', topic: checkTopic(o.topic), entries: o.entries as GossipEntry[] };
    case 'digest':
    case 'pull_request':
      onlyKeys(o, ['type', 'digests'], `${o.type}`);
      return { type: o.type, digests: checkDigests(o.digests, o.type) };
    default:
      throw new GossipError(
        'malformed',
        `message body: unknown type ${JSON.stringify(o.type).slice(0, 40)}`,
      );
  }
}

/**
 * Ingress check of a message: envelope shape, recipient, the sender's signature, then the body's
 * shape. Throws GossipError with the reason (unsigned, bad_signature, misaddressed, malformed,
 * undeclared_topic, oversized_message).
 */
export function verifyMessage(m: unknown, self: string): GossipMessage {
  if (m === null || typeof m !== 'object' || Array.isArray(m))
    throw new GossipError('malformed', 'message: not an object');
  const o = m as Record<string, unknown>;
  onlyKeys(o, ['version', 'from', 'to', 'seq', 'body', 'signature'], 'message');
  if (o.version !== GOSSIP_MESSAGE_VERSION)
    throw new GossipError(
      'malformed',
      `message: version must be ${JSON.stringify(GOSSIP_MESSAGE_VERSION)}`,
    );
  if (typeof o.from !== 'string' || typeof o.to !== 'string')
    throw new GossipError('malformed', 'message: from and to must be DID strings');
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0)
    throw new GossipError('malformed', 'message: seq must be a non-negative integer');
  let from: Did;
  try {
    from = parseDid(o.from);
  } catch (e) {
    throw new GossipError('malformed', `message: from: ${(e as Error).message}`);
  }
  if (o.signature === undefined)
    throw new GossipError('unsigned', `message from ${o.from}: no signature`, { from: o.from });
  let ok = false;
  try {
    ok =
      typeof o.signature === 'string' &&
      verifySignature(
        from,
        DOMAIN.gossipMessage,
        signed(o as unknown as UnsignedMessage),
        o.signature,
      );
  } catch {
    ok = false; // a body that is not canonical JSON cannot carry a valid signature
  }
  if (!ok)
    throw new GossipError(
      'bad_signature',
      `message from ${o.from}: the sender's signature does not verify`,
      { from: o.from },
    );
  if (o.to !== self)
    throw new GossipError(
      'misaddressed',
      `message from ${o.from} is for ${o.to}, not for this node`,
      { from: o.from, to: o.to },
    );
  return {
    version: GOSSIP_MESSAGE_VERSION,
    from: o.from,
    to: o.to,
    seq: o.seq as number,
    body: checkBody(o.body),
    signature: o.signature as string,
  };
}
