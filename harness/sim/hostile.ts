/**
 * A hostile gossip peer for scenarios: a key that is not one of the simulated nodes (so nobody
 * trusts it) that signs attestations dated where it likes and sends them straight to nodes, as a
 * peer that connected to them would. Keys are derived from the scenario name and a label, so a
 * run is reproducible from its seed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  makeEntry,
  signMessage,
  type GossipEntry,
  type GossipMessage,
} from '../../core/gossip/index.js';
import { Did, Keypair } from '../../core/identity/index.js';
import { signAttestation } from '../../core/trust/index.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

export function hostileKey(label: string): Keypair {
  return Keypair.fromSeed(sha256(utf8(`icn-scenario/hostile/${label}`)));
}

/**
 * `count` attestations by a fresh key (`label`), each about another fresh DID, dated `timestamp`
 * (the entry and the attestation), as gossip entries on trust:attestations.
 */
export function attestationFlood(label: string, count: number, timestamp: number): GossipEntry[] {
  const author = hostileKey(label);
  const out: GossipEntry[] = [];
  for (let c = 0; c < count; c++) {
    const about = Did.parse(hostileKey(`${label}/about/${c}`).did.toString());
    const att = signAttestation(author, about, 1_000_000, timestamp);
    out.push(
      makeEntry(author, 'trust:attestations', [[author.did.toString(), c + 1]], timestamp, att),
    );
  }
  return out;
}

/** The flood as one response message from the relay `relayLabel` to `to`. */
export function floodMessage(
  relayLabel: string,
  to: string,
  seq: number,
  entries: GossipEntry[],
): GossipMessage {
  return signMessage(hostileKey(relayLabel), to, seq, {
    type: 'response',
    topic: 'trust:attestations',
    entries,
  });
}
