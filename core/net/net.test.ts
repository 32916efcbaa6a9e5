import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Keypair } from '../identity/index.js';
import { Rng } from '../runtime/index.js';
import { FrameDecoder, FrameError, encodeFrame } from './frames.js';
import { Handshake, HandshakeError, type HandshakeMessage } from './handshake.js';

describe('frames', () => {
  it('property: any split of a frame stream yields the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }),
        fc.array(fc.nat(50), { maxLength: 40 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const d = new FrameDecoder(1024);
          const got: Uint8Array[] = [];
          let at = 0;
          for (const c of cuts) {
            got.push(...d.push(stream.subarray(at, Math.min(stream.length, at + c))));
            at = Math.min(stream.length, at + c);
          }
          got.push(...d.push(stream.subarray(at)));
          expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual(
            payloads.map((p) => Buffer.from(p).toString('hex')),
          );
          expect(d.pending).toBe(0);
        },
      ),
    );
  });

  it('refuses an oversize frame announced by the peer without allocating it', () => {
    const d = new FrameDecoder(16);
    expect(() => d.push(Uint8Array.from([0xff, 0xff, 0xff, 0xff]))).toThrow(FrameError);
    expect(() => encodeFrame(new Uint8Array(17), 16)).toThrow(/exceeds the limit of 16/);
  });

  it('judges each frame by the limit in force when its header arrives, keeping at most one frame buffered', () => {
    const d = new FrameDecoder(8);
    const small = encodeFrame(new Uint8Array(8).fill(1));
    const big = encodeFrame(new Uint8Array(100).fill(2));
    d.feed(Buffer.concat([small, big.subarray(0, 50)]));
    expect(d.next()).toEqual(new Uint8Array(8).fill(1));
    d.maxFrame = 100; // raised after the first frame (the handshake), before the next header is read
    expect(d.next()).toBeUndefined();
    expect(d.pending).toBe(50);
    d.feed(big.subarray(50));
    expect(d.next()).toEqual(new Uint8Array(100).fill(2));
    expect(d.pending).toBe(0);
    // Under the old limit the same header is refused, and nothing of it stays buffered.
    const strict = new FrameDecoder(8);
    strict.feed(big.subarray(0, 60));
    expect(() => strict.next()).toThrow(/frame of 100 bytes \(limit 8\)/);
    expect(strict.pending).toBe(0);
  });
});

function pair(seedA: number, seedB: number) {
  const rng = Rng.root(1n).stream('nonces');
  const a = Keypair.fromSeed(new Uint8Array(32).fill(seedA));
  const b = Keypair.fromSeed(new Uint8Array(32).fill(seedB));
  return { a, b, ha: new Handshake(a, rng.bytes(32), b.did), hb: new Handshake(b, rng.bytes(32)) };
}

/** Run both sides to completion, delivering messages through `tamper`. */
function run(
  ha: Handshake,
  hb: Handshake,
  tamper: (from: 'a' | 'b', m: HandshakeMessage) => HandshakeMessage = (_f, m) => m,
) {
  let toB: HandshakeMessage[] = [ha.start()];
  let toA: HandshakeMessage[] = [hb.start()];
  for (let i = 0; i < 4 && (toA.length || toB.length); i++) {
    const nextA = toA.flatMap((m) => ha.receive(tamper('b', m)));
    const nextB = toB.flatMap((m) => hb.receive(tamper('a', m)));
    toB = nextA;
    toA = nextB;
  }
}

describe('handshake', () => {
  it('authenticates both peers', () => {
    const { a, b, ha, hb } = pair(1, 2);
    run(ha, hb);
    expect(ha.done && hb.done).toBe(true);
    expect(ha.peer?.equals(b.did)).toBe(true);
    expect(hb.peer?.equals(a.did)).toBe(true);
  });

  it('rejects a peer claiming a DID whose key it does not hold', () => {
    const { ha, hb } = pair(1, 2);
    const mallory = Keypair.fromSeed(new Uint8Array(32).fill(3));
    // b's messages are rewritten: its proof is signed by mallory
    expect(() =>
      run(ha, hb, (from, m) =>
        from === 'b' && m.type === 'proof'
          ? { type: 'proof', signature: mallory.sign('icn/gossip/handshake/v1', { x: 1 }) }
          : m,
      ),
    ).toThrow(expect.objectContaining({ code: 'HANDSHAKE_BAD_PROOF' }));
  });

  it('rejects the wrong peer, reflected nonces, bad versions and out-of-order messages', () => {
    const { ha, hb } = pair(1, 2);
    const other = Keypair.fromSeed(new Uint8Array(32).fill(9));
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        return (e as HandshakeError).code;
      }
    };
    expect(code(() => ha.receive({ ...hb.start(), did: other.did.toString() }))).toBe(
      'HANDSHAKE_WRONG_PEER',
    );
    const { ha: h2 } = pair(1, 2);
    expect(
      code(() =>
        h2.receive({
          ...h2.start(),
          did: Keypair.fromSeed(new Uint8Array(32).fill(2)).did.toString(),
        }),
      ),
    ).toBe('HANDSHAKE_REFLECTED');
    const { hb: h3 } = pair(1, 2);
    expect(code(() => h3.receive({ type: 'proof', signature: '00' }))).toBe('HANDSHAKE_UNEXPECTED');
    expect(code(() => h3.receive({ ...hb.start(), version: 'icn-handshake/v0' }))).toBe(
      'HANDSHAKE_VERSION',
    );
    expect(code(() => h3.receive(null))).toBe('HANDSHAKE_MALFORMED');
  });
});
