/**
 * Junk peers against a real icn-node process (the process backend: bin/icn-node.js as a child, on
 * loopback): unauthenticated connections sending unfinished 4 MiB frames, a crowd of silent
 * connections, authenticated junk keys announcing floods of unknown hashes and then leaving
 * unfinished frames. The node must stay bounded: every limit is checked through the node's own
 * counters (/metrics), its RSS growth is bounded, and it still answers and links a real peer.
 * No timing is asserted. Needs dist/ (npm test builds it first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalize, parseStrictJson } from '../canonical/index.js';
import { signMessage } from '../gossip/message.js';
import type { Hash } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { FrameDecoder, encodeFrame } from '../net/frames.js';
import { Handshake } from '../net/handshake.js';

const BIN = resolve(import.meta.dirname, '../../bin/icn-node.js');
const BUFFER_BUDGET = 16 * 1024 * 1024;
const children: ChildProcess[] = [];
const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.destroy();
  for (const c of children) c.kill('SIGKILL');
});

// Generous waits: the node shares 2 cores with the rest of `npm test` (one 20 s wait ran out once).
async function until(cond: () => Promise<boolean> | boolean, ms = 40_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`not reached in ${ms} ms: ${cond.toString()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startNode(extra: string[] = []): Promise<{ pid: number; gossip: number; http: number }> {
  const c = spawn(
    process.execPath,
    [
      BIN,
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'icn-junk-')),
      '--gossip',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--tick-ms',
      '100',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(c);
  return new Promise((res, rej) => {
    let out = '';
    c.stdout!.on('data', (d) => {
      out += d;
      const m = /listening .* gossip=127\.0\.0\.1:(\d+) http=127\.0\.0\.1:(\d+)/.exec(out);
      if (m) res({ pid: c.pid!, gossip: Number(m[1]), http: Number(m[2]) });
    });
    c.once('exit', (code) => rej(new Error(`icn-node exited ${code}: ${out}`)));
  });
}

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

function raw(port: number): Promise<Socket> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port }, () => res(s));
    s.on('error', () => {});
    sockets.push(s);
  });
}

const unfinished = (len: number, sent: number) =>
  Buffer.concat([
    Buffer.from([len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255]),
    Buffer.alloc(sent, 0x41),
  ]);

/** A fresh junk key that completes the handshake; returns its socket and the node's DID. */
async function junkPeer(port: number, kp: Keypair): Promise<{ s: Socket; node: string }> {
  const s = await raw(port);
  const hs = new Handshake(kp, new Uint8Array(randomBytes(32)));
  const dec = new FrameDecoder();
  s.write(encodeFrame(canonicalize(hs.start())));
  let node = '';
  await new Promise<void>((res, rej) => {
    s.on('data', (chunk) => {
      try {
        for (const f of dec.push(chunk)) {
          const m = parseStrictJson(new TextDecoder().decode(f), 'frame') as {
            type?: string;
            did?: string;
          };
          if (!hs.done) {
            if (m.type === 'hello') node = m.did!;
            for (const r of hs.receive(m)) s.write(encodeFrame(canonicalize(r)));
            if (hs.done) res();
          }
        }
      } catch (e) {
        rej(e as Error);
      }
    });
  });
  return { s, node };
}

describe('icn-node (process) against junk peers', () => {
  it('stays bounded: frames cut at the header, connections refused beyond the limit, wanted hashes and buffers capped; a real peer still links', async () => {
    const n = await startNode([
      '--transport-limits',
      JSON.stringify({ maxBufferedBytes: BUFFER_BUDGET, handshakeTimeoutMs: 2000 }),
    ]);
    await until(async () => (await fetch(`http://127.0.0.1:${n.http}/health`)).ok);
    const rss0 = rssMiB(n.pid);

    // 1. 40 unauthenticated connections, each an unfinished 4 MiB frame: dropped at the 4-byte header.
    const junk = await Promise.all(Array.from({ length: 40 }, () => raw(n.gossip)));
    for (const s of junk) s.write(unfinished(4 * 1024 * 1024, 256 * 1024));
    await until(
      async () =>
        (await metric(n.http, 'icn_transport_dropped_total')) +
          (await metric(n.http, 'icn_transport_refused_total')) >=
        40,
    );

    // 2. 200 silent connections at once: at most 16 handshaking, the rest refused on accept.
    const refusedBefore = await metric(n.http, 'icn_transport_refused_total');
    await Promise.all(Array.from({ length: 200 }, () => raw(n.gossip)));
    await until(
      async () => (await metric(n.http, 'icn_transport_refused_total')) - refusedBefore >= 184,
    );
    expect(await metric(n.http, 'icn_transport_unauthenticated_connections')).toBeLessThanOrEqual(
      16,
    );
    // their handshake deadline frees the slots
    await until(
      async () => (await metric(n.http, 'icn_transport_unauthenticated_connections')) === 0,
    );

    // 3. 8 authenticated junk keys: 40 announcements of 1,024 unknown hashes each, then an unfinished 4 MiB frame.
    for (let p = 0; p < 8; p++) {
      const kp = Keypair.fromSeed(new Uint8Array(randomBytes(32)));
      const { s, node } = await junkPeer(n.gossip, kp);
      for (let i = 0; i < 40; i++) {
        const hashes = Array.from(
          { length: 1024 },
          () => `sha256:${randomBytes(32).toString('hex')}` as Hash,
        );
        s.write(
          encodeFrame(
            canonicalize(
              signMessage(kp, node, i, { type: 'announce', topic: 'ledger:entries', hashes }),
            ),
          ),
        );
      }
      s.write(unfinished(4 * 1024 * 1024 - 8, 3 * 1024 * 1024));
    }
    // the buffer budget (16 MiB) holds at most 5 of the 3 MiB tails: the others' links are dropped
    await until(async () => (await metric(n.http, 'icn_transport_dropped_total')) >= 40 + 3);
    expect(await metric(n.http, 'icn_transport_buffered_bytes')).toBeLessThanOrEqual(BUFFER_BUDGET);
    expect((await fetch(`http://127.0.0.1:${n.http}/health`)).status).toBe(200);
    // 40 × 4 MiB + 320 announcements of 1,024 hashes cost the unbounded node > 200 MB; bounded: the budget and change.
    const growth = rssMiB(n.pid) - rss0;
    console.log(
      `junk peers: RSS ${rss0.toFixed(0)} MiB → +${growth.toFixed(0)} MiB; dropped ${await metric(n.http, 'icn_transport_dropped_total')}, refused ${await metric(n.http, 'icn_transport_refused_total')}`,
    );
    expect(growth, `RSS ${rss0.toFixed(0)} → +${growth.toFixed(0)} MiB`).toBeLessThan(96);

    // 4. A real node still links to it.
    const b = await startNode(['--peer', `127.0.0.1:${n.gossip}`]);
    await until(
      async () =>
        ((await (await fetch(`http://127.0.0.1:${b.http}/peers`)).json()) as { peers: string[] })
          .peers.length === 1,
    );
  }, 180_000);
});
