/**
 * The transport under hostile peers: many connections sending unfinished huge frames, silent
 * connections that never handshake, authenticated junk peers that fill buffers. The node must stay
 * bounded and serve a legitimate peer; bounds are checked by counting refused/dropped connections
 * and buffered bytes (transport.stats()), never by timing.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalize, parseStrictJson } from '../canonical/index.js';
import { Keypair } from '../identity/index.js';
import { FrameDecoder, encodeFrame } from '../net/frames.js';
import { Handshake } from '../net/handshake.js';
import {
  TcpTransport,
  parseTransportLimits,
  type TcpTransportOptions,
  type TransportEvent,
} from './tcp-transport.js';

const kp = (b: number) => Keypair.fromSeed(new Uint8Array(32).fill(b));
const open: TcpTransport[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(open.splice(0).map((t) => t.close()));
});

function transport(
  seed: number,
  o: Partial<TcpTransportOptions> = {},
  events: TransportEvent[] = [],
  inbox: unknown[] = [],
) {
  const t = new TcpTransport({
    keypair: kp(seed),
    host: '127.0.0.1',
    port: 0,
    peers: [],
    onMessage: (_f, m) => inbox.push(m),
    onEvent: (e) => events.push(e),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    reconnectMs: 50,
    linkTimeoutMs: 0,
    ...o,
  });
  open.push(t);
  return t;
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function raw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    sockets.push(s);
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** A junk peer with its own fresh key that completes the handshake, then does what the test says. */
async function authenticated(port: number, seed: number): Promise<Socket> {
  const s = await raw(port);
  const hs = new Handshake(kp(seed), new Uint8Array(randomBytes(32)));
  const dec = new FrameDecoder();
  s.write(encodeFrame(canonicalize(hs.start())));
  await new Promise<void>((resolve, reject) => {
    s.on('data', (chunk) => {
      try {
        for (const f of dec.push(chunk))
          for (const reply of hs.receive(parseStrictJson(new TextDecoder().decode(f), 'test')))
            s.write(encodeFrame(canonicalize(reply)));
        if (hs.done) resolve();
      } catch (e) {
        reject(e as Error);
      }
    });
  });
  return s;
}

/** The header of a frame of `len` bytes and `sent` bytes of its payload: a frame never finished. */
const unfinished = (len: number, sent: number): Buffer =>
  Buffer.concat([
    Buffer.from([len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255]),
    Buffer.alloc(sent, 0x41),
  ]);

describe('TcpTransport under hostile peers', () => {
  it('40 unauthenticated connections announcing 4 MiB frames: each dropped at its header, nothing buffered, a real peer still links', async () => {
    const events: TransportEvent[] = [];
    const a = transport(1, {}, events);
    const port = await a.start();
    const junk = await Promise.all(Array.from({ length: 40 }, () => raw(port)));
    for (const s of junk) s.write(unfinished(4 * 1024 * 1024 - 1, 64 * 1024));
    await until(() => a.stats().dropped + a.stats().refused >= 40);
    const dropped = events.filter((e) => e.type === 'dropped');
    expect(
      dropped.every((e) => e.type === 'dropped' && /FRAME_TOO_LARGE.*limit 4096/.test(e.reason)),
    ).toBe(true);
    expect(a.stats().bufferedBytes).toBe(0);
    const b = transport(2, { peers: [{ address: `127.0.0.1:${port}` }] });
    await b.start();
    await until(() => a.connectedPeers().length === 1);
  });

  it('silent connections beyond maxUnauthenticated are refused on accept; the slots free up after the handshake deadline', async () => {
    const events: TransportEvent[] = [];
    const a = transport(1, { maxUnauthenticated: 8, handshakeTimeoutMs: 400 }, events);
    const port = await a.start();
    await Promise.all(Array.from({ length: 40 }, () => raw(port)));
    await until(() => a.stats().refused === 32);
    expect(a.stats().unauthenticated).toBe(8);
    // The 8 silent ones miss the deadline and are dropped; a real peer then gets in.
    await until(() => a.stats().unauthenticated === 0);
    expect(
      events.filter(
        (e) => e.type === 'dropped' && /handshake not finished in 400 ms/.test(e.reason),
      ),
    ).toHaveLength(8);
    const b = transport(2, { peers: [{ address: `127.0.0.1:${port}` }] });
    await b.start();
    await until(() => a.connectedPeers().length === 1);
    expect(a.stats().refused).toBe(32);
  });

  it('authenticated junk peers sending unfinished frames: total buffered bytes never pass maxBufferedBytes', async () => {
    const limit = 1024 * 1024;
    const a = transport(1, { maxBufferedBytes: limit, maxFrame: 1024 * 1024 });
    const port = await a.start();
    const peers: Socket[] = [];
    for (let i = 0; i < 6; i++) peers.push(await authenticated(port, 100 + i));
    await until(() => a.stats().peers === 6);
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, a.stats().bufferedBytes)), 1);
    // Each announces a 1 MiB frame and sends 300 KiB of it: the fourth would pass the 1 MiB budget.
    await Promise.all(
      peers.map(
        (s) => new Promise<void>((r) => s.write(unfinished(1024 * 1024, 300 * 1024), () => r())),
      ),
    );
    await until(() => a.stats().dropped >= 3);
    clearInterval(sample);
    expect(a.stats().peers).toBe(6 - a.stats().dropped);
    expect(a.stats().bufferedBytes).toBeLessThanOrEqual(limit);
    expect(peak).toBeLessThanOrEqual(limit);
    expect(a.stats().bufferedBytes).toBe(a.stats().peers * (4 + 300 * 1024)); // header + the payload so far
  });

  it('inbound authenticated peers beyond maxInboundPeers are refused after their handshake', async () => {
    const a = transport(1, { maxInboundPeers: 3 });
    const port = await a.start();
    for (let i = 0; i < 5; i++) await authenticated(port, 120 + i).catch(() => undefined);
    await until(() => a.stats().refused === 2);
    expect(a.stats().peers).toBe(3);
  });

  it('--transport-limits: known keys, positive integers, anything else refused by name', () => {
    expect(parseTransportLimits('{"maxUnauthenticated":4,"handshakeTimeoutMs":1000}')).toEqual({
      maxUnauthenticated: 4,
      handshakeTimeoutMs: 1000,
    });
    expect(() => parseTransportLimits('{"maxPeers":4}')).toThrow(/unknown key "maxPeers"/);
    expect(() => parseTransportLimits('{"maxFrame":0}')).toThrow(/maxFrame: a positive integer/);
    expect(() => transport(1, { maxBufferedBytes: -1 })).toThrow(/maxBufferedBytes/);
  });
});
