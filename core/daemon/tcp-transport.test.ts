import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Keypair } from '../identity/index.js';
import { TcpTransport, type TransportEvent } from './tcp-transport.js';

const kp = (b: number) => Keypair.fromSeed(new Uint8Array(32).fill(b));
const open: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

function transport(
  seed: number,
  peers: string[] = [],
  inbox: [string, unknown][] = [],
  events: TransportEvent[] = [],
  linkTimeoutMs?: number,
) {
  const t = new TcpTransport({
    keypair: kp(seed),
    host: '127.0.0.1',
    port: 0,
    peers: peers.map((address) => ({ address })),
    onMessage: (from, m) => inbox.push([from, m]),
    onEvent: (e) => events.push(e),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    reconnectMs: 50,
    handshakeTimeoutMs: 500,
    ...(linkTimeoutMs !== undefined ? { linkTimeoutMs } : {}),
  });
  open.push(t);
  return t;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('TcpTransport', () => {
  it('authenticates peers by DID and delivers messages both ways', async () => {
    const inA: [string, unknown][] = [];
    const inB: [string, unknown][] = [];
    const a = transport(1, [], inA);
    const portA = await a.start();
    const b = transport(2, [`127.0.0.1:${portA}`], inB);
    await b.start();
    await until(() => a.connectedPeers().length === 1 && b.connectedPeers().length === 1);
    expect(a.connectedPeers()).toEqual([kp(2).did.toString()]);
    a.send(kp(2).did.toString(), { hello: 'b', n: 1 });
    b.send(kp(1).did.toString(), { hello: 'a' });
    await until(() => inA.length === 1 && inB.length === 1);
    expect(inB[0]).toEqual([kp(1).did.toString(), { hello: 'b', n: 1 }]);
    expect(inA[0]![0]).toBe(kp(2).did.toString());
  });

  it('keeps exactly one link when both sides dial each other, and it carries messages', async () => {
    const inX: [string, unknown][] = [];
    const x = transport(5, [], inX);
    const y = transport(6);
    const [px, py] = [await x.start(), await y.start()];
    x.addPeer(`127.0.0.1:${py}`);
    y.addPeer(`127.0.0.1:${px}`);
    await until(() => x.connectedPeers().length === 1 && y.connectedPeers().length === 1);
    await new Promise((r) => setTimeout(r, 300)); // let any duplicate settle
    expect(x.connectedPeers()).toEqual([kp(6).did.toString()]);
    expect(y.connectedPeers()).toEqual([kp(5).did.toString()]);
    y.send(kp(5).did.toString(), { after: 'settle' });
    await until(() => inX.length === 1);
    expect(() => x.addPeer('nonsense')).toThrow(/not host:port/);
  });

  it('drops a connection that sends garbage or an oversize frame, and keeps serving others', async () => {
    const events: TransportEvent[] = [];
    const a = transport(1, [], [], events);
    const port = await a.start();
    const s = connect({ host: '127.0.0.1', port });
    await new Promise((r) => s.once('connect', r));
    s.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await until(() => events.some((e) => e.type === 'dropped'));
    expect(events.find((e) => e.type === 'dropped')).toMatchObject({
      reason: expect.stringContaining('FRAME_TOO_LARGE'),
    });
    const b = transport(2, [`127.0.0.1:${port}`]);
    await b.start();
    await until(() => a.connectedPeers().length === 1);
  });

  it('drops a connection that never completes the handshake', async () => {
    const events: TransportEvent[] = [];
    const a = transport(1, [], [], events);
    const port = await a.start();
    const s = connect({ host: '127.0.0.1', port });
    await until(
      () =>
        events.some(
          (e) => e.type === 'dropped' && /handshake not finished in 500 ms/.test(e.reason),
        ),
      3000,
    );
    s.destroy();
  });

  it('pings keep a quiet link up; a peer that goes silent is dropped after the link timeout and redialed', async () => {
    const inA: [string, unknown][] = [];
    const evA: TransportEvent[] = [];
    const a = transport(7, [], inA, evA, 300);
    const portA = await a.start();
    const b = transport(8, [`127.0.0.1:${portA}`], [], [], 300);
    await b.start();
    await until(() => a.connectedPeers().length === 1);
    await new Promise((r) => setTimeout(r, 1000)); // > 3 link timeouts with no message: pings only
    expect(evA.filter((e) => e.type === 'dropped' || e.type === 'peer-down')).toEqual([]);
    expect(inA).toEqual([]); // pings never reach the node
    // a peer that sends nothing (its liveness is off): a drops the link
    const evC: TransportEvent[] = [];
    const c = transport(9, [`127.0.0.1:${portA}`], [], evC, 0);
    await c.start();
    await until(
      () => evA.some((e) => e.type === 'dropped' && /link timeout 300 ms/.test(e.reason)),
      3000,
    );
    // c dialed a, so c redials: the link comes back
    await until(() => evC.filter((e) => e.type === 'peer-up').length >= 2, 3000);
  });
});
