/**
 * The node's Transport over TCP: length-prefixed frames of canonical JSON, each connection
 * authenticated by the DID handshake before any message passes. Peers are addressed by DID.
 * Dialed peers are redialed with capped backoff; a protocol error (oversize frame, bad JSON, a
 * failed handshake) drops the connection and is counted, never crashes the daemon.
 * Liveness: a link that carried nothing for a fifth of `linkTimeoutMs` gets a transport ping; a
 * link that received nothing for `linkTimeoutMs` is dropped (and redialed). Without it a peer
 * whose network went away (a container disconnected from its network, a cable pulled) would look
 * linked until TCP gave up, minutes later, and a redial would never reach its new address.
 * Gossip messages are signed by their senders on top of this (core/gossip), so the transport
 * authenticates links and gossip authenticates content.
 * Bounded resources (every knob below has a default; docs/threat-model.md): at most
 * `maxUnauthenticated` inbound connections may be handshaking at once (more are closed on accept and
 * counted as refused), each within `handshakeTimeoutMs` and with frames of at most
 * `maxHandshakeFrame` bytes; at most `maxInboundPeers` authenticated inbound links; a frame's size
 * is checked from its header before its payload is kept; bytes buffered towards unfinished frames
 * are capped per connection (one frame) and in total (`maxBufferedBytes`: the connection that would
 * pass it is dropped); a peer that does not read is dropped once `maxWriteBuffer` bytes wait for it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { canonicalize, parseStrictJson } from '../canonical/index.js';
import { IcnError } from '../errors.js';
import { flagError, parseJsonObjectFlag } from './json-flag.js';
import type { Keypair } from '../identity/index.js';
import {
  FrameDecoder,
  encodeFrame,
  DEFAULT_MAX_FRAME,
  DEFAULT_MAX_HANDSHAKE_FRAME,
} from '../net/frames.js';
import { Handshake } from '../net/handshake.js';
import type { Transport } from '../node/node.js';

export interface TcpPeer {
  /** `host:port` to dial. */
  address: string;
}

export interface TcpTransportOptions {
  keypair: Keypair;
  host: string;
  port: number;
  peers: readonly TcpPeer[];
  onMessage(from: string, message: unknown): void;
  /** 32-byte nonces for handshakes (the daemon passes a CSPRNG). */
  randomBytes(n: number): Uint8Array;
  onEvent?(event: TransportEvent): void;
  maxFrame?: number;
  /** First redial delay; doubles up to 8× on repeated failures. */
  reconnectMs?: number;
  /** A connection must finish its handshake within this time. */
  handshakeTimeoutMs?: number;
  /** Drop a link that received nothing (not even a ping) for this long; 0 disables (default 5000). */
  linkTimeoutMs?: number;
  /** Inbound connections handshaking at once; more are closed on accept (default 16). */
  maxUnauthenticated?: number;
  /** Largest frame accepted before the peer is authenticated (default 4 KiB). */
  maxHandshakeFrame?: number;
  /** Authenticated inbound links at once; dialed links do not count (default 64). */
  maxInboundPeers?: number;
  /** Bytes buffered towards unfinished frames over all connections (default 64 MiB). */
  maxBufferedBytes?: number;
  /** Bytes queued for one peer that does not read before its link is dropped (default 8 MiB). */
  maxWriteBuffer?: number;
}

/** The transport's resource limits with their defaults (documented in docs/threat-model.md). */
export const TRANSPORT_LIMITS = {
  handshakeTimeoutMs: 5000,
  maxFrame: DEFAULT_MAX_FRAME,
  maxHandshakeFrame: DEFAULT_MAX_HANDSHAKE_FRAME,
  maxUnauthenticated: 16,
  maxInboundPeers: 64,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxWriteBuffer: 8 * 1024 * 1024,
} as const;

export type TransportLimits = Partial<Record<keyof typeof TRANSPORT_LIMITS, number>>;

/** `--transport-limits` JSON: any of TRANSPORT_LIMITS' keys, positive integers; unknown keys refused. */
export function parseTransportLimits(text: string): TransportLimits {
  const bad = (why: string): never => {
    throw flagError('--transport-limits', why);
  };
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parseJsonObjectFlag('--transport-limits', text))) {
    if (!(k in TRANSPORT_LIMITS))
      bad(`unknown key ${JSON.stringify(k)} (${Object.keys(TRANSPORT_LIMITS).join(', ')})`);
    if (!Number.isSafeInteger(v) || (v as number) < 1) bad(`${k}: a positive integer`);
    out[k] = v as number;
  }
  return out as TransportLimits;
}

/** What the transport holds now and has refused so far (exported as metrics by the daemon). */
export interface TransportStats {
  /** Connections not yet authenticated (inbound and dialed). */
  unauthenticated: number;
  /** Authenticated links (inbound and dialed). */
  peers: number;
  /** Bytes buffered towards unfinished frames, all connections. */
  bufferedBytes: number;
  /** Inbound connections closed on accept (too many handshaking, or too many inbound peers). */
  refused: number;
  /** Connections dropped for a protocol error or a limit (frame size, buffers, timeouts). */
  dropped: number;
}

/** The transport's own frame (after the handshake); never passed to the node. */
const PING = { 'icn-transport': 'ping' } as const;
const isPing = (m: unknown): boolean =>
  typeof m === 'object' && m !== null && (m as Record<string, unknown>)['icn-transport'] === 'ping';

export type TransportEvent =
  | { type: 'peer-up'; did: string; address: string }
  | { type: 'peer-down'; did: string }
  | { type: 'dropped'; address: string; reason: string }
  | { type: 'refused'; address: string; reason: string };

export interface LinkInfo {
  did: string;
  address: string;
  direction: 'dialed' | 'accepted';
  lastReceivedMsAgo: number;
  lastSentMsAgo: number;
  blocked: boolean;
}

interface Conn {
  socket: Socket;
  decoder: FrameDecoder;
  handshake: Handshake;
  did?: string;
  address: string;
  /** True when this side dialed the connection. */
  dialed: boolean;
  lastReceived: number;
  lastSent: number;
  /** Bytes of this connection counted in the transport's `buffered`. */
  counted: number;
}

export class TcpTransport implements Transport {
  private server?: Server;
  private readonly byDid = new Map<string, Conn>();
  private readonly conns = new Set<Conn>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** DID last authenticated at a dialed address (to skip redialing a peer that is connected). */
  private readonly addressDid = new Map<string, string>();
  /** DIDs whose links are cut (admin partitions): nothing is sent to or accepted from them. */
  private readonly blocked = new Set<string>();
  private closed = false;
  private liveness?: NodeJS.Timeout;
  private readonly lim: { -readonly [K in keyof typeof TRANSPORT_LIMITS]: number };
  private buffered = 0;
  private refused = 0;
  private dropped = 0;
  port = 0;

  constructor(private readonly o: TcpTransportOptions) {
    this.lim = { ...TRANSPORT_LIMITS };
    for (const k of Object.keys(TRANSPORT_LIMITS) as (keyof typeof TRANSPORT_LIMITS)[]) {
      const v = o[k];
      if (v === undefined) continue;
      if (!Number.isSafeInteger(v) || v < 1)
        throw new IcnError('TRANSPORT_CONFIG', `transport ${k} = ${String(v)}: a positive integer`);
      this.lim[k] = v;
    }
  }

  stats(): TransportStats {
    let unauthenticated = 0;
    for (const c of this.conns) if (!c.did) unauthenticated++;
    return {
      unauthenticated,
      peers: this.byDid.size,
      bufferedBytes: this.buffered,
      refused: this.refused,
      dropped: this.dropped,
    };
  }

  async start(): Promise<number> {
    this.server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.o.port;
    for (const p of this.o.peers) this.dial(p.address, 0);
    const timeout = this.o.linkTimeoutMs ?? 5000;
    if (timeout > 0) {
      const every = Math.max(10, Math.floor(timeout / 5));
      this.liveness = setInterval(() => this.checkLinks(timeout, every), every);
      this.liveness.unref();
    }
    return this.port;
  }

  /** Ping quiet links, drop dead ones (wall time: liveness is not LC). */
  private checkLinks(timeout: number, every: number): void {
    const now = Date.now();
    for (const c of this.conns) {
      if (!c.did) continue; // the handshake has its own timeout
      if (now - c.lastReceived > timeout)
        this.drop(c, `no frame for ${now - c.lastReceived} ms (link timeout ${timeout} ms)`);
      else if (now - c.lastSent >= every) this.write(c, PING);
    }
  }

  /** Dial one more peer (redialed like the configured ones). */
  addPeer(address: string): void {
    splitAddress(address);
    this.dial(address, 0);
  }

  send(to: string, message: unknown): void {
    if (this.blocked.has(to)) return;
    const c = this.byDid.get(to);
    if (!c) return; // not connected: gossip's anti-entropy repairs what a missing link loses
    this.write(c, message);
  }

  connectedPeers(): string[] {
    return [...this.byDid.keys()].filter((d) => !this.blocked.has(d)).sort();
  }

  /**
   * Cut the links to exactly these DIDs (an empty list restores every link). Connections stay
   * open (a partition is not a disconnect): frames from a blocked DID are dropped on arrival and
   * nothing is sent to it, so both directions are cut even if only this side blocks.
   */
  setBlocked(dids: readonly string[]): void {
    this.blocked.clear();
    for (const d of dids) this.blocked.add(d);
  }

  /**
   * The authenticated links, sorted by DID: who dialed, the address, ms since the last frame in
   * and out, and whether the link is cut (admin). For operators (`GET /status`), never for LC.
   */
  links(): LinkInfo[] {
    const now = Date.now();
    return [...this.byDid.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([did, c]) => ({
        did,
        address: c.address,
        direction: c.dialed ? 'dialed' : 'accepted',
        lastReceivedMsAgo: now - c.lastReceived,
        lastSentMsAgo: now - c.lastSent,
        blocked: this.blocked.has(did),
      }));
  }

  blockedPeers(): string[] {
    return [...this.blocked].sort();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.liveness) clearInterval(this.liveness);
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.conns) c.socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private dial(address: string, attempt: number): void {
    if (this.closed) return;
    const known = this.addressDid.get(address);
    if (known && this.byDid.has(known)) {
      this.redial(address, 3); // already linked (the peer dialed us): look again later
      return;
    }
    const [host, portText] = splitAddress(address);
    const socket = connect({ host, port: Number(portText) });
    let adopted = false;
    socket.once('connect', () => {
      adopted = true;
      this.adopt(socket, address, true, () => this.redial(address, 0));
    });
    socket.once('error', () => {
      if (!adopted) this.redial(address, attempt + 1);
    });
  }

  private redial(address: string, attempt: number): void {
    if (this.closed) return;
    const base = this.o.reconnectMs ?? 200;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        this.dial(address, attempt);
      },
      base * Math.min(8, 2 ** Math.min(attempt, 3)),
    );
    this.timers.add(t);
  }

  /** An inbound connection: closed at once when too many are handshaking (nothing is read from it). */
  private accept(socket: Socket): void {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    let handshaking = 0;
    for (const c of this.conns) if (!c.did && !c.dialed) handshaking++;
    if (this.closed || handshaking >= this.lim.maxUnauthenticated) {
      this.refused++;
      this.o.onEvent?.({
        type: 'refused',
        address,
        reason: `${handshaking} connections handshaking (limit ${this.lim.maxUnauthenticated})`,
      });
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    this.adopt(socket, address, false);
  }

  private adopt(socket: Socket, address: string, dialed: boolean, onClose?: () => void): void {
    const c: Conn = {
      socket,
      address,
      dialed,
      lastReceived: Date.now(),
      lastSent: Date.now(),
      counted: 0,
      decoder: new FrameDecoder(this.lim.maxHandshakeFrame),
      handshake: new Handshake(this.o.keypair, this.o.randomBytes(32)),
    };
    this.conns.add(c);
    socket.setNoDelay(true);
    const timeout = setTimeout(() => {
      if (!c.did) this.drop(c, `handshake not finished in ${this.lim.handshakeTimeoutMs} ms`);
    }, this.lim.handshakeTimeoutMs);
    socket.on('data', (chunk) => this.onData(c, chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timeout);
      this.release(c);
      this.conns.delete(c);
      if (c.did && this.byDid.get(c.did) === c) {
        this.byDid.delete(c.did);
        this.o.onEvent?.({ type: 'peer-down', did: c.did });
      }
      onClose?.();
    });
    this.write(c, c.handshake.start());
  }

  /** Received bytes: decoded frame by frame (the frame limit rises after the handshake), buffers capped. */
  private onData(c: Conn, chunk: Uint8Array): void {
    if (c.socket.destroyed) return;
    c.lastReceived = Date.now();
    try {
      c.decoder.feed(chunk);
      for (let f = c.decoder.next(); f; f = c.decoder.next()) {
        this.onFrame(c, f);
        if (c.socket.destroyed) return;
      }
      const total = this.buffered - c.counted + c.decoder.pending;
      if (total > this.lim.maxBufferedBytes)
        throw new IcnError(
          'TRANSPORT_BUFFERS_FULL',
          `${total} bytes would be buffered towards unfinished frames (limit ${this.lim.maxBufferedBytes})`,
        );
      this.buffered = total;
      c.counted = c.decoder.pending;
    } catch (e) {
      this.drop(c, e instanceof IcnError ? `${e.code}: ${e.message}` : String(e));
    }
  }

  /** Forget a connection's buffered bytes (it is closing). */
  private release(c: Conn): void {
    this.buffered -= c.counted;
    c.counted = 0;
    c.decoder = new FrameDecoder(0);
  }

  private onFrame(c: Conn, frame: Uint8Array): void {
    const msg = parseStrictJson(new TextDecoder().decode(frame), `frame from ${c.address}`);
    if (!c.did) {
      for (const reply of c.handshake.receive(msg)) this.write(c, reply);
      if (c.handshake.peer && c.handshake.done) {
        const did = c.handshake.peer.toString();
        if (c.dialed) this.addressDid.set(c.address, did);
        const existing = this.byDid.get(did);
        if (existing) {
          // Both sides dialed each other: both keep the link dialed by the smaller DID.
          const iAmSmaller = this.o.keypair.did.toString() < did;
          const keep = c.dialed === iAmSmaller ? c : existing;
          const lose = keep === c ? existing : c;
          if (lose === existing) this.byDid.delete(did);
          lose.did = undefined;
          this.drop(lose, `duplicate connection to ${did}`);
          if (keep === existing) return;
        }
        if (!c.dialed && this.inboundPeers() >= this.lim.maxInboundPeers) {
          this.refused++;
          this.o.onEvent?.({
            type: 'refused',
            address: c.address,
            reason: `${did}: ${this.lim.maxInboundPeers} inbound peers already linked`,
          });
          this.drop(c, 'inbound peer limit');
          return;
        }
        c.decoder.maxFrame = this.lim.maxFrame;
        c.did = did;
        this.byDid.set(did, c);
        this.o.onEvent?.({ type: 'peer-up', did, address: c.address });
      }
      return;
    }
    if (isPing(msg)) return;
    if (this.blocked.has(c.did)) return;
    this.o.onMessage(c.did, msg);
  }

  private inboundPeers(): number {
    let n = 0;
    for (const c of this.byDid.values()) if (!c.dialed) n++;
    return n;
  }

  private write(c: Conn, message: unknown): void {
    if (c.socket.destroyed) return;
    c.lastSent = Date.now();
    try {
      if (c.socket.writableLength > this.lim.maxWriteBuffer)
        throw new IcnError(
          'TRANSPORT_SLOW_PEER',
          `${c.socket.writableLength} bytes wait for a peer that does not read (limit ${this.lim.maxWriteBuffer})`,
        );
      c.socket.write(encodeFrame(canonicalize(message), this.lim.maxFrame));
    } catch (e) {
      this.drop(c, e instanceof IcnError ? `${e.code}: ${e.message}` : String(e));
    }
  }

  private drop(c: Conn, reason: string): void {
    if (c.socket.destroyed) return;
    this.dropped++;
    this.o.onEvent?.({ type: 'dropped', address: c.address, reason });
    this.release(c);
    c.socket.destroy();
  }
}

function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  if (i <= 0 || !/^\d+$/.test(address.slice(i + 1)))
    throw new IcnError(
      'TRANSPORT_ADDRESS',
      `peer address ${JSON.stringify(address)} is not host:port`,
    );
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), address.slice(i + 1)];
}
