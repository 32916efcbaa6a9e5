/**
 * Peer authentication for the TCP transport, sans-IO. Each side sends `hello{did, nonce}`; each
 * then proves possession of its key by signing a transcript binding both DIDs and both nonces
 * (so a proof can be neither replayed to another peer nor reflected back). The result is the
 * peer's authenticated DID. Nonces come from the caller (an injected Rng or a CSPRNG in the
 * daemon): this module never reads randomness itself.
 */
import { enc, dec } from '../canonical/index.js';
import { IcnError } from '../errors.js';
import { DOMAIN } from '../hash/index.js';
import { Did, Keypair, verifySignature } from '../identity/index.js';

export const HANDSHAKE_VERSION = 'icn-handshake/v1';

export interface Hello {
  type: 'hello';
  version: typeof HANDSHAKE_VERSION;
  did: string;
  /** 32 random bytes, lowercase hex. */
  nonce: string;
}

export interface Proof {
  type: 'proof';
  signature: string;
}

export type HandshakeMessage = Hello | Proof;

export type HandshakeErrorCode =
  | 'HANDSHAKE_MALFORMED'
  | 'HANDSHAKE_VERSION'
  | 'HANDSHAKE_NONCE'
  | 'HANDSHAKE_REFLECTED'
  | 'HANDSHAKE_UNEXPECTED'
  | 'HANDSHAKE_BAD_PROOF'
  | 'HANDSHAKE_WRONG_PEER';

export class HandshakeError extends IcnError {
  override readonly name = 'HandshakeError';
}

function transcript(signer: Hello, other: Hello) {
  return {
    version: HANDSHAKE_VERSION,
    signer: signer.did,
    signerNonce: signer.nonce,
    peer: other.did,
    peerNonce: other.nonce,
  };
}

/**
 * One side of a handshake. Call `start()` and send its message; feed every received message to
 * `receive()` and send what it returns; `peer` is set once the peer is authenticated.
 */
export class Handshake {
  private mine: Hello;
  private theirs?: Hello;
  private sentProof = false;
  peer?: Did;

  constructor(
    private readonly key: Keypair,
    nonce: Uint8Array,
    /** Optional: the DID we expect to reach (dialing a known peer). */
    private readonly expected?: Did,
  ) {
    if (nonce.length !== 32)
      throw new HandshakeError(
        'HANDSHAKE_NONCE',
        `a handshake nonce has 32 bytes, got ${nonce.length}`,
      );
    this.mine = {
      type: 'hello',
      version: HANDSHAKE_VERSION,
      did: key.did.toString(),
      nonce: enc.bytes(nonce),
    };
  }

  start(): Hello {
    return this.mine;
  }

  get done(): boolean {
    return this.peer !== undefined && this.sentProof;
  }

  receive(msg: unknown): HandshakeMessage[] {
    const m = msg as Partial<HandshakeMessage> | null;
    if (!m || typeof m !== 'object')
      throw new HandshakeError('HANDSHAKE_MALFORMED', 'handshake message is not an object');
    if (m.type === 'hello') {
      if (this.theirs)
        throw new HandshakeError('HANDSHAKE_UNEXPECTED', 'second hello from the peer');
      const h = m as Hello;
      if (h.version !== HANDSHAKE_VERSION)
        throw new HandshakeError(
          'HANDSHAKE_VERSION',
          `peer speaks ${String(h.version)}, we speak ${HANDSHAKE_VERSION}`,
        );
      const did = Did.parse(h.did);
      if (dec.bytes(h.nonce).length !== 32)
        throw new HandshakeError('HANDSHAKE_NONCE', 'peer nonce is not 32 bytes');
      if (h.nonce === this.mine.nonce)
        throw new HandshakeError('HANDSHAKE_REFLECTED', 'peer echoed our own nonce');
      if (this.expected && !did.equals(this.expected))
        throw new HandshakeError(
          'HANDSHAKE_WRONG_PEER',
          `expected ${this.expected.toString()}, peer says ${did.toString()}`,
        );
      this.theirs = {
        type: 'hello',
        version: HANDSHAKE_VERSION,
        did: did.toString(),
        nonce: h.nonce,
      };
      this.sentProof = true;
      return [
        {
          type: 'proof',
          signature: this.key.sign(DOMAIN.gossipHandshake, transcript(this.mine, this.theirs)),
        },
      ];
    }
    if (m.type === 'proof') {
      if (!this.theirs) throw new HandshakeError('HANDSHAKE_UNEXPECTED', 'proof before hello');
      if (this.peer) throw new HandshakeError('HANDSHAKE_UNEXPECTED', 'second proof from the peer');
      const did = Did.parse(this.theirs.did);
      if (
        !verifySignature(
          did,
          DOMAIN.gossipHandshake,
          transcript(this.theirs, this.mine),
          String((m as Proof).signature),
        )
      ) {
        throw new HandshakeError(
          'HANDSHAKE_BAD_PROOF',
          `peer ${did.toString()} did not prove possession of its key`,
        );
      }
      this.peer = did;
      return [];
    }
    throw new HandshakeError(
      'HANDSHAKE_MALFORMED',
      `unknown handshake message type ${JSON.stringify(m.type)}`,
    );
  }
}

declare module '../errors.js' {
  interface ErrorCodes {
    handshake: HandshakeErrorCode;
  }
}
