/**
 * The journal Merkle tree: a crit-bit (PATRICIA) Merkle trie over 32-byte entry ids.
 *
 * Why this shape: the root must depend only on the *set* of entries (never on arrival order), and
 * appending must not cost O(n). A crit-bit trie is canonical for a set: each inner node splits on
 * the first bit where its two subtrees' keys differ, so the same keys always build the same tree,
 * and its leaves read left to right are the ids in sorted byte order (a Merkle tree over sorted
 * entry hashes). Ids are SHA-256 digests, so depth stays ≈ log2(n) and an insert rehashes only
 * the path from the new leaf to the root.
 *
 *   leaf(key)          = SHA-256("icn/ledger/merkle-leaf/v1" ‖ 0x00 ‖ key[32])
 *   node(bit, l, r)    = SHA-256("icn/ledger/merkle-node/v1" ‖ 0x00 ‖ u16be(bit) ‖ l[32] ‖ r[32])
 *   empty root         = SHA-256("icn/ledger/merkle-node/v1" ‖ 0x00)
 *
 * Bits are numbered from the most significant bit of key[0] (bit 0) to the least significant bit
 * of key[31] (bit 255); a key with bit b = 0 goes left. The bit index is hashed so a proof cannot
 * move a leaf to another position. These are exactly domainDigest(DOMAIN.ledgerLeaf/Node, …).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { IcnError } from '../errors.js';
import { DOMAIN, hashBytes, toHex, type Hash } from '../hash/index.js';

const utf8 = new TextEncoder();
const LEAF_PREFIX = Uint8Array.from([...utf8.encode(DOMAIN.ledgerLeaf), 0]);
const NODE_PREFIX = Uint8Array.from([...utf8.encode(DOMAIN.ledgerNode), 0]);

export function leafDigest(key: Uint8Array): Uint8Array {
  const buf = new Uint8Array(LEAF_PREFIX.length + 32);
  buf.set(LEAF_PREFIX, 0);
  buf.set(key, LEAF_PREFIX.length);
  return sha256(buf);
}

export function nodeDigest(bit: number, left: Uint8Array, right: Uint8Array): Uint8Array {
  const p = NODE_PREFIX.length;
  const buf = new Uint8Array(p + 2 + 64);
  buf.set(NODE_PREFIX, 0);
  buf[p] = bit >> 8;
  buf[p + 1] = bit & 0xff;
  buf.set(left, p + 2);
  buf.set(right, p + 34);
  return sha256(buf);
}

export const EMPTY_ROOT: Hash = `sha256:${toHex(sha256(NODE_PREFIX))}`;

function bitOf(key: Uint8Array, i: number): number {
  return (key[i >> 3]! >> (7 - (i & 7))) & 1;
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return -1;
}

interface Leaf {
  leaf: true;
  key: Uint8Array;
  hash: Uint8Array;
}
interface Inner {
  leaf: false;
  bit: number;
  left: Node;
  right: Node;
  hash: Uint8Array;
}
type Node = Leaf | Inner;

/** One step of an inclusion proof, from the leaf upward: the split bit and the sibling digest. */
export interface ProofStep {
  bit: number;
  sibling: string; // 64 lowercase hex
}

export interface InclusionProof {
  version: 'icn-ledger-proof/v1';
  /** The entry id proven (sha256:<hex>). */
  id: Hash;
  /** Steps from the leaf up to the root. */
  steps: ProofStep[];
}

export class MerkleTrie {
  private rootNode: Node | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  root(): Hash {
    return this.rootNode ? `sha256:${toHex(this.rootNode.hash)}` : EMPTY_ROOT;
  }

  has(id: Hash): boolean {
    const key = hashBytes(id);
    let n = this.rootNode;
    while (n && !n.leaf) n = bitOf(key, n.bit) ? n.right : n.left;
    return n !== undefined && firstDiff(n.key, key) === -1;
  }

  /** Insert an id; returns false if it was already present. Rehashes only the path to the root. */
  insert(id: Hash): boolean {
    const key = hashBytes(id);
    const leaf: Leaf = { leaf: true, key, hash: leafDigest(key) };
    if (!this.rootNode) {
      this.rootNode = leaf;
      this.count = 1;
      return true;
    }
    let n: Node = this.rootNode;
    while (!n.leaf) n = bitOf(key, n.bit) ? n.right : n.left;
    const d = firstDiff(n.key, key);
    if (d === -1) return false;
    // Walk down again to where the new split bit belongs.
    const path: Inner[] = [];
    let cur: Node = this.rootNode;
    while (!cur.leaf && cur.bit < d) {
      path.push(cur);
      cur = bitOf(key, cur.bit) ? cur.right : cur.left;
    }
    const goesRight = bitOf(key, d) === 1;
    const split: Inner = {
      leaf: false,
      bit: d,
      left: goesRight ? cur : leaf,
      right: goesRight ? leaf : cur,
      hash: new Uint8Array(0),
    };
    split.hash = nodeDigest(d, split.left.hash, split.right.hash);
    const parent = path[path.length - 1];
    if (!parent) this.rootNode = split;
    else if (bitOf(key, parent.bit)) parent.right = split;
    else parent.left = split;
    for (let i = path.length - 1; i >= 0; i--) {
      const p = path[i]!;
      p.hash = nodeDigest(p.bit, p.left.hash, p.right.hash);
    }
    this.count++;
    return true;
  }

  /** Inclusion proof for an id in the current tree. Throws LEDGER_NOT_FOUND. */
  prove(id: Hash): InclusionProof {
    const key = hashBytes(id);
    const down: ProofStep[] = [];
    let n = this.rootNode;
    while (n && !n.leaf) {
      const right = bitOf(key, n.bit) === 1;
      down.push({ bit: n.bit, sibling: toHex((right ? n.left : n.right).hash) });
      n = right ? n.right : n.left;
    }
    if (!n || firstDiff(n.key, key) !== -1)
      throw new IcnError('LEDGER_NOT_FOUND', `no entry ${id} in the journal`, { id });
    return { version: 'icn-ledger-proof/v1', id, steps: down.reverse() };
  }

  /** Ids in sorted byte order (the leaves left to right). */
  ids(): Hash[] {
    const out: Hash[] = [];
    const walk = (n: Node | undefined): void => {
      if (!n) return;
      if (n.leaf) out.push(`sha256:${toHex(n.key)}`);
      else {
        walk(n.left);
        walk(n.right);
      }
    };
    walk(this.rootNode);
    return out;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Check an inclusion proof against a root, with nothing but SHA-256: what an auditor runs.
 * Never throws on a bad proof: returns false.
 */
export function verifyInclusion(root: Hash, proof: InclusionProof): boolean {
  try {
    if (proof?.version !== 'icn-ledger-proof/v1' || !Array.isArray(proof.steps)) return false;
    const key = hashBytes(proof.id);
    let h = leafDigest(key);
    let prev = 256;
    for (const s of proof.steps) {
      if (
        !Number.isInteger(s.bit) ||
        s.bit < 0 ||
        s.bit >= prev ||
        typeof s.sibling !== 'string' ||
        !HEX64.test(s.sibling)
      )
        return false;
      const sib = hashBytes(`sha256:${s.sibling}`);
      h = bitOf(key, s.bit) ? nodeDigest(s.bit, sib, h) : nodeDigest(s.bit, h, sib);
      prev = s.bit;
    }
    return `sha256:${toHex(h)}` === root;
  } catch {
    return false;
  }
}
