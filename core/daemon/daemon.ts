/**
 * icn-node: one core IcnNode as a long-running process. The daemon is the real runtime of the
 * sans-IO node: wall clock, a CSPRNG-seeded Rng, TCP transport, file storage, a tick timer, an
 * HTTP control API and Prometheus /metrics. The node's LC state depends only on the entries it
 * accepts, never on these runtime choices, so a daemon and a simulated node reach the same roots.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { dec, enc } from '../canonical/index.js';
import { IcnError } from '../errors.js';
import { Keypair } from '../identity/index.js';
import { IcnNode } from '../node/index.js';
import { Rng, type Clock } from '../runtime/index.js';
import { createApiServer, HttpError, type Route } from './http-api.js';
import { FileKvStore } from './file-kv-store.js';
import { TcpTransport, type TransportEvent } from './tcp-transport.js';

export interface DaemonConfig {
  dataDir: string;
  /** 32-byte identity seed; when absent, read from (or created in) dataDir/identity.seed. */
  keySeed?: Uint8Array;
  gossip: { host: string; port: number };
  http: { host: string; port: number };
  peers: string[];
  tickMs: number;
  bodyLimit: number;
  log?: (line: string) => void;
}

export interface RunningDaemon {
  node: IcnNode;
  gossipPort: number;
  httpPort: number;
  stop(): Promise<void>;
}

const systemClock: Clock = { nowMs: () => Date.now() };

function loadSeed(cfg: DaemonConfig): Uint8Array {
  if (cfg.keySeed) return cfg.keySeed;
  const file = join(cfg.dataDir, 'identity.seed');
  if (existsSync(file)) return dec.bytes(readFileSync(file, 'utf8').trim());
  const seed = new Uint8Array(randomBytes(32));
  writeFileSync(file, `${enc.bytes(seed)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return seed;
}

function str(body: unknown, field: string): string {
  const v = (body as Record<string, unknown> | null)?.[field];
  if (typeof v !== 'string') throw new HttpError(400, 'HTTP_FIELD', `field "${field}" must be a string`);
  return v;
}

function int(body: unknown, field: string): number {
  const v = (body as Record<string, unknown> | null)?.[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new HttpError(400, 'HTTP_FIELD', `field "${field}" must be an integer`);
  return v;
}

function amount(v: unknown, where: string): bigint | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new HttpError(400, 'HTTP_FIELD', `${where} must be a decimal string (i64)`);
  return dec.i64(v);
}

function routes(node: IcnNode, transport: TcpTransport): Route[] {
  return [
    { method: 'GET', pattern: '/health', handler: () => ({ status: 200, body: { status: 'ok', did: node.id, peers: transport.connectedPeers() } }) },
    { method: 'GET', pattern: '/state', handler: () => ({ status: 200, body: node.state() }) },
    { method: 'GET', pattern: '/peers', handler: () => ({ status: 200, body: { peers: transport.connectedPeers() } }) },
    {
      method: 'GET',
      pattern: '/metrics',
      handler: async () => ({ status: 200, body: null, text: await node.metrics.registry.metrics(), contentType: node.metrics.registry.contentType }),
    },
    {
      method: 'POST',
      pattern: '/trust',
      handler: (r) => ({ status: 200, body: node.attest(str(r.body, 'to'), int(r.body, 'scorePpm')) }),
    },
    {
      method: 'POST',
      pattern: '/ledger/entries',
      handler: (r) => {
        const b = r.body as { accounts?: unknown; contract_ref?: unknown; nonce?: unknown };
        if (!Array.isArray(b?.accounts)) throw new HttpError(400, 'HTTP_FIELD', 'field "accounts" must be an array');
        const accounts = b.accounts.map((a: Record<string, unknown>, i: number) => ({
          account_id: str(a, 'account_id'),
          currency: str(a, 'currency'),
          debit: amount(a?.debit, `accounts[${i}].debit`),
          credit: amount(a?.credit, `accounts[${i}].credit`),
        }));
        const entry = node.submitLedgerEntry({ accounts, contract_ref: typeof b.contract_ref === 'string' ? b.contract_ref : null, nonce: typeof b.nonce === 'string' ? b.nonce : null });
        return { status: 200, body: JSON.parse(JSON.stringify(entry, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) };
      },
    },
  ];
}

export async function startDaemon(cfg: DaemonConfig): Promise<RunningDaemon> {
  const log = cfg.log ?? (() => {});
  mkdirSync(cfg.dataDir, { recursive: true });
  const keypair = Keypair.fromSeed(loadSeed(cfg));
  const storage = new FileKvStore(join(cfg.dataDir, 'state.log'));
  if (storage.openReport.truncatedBytes > 0) log(`storage: cut a torn tail of ${storage.openReport.truncatedBytes} bytes`);
  let node: IcnNode | undefined;
  const transport = new TcpTransport({
    keypair,
    host: cfg.gossip.host,
    port: cfg.gossip.port,
    peers: cfg.peers.map((address) => ({ address })),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    onMessage: (from, m) => node?.receive(from, m),
    onEvent: (e: TransportEvent) => {
      log(`transport: ${e.type} ${'did' in e ? e.did : ''} ${'reason' in e ? e.reason : ''}`.trim());
      if (e.type === 'peer-up' && node) {
        node.gossip.setPeers(transport.connectedPeers());
        node.tick();
      }
      if (e.type === 'peer-down' && node) node.gossip.setPeers(transport.connectedPeers());
    },
  });
  const seed = BigInt(`0x${enc.bytes(new Uint8Array(randomBytes(8)))}`);
  node = new IcnNode({ keypair, clock: systemClock, rng: Rng.root(seed), transport, storage, restore: true });
  const gossipPort = await transport.start();
  const http: Server = createApiServer(routes(node, transport), { bodyLimit: cfg.bodyLimit, onError: (e) => log(`http: internal error: ${(e as Error).stack ?? e}`) });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(cfg.http.port, cfg.http.host, () => resolve());
  });
  const addr = http.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : cfg.http.port;
  const timer = setInterval(() => {
    try {
      node!.tick();
    } catch (e) {
      log(`tick: ${(e as Error).message}`);
    }
  }, cfg.tickMs);
  log(`listening did=${node.id} gossip=${cfg.gossip.host}:${gossipPort} http=${cfg.http.host}:${httpPort}`);
  let stopped = false;
  return {
    node,
    gossipPort,
    httpPort,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections?.();
      await transport.close();
      storage.close();
      log('stopped');
    },
  };
}

export function parseHostPort(flag: string, value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new IcnError('DAEMON_CONFIG', `${flag} ${JSON.stringify(value)}: expected host:port`);
  return { host: value.slice(0, i), port };
}
