import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, canonicalString } from '../canonical/index.js';
import { contentHash, DOMAIN } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import {
  bodyText,
  dataSize,
  entryBody,
  entryHash,
  makeEntry,
  verifyEntry,
  type GossipEntryBody,
} from './entry.js';
import { GossipError } from './errors.js';

const a = Keypair.fromSeed(new Uint8Array(32).fill(3));
const body = (data: unknown): GossipEntryBody => ({
  version: 'icn-gossip-entry/v1',
  topic: 'contracts:deploy',
  author: a.did.toString(),
  clock: [[a.did.toString(), 4]],
  timestamp: 1234,
  data,
});
// Canonical JSON values: no floats, no lone surrogates (i64 and bytes travel as strings).
const data = fc.jsonValue().filter((v) => {
  try {
    canonicalString(v);
    return true;
  } catch {
    return false;
  }
});

describe('entry ingress encodes the data once', () => {
  it('bodyText around the data text is the canonical text of the body; dataSize its UTF-8 length', () => {
    fc.assert(
      fc.property(data, fc.string(), (d, s) => {
        const b = body({ d, s, '\u00e9\ud83d\ude00': [s] });
        expect(bodyText(b, canonicalString(b.data))).toBe(canonicalString(entryBody(b)));
        expect(dataSize(b.data)).toBe(canonicalize(b.data).length);
        expect(dataSize(s)).toBe(canonicalize(s).length);
      }),
      { numRuns: 200, seed: 19 },
    );
  });

  it('a verified entry has the hash entryHash derives, and its data the size canonicalize measures', () => {
    fc.assert(
      fc.property(data, (d) => {
        const e = makeEntry(a, 'contracts:deploy', [[a.did.toString(), 1]], 5, { d });
        const wire = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
        const v = verifyEntry(wire);
        expect(v.hash).toBe(entryHash(e));
        expect(dataSize(v.data)).toBe(canonicalize(e.data).length);
      }),
      { numRuns: 60, seed: 19 },
    );
  });

  it('data that does not encode is refused with the body-level message, as before', () => {
    const e = makeEntry(a, 'contracts:deploy', [[a.did.toString(), 1]], 5, { x: '1' });
    const bad = { ...e, data: { x: 1.5 } };
    let why = '';
    try {
      contentHash(DOMAIN.gossipEntry, entryBody(bad));
    } catch (err) {
      why = (err as Error).message;
    }
    expect(why).not.toBe('');
    expect(() => verifyEntry(bad, 'w')).toThrow(GossipError);
    expect(() => verifyEntry(bad, 'w')).toThrow(`w: data is not canonical JSON: ${why}`);
  });
});
