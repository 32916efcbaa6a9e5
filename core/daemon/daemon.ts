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
import { IcnNode, NodeContracts } from '../node/index.js';
import { ManualClock, Rng, type Clock } from '../runtime/index.js';
import { Did } from '../identity/index.js';
import { TOPICS, type GossipOptions, type Topic } from '../gossip/index.js';
import { Counter, Gauge } from 'prom-client';
import { DAEMON_CONTRACT_CONFIG, DaemonContracts, type Stepper } from './contract-service.js';
import { createApiServer, HttpError, type Route } from './http-api.js';
import { FileKvStore } from './file-kv-store.js';
import { NODE_VERSION } from './version.js';
import { isHash } from '../hash/index.js';
import { GroupCommit } from './group-commit.js';
import { flagError, parseJsonObjectFlag } from './json-flag.js';
import { TcpTransport, type TransportEvent, type TransportLimits } from './tcp-transport.js';

export interface DaemonConfig {
  dataDir: string;
  /** 32-byte identity seed; when absent, read from (or created in) dataDir/identity.seed. */
  keySeed?: Uint8Array;
  gossip: { host: string; port: number };
  http: { host: string; port: number };
  peers: string[];
  tickMs: number;
  bodyLimit: number;
  /** Drop a gossip link silent for this long (transport pings keep live ones up; default 5000, 0 off). */
  linkTimeoutMs?: number;
  /**
   * `system` (default): wall time. `request`: step requests (trust, ledger entries, publish) must
   * carry `at` (integer ms) and everything the node signs while handling one is stamped with it,
   * so a driver (the scenario process backend) reproduces the simulator's timestamps exactly.
   */
  clock?: 'system' | 'request';
  /** Enable /admin/* (link cuts for partitions). Off by default: a test-network control. */
  admin?: boolean;
  /** Ledger credit limit of accounts without an explicit one (default 0, the ledger's). */
  defaultCreditLimit?: bigint;
  /** Gossip knobs: fanout, digestFanout, per-topic limits (a scenario's `gossip`; see parseGossipTuning). */
  gossipTuning?: GossipTuning;
  /** Move a damaged storage tail aside (`state.log.damaged-<offset>`) instead of refusing to start. */
  repair?: boolean;
  /** Open HTTP connections at once (default 1024; `--http-max-connections`). */
  httpMaxConnections?: number;
  /** Peer transport limits (defaults: TRANSPORT_LIMITS; `--transport-limits`). */
  transportLimits?: TransportLimits;
  log?: (line: string) => void;
  /** Debug lines (client disconnects, refused junk connections); dropped when absent. */
  debug?: (line: string) => void;
}

export interface RunningDaemon {
  node: IcnNode;
  gossipPort: number;
  httpPort: number;
  stop(): Promise<void>;
}

const systemClock: Clock = { nowMs: () => Date.now() };

/**
 * The `--clock request` clock: a ManualClock set from each step request's `at` (monotonic per
 * process: a step earlier than the last one is refused) and read while that step runs. Between
 * steps the node reads wall time: a clock frozen at the last step would stop gossip's request
 * timeouts from ever expiring, and nothing LC is stamped outside steps.
 */
export class RequestClock implements Clock {
  private readonly manual = new ManualClock(0);
  private inStep = false;
  nowMs(): number {
    return this.inStep ? this.manual.nowMs() : Date.now();
  }
  /** The `at` of the last step (0 before any). */
  nowStepFloor(): number {
    return this.manual.nowMs();
  }
  step<T>(at: number, f: () => T): T {
    this.manual.set(at);
    this.inStep = true;
    try {
      return f();
    } finally {
      this.inStep = false;
    }
  }
}

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
  if (typeof v !== 'string')
    throw new HttpError(400, 'HTTP_FIELD', `field "${field}" must be a string`);
  return v;
}

function int(body: unknown, field: string): number {
  const v = (body as Record<string, unknown> | null)?.[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new HttpError(400, 'HTTP_FIELD', `field "${field}" must be an integer`);
  return v;
}

function amount(v: unknown, where: string): bigint | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string')
    throw new HttpError(400, 'HTTP_FIELD', `${where} must be a decimal string (i64)`);
  return dec.i64(v);
}

/** Run a step at its `at` (request clock) or now (system clock); `at` is refused without --clock request. */
function stepper(clock: Clock): Stepper {
  return <T>(body: unknown, f: () => T): T => {
    const has = (body as Record<string, unknown> | null)?.at !== undefined;
    if (!(clock instanceof RequestClock)) {
      if (has)
        throw new HttpError(
          400,
          'HTTP_FIELD',
          'field "at" is only accepted by a node started with --clock request',
        );
      return f();
    }
    const at = int(body, 'at');
    if (at < 0) throw new HttpError(400, 'HTTP_FIELD', 'field "at" must be ≥ 0');
    if (at < clock.nowStepFloor())
      throw new HttpError(
        409,
        'HTTP_CLOCK_BACKWARDS',
        `step at ${at} is earlier than the previous step at ${clock.nowStepFloor()}`,
      );
    return clock.step(at, f);
  };
}

/** A JSON-safe copy of `v` (bigints as decimal strings). */
const toJson = (v: unknown) =>
  JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))) as unknown;

function routes(
  node: IcnNode,
  transport: TcpTransport,
  clock: Clock,
  admin: boolean,
  contracts: DaemonContracts,
  configuredPeers: readonly string[],
): Route[] {
  const step = stepper(clock);
  return [
    ...statusRoutes(node, transport, contracts, configuredPeers),
    ...writeRoutes(node, step),
    ...ledgerReadRoutes(node),
    ...adminRoutes(node, transport, admin),
    ...contracts.routes(step),
  ];
}

/** Health, state, peers, status and metrics: read-only views of the node. */
function statusRoutes(
  node: IcnNode,
  transport: TcpTransport,
  contracts: DaemonContracts,
  configuredPeers: readonly string[],
): Route[] {
  const health = () => ({ status: 'ok', did: node.id, peers: transport.connectedPeers() });
  return [
    { method: 'GET', pattern: '/health', handler: () => ({ status: 200, body: health() }) },
    { method: 'GET', pattern: '/state', handler: () => ({ status: 200, body: node.state() }) },
    {
      method: 'GET',
      pattern: '/peers',
      handler: () => ({ status: 200, body: { peers: transport.connectedPeers() } }),
    },
    {
      method: 'GET',
      pattern: '/status',
      handler: () => ({
        status: 200,
        body: nodeStatus(node, transport, configuredPeers, contracts),
      }),
    },
    {
      method: 'GET',
      pattern: '/metrics',
      handler: async () => ({
        status: 200,
        body: null,
        text: await node.metrics.registry.metrics(),
        contentType: node.metrics.registry.contentType,
      }),
    },
  ];
}

/** Steps a request drives: attest, submit a ledger entry, publish. */
function writeRoutes(node: IcnNode, step: Stepper): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/trust',
      handler: (r) => {
        const to = str(r.body, 'to');
        const score = int(r.body, 'scorePpm');
        return { status: 200, body: step(r.body, () => node.attest(to, score)) };
      },
    },
    {
      method: 'POST',
      pattern: '/ledger/entries',
      handler: (r) => ({ status: 200, body: toJson(submitEntry(node, step, r.body)) }),
    },
    {
      method: 'POST',
      pattern: '/publish',
      handler: (r) => {
        const topic = str(r.body, 'topic');
        if (!(TOPICS as readonly string[]).includes(topic)) {
          const known = TOPICS.join(', ');
          throw new HttpError(
            400,
            'HTTP_FIELD',
            `topic ${JSON.stringify(topic)} is not declared (${known})`,
          );
        }
        const data = (r.body as Record<string, unknown>).data;
        if (data === undefined) throw new HttpError(400, 'HTTP_FIELD', 'field "data" is required');
        const published = step(r.body, () => node.publish(topic as Topic, data));
        return { status: 200, body: toJson(published) };
      },
    },
  ];
}

/** `POST /ledger/entries`: the body's accounts (and parents, if any) as one ledger entry. */
function submitEntry(node: IcnNode, step: Stepper, body: unknown): unknown {
  type EntryBody = {
    accounts?: unknown;
    contract_ref?: unknown;
    nonce?: unknown;
    parents?: unknown;
  };
  const b = body as EntryBody;
  if (!Array.isArray(b?.accounts))
    throw new HttpError(400, 'HTTP_FIELD', 'field "accounts" must be an array');
  const accounts = b.accounts.map((a: Record<string, unknown>, i: number) => ({
    account_id: str(a, 'account_id'),
    currency: str(a, 'currency'),
    debit: amount(a?.debit, `accounts[${i}].debit`),
    credit: amount(a?.credit, `accounts[${i}].credit`),
  }));
  // Explicit parents (entry ids) let a driver reproduce another run's DAG; default: this node's
  // heads.
  const ids = (v: unknown) => Array.isArray(v) && v.every((p) => typeof p === 'string');
  if (b.parents !== undefined && !ids(b.parents))
    throw new HttpError(400, 'HTTP_FIELD', 'field "parents" must be an array of entry ids');
  const parents = (b.parents as string[] | undefined) ?? node.ledger.heads();
  return step(body, () =>
    node.submitLedgerEntry({
      accounts,
      contract_ref: typeof b.contract_ref === 'string' ? b.contract_ref : null,
      nonce: typeof b.nonce === 'string' ? b.nonce : null,
      parents: parents as never,
    }),
  );
}

/** The ledger's heads and one entry by id. */
function ledgerReadRoutes(node: IcnNode): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/ledger/heads',
      handler: () => ({ status: 200, body: { heads: [...node.ledger.heads()].sort() } }),
    },
    {
      method: 'GET',
      pattern: '/ledger/entries/:id',
      handler: (r) => {
        const id = r.params.id!;
        if (!isHash(id)) {
          const shown = JSON.stringify(id.slice(0, 80));
          throw new HttpError(
            400,
            'HTTP_FIELD',
            `path parameter ${shown} is not an entry id (sha256:<64 hex>)`,
          );
        }
        const entry = node.ledger.get(id);
        if (!entry)
          throw new HttpError(404, 'LEDGER_ENTRY_NOT_FOUND', `no ledger entry ${id} on this node`);
        return { status: 200, body: { id, present: true, entry: toJson(entry) } };
      },
    },
  ];
}

/** `/admin/links`: read and set the cut links (partition tests); only with --admin. */
function adminRoutes(node: IcnNode, transport: TcpTransport, admin: boolean): Route[] {
  const guard = () => {
    if (!admin)
      throw new HttpError(403, 'HTTP_FORBIDDEN', '/admin routes need a node started with --admin');
  };
  return [
    {
      method: 'GET',
      pattern: '/admin/links',
      handler: () => {
        guard();
        return { status: 200, body: { block: transport.blockedPeers() } };
      },
    },
    {
      method: 'POST',
      pattern: '/admin/links',
      handler: (r) => {
        guard();
        const list = (r.body as Record<string, unknown> | null)?.block;
        if (!Array.isArray(list) || !list.every((d) => typeof d === 'string'))
          throw new HttpError(400, 'HTTP_FIELD', 'field "block" must be an array of DIDs');
        const dids = (list as string[]).map((d) => Did.parse(d).toString());
        transport.setBlocked(dids);
        node.gossip.setPeers(transport.connectedPeers());
        node.tick();
        return { status: 200, body: { block: transport.blockedPeers() } };
      },
    },
  ];
}

/**
 * `GET /status`: what an operator asks first (icnctl status). The node's DID and version, its
 * links (authenticated peers, who dialed, silence in ms, cut or not) and the addresses it was
 * told to dial, gossip entries per topic, the state root with its component roots, and counts.
 */
function nodeStatus(
  node: IcnNode,
  transport: TcpTransport,
  configuredPeers: readonly string[],
  contracts: DaemonContracts,
): unknown {
  const state = node.state();
  const topics: Record<string, number> = {};
  for (const t of TOPICS) topics[t] = node.gossip.entries(t).length;
  return {
    did: node.id,
    version: NODE_VERSION,
    stateRoot: state.root,
    stateRootVersion: state.version,
    components: Object.fromEntries(state.components.map((c) => [c.name, c.root])),
    links: transport.links(),
    dialing: [...configuredPeers],
    topics,
    ledger: { entries: node.ledger.size, heads: [...node.ledger.heads()].sort() },
    contracts: contracts.contracts.installedCodeHashes().length,
    receipts: contracts.receiptCount(),
  };
}

export type GossipTuning = Pick<GossipOptions, 'fanout' | 'digestFanout' | 'topics'>;

const TOPIC_FIELDS = [
  'maxEntries',
  'maxDataBytes',
  'minAuthorTrustPpm',
  'perAuthorPerWindow',
  'windowMs',
];

/**
 * `--gossip-config` JSON: `{fanout?, digestFanout?, topics?: {<topic>: {maxEntries?, maxDataBytes?,
 * minAuthorTrustPpm?, perAuthorPerWindow?, windowMs?}}}` (non-negative integers; unknown keys refused).
 * Every node of a network needs the same topic limits, or their stores (and roots) differ.
 */
export function parseGossipTuning(text: string): GossipTuning {
  const bad = (why: string): never => {
    throw flagError('--gossip-config', why);
  };
  const o = parseJsonObjectFlag('--gossip-config', text);
  const nat = (v: unknown, where: string, min = 0): number =>
    Number.isSafeInteger(v) && (v as number) >= min
      ? (v as number)
      : bad(`${where}: an integer ≥ ${min}`);
  const out: { -readonly [K in keyof GossipTuning]: GossipTuning[K] } = {};
  for (const k of Object.keys(o)) {
    if (k === 'fanout' || k === 'digestFanout') out[k] = nat(o[k], k, 1);
    else if (k === 'topics') {
      const t = o.topics as Record<string, Record<string, unknown>>;
      if (typeof t !== 'object' || t === null || Array.isArray(t))
        bad('topics: an object by topic');
      const topics: Record<string, Record<string, number>> = {};
      for (const [name, cfg] of Object.entries(t)) {
        if (!(TOPICS as readonly string[]).includes(name))
          bad(`topics: ${JSON.stringify(name)} is not a topic (${TOPICS.join(', ')})`);
        if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg))
          bad(`topics.${name}: an object`);
        topics[name] = {};
        for (const [f, v] of Object.entries(cfg)) {
          if (!TOPIC_FIELDS.includes(f))
            bad(`topics.${name}.${f}: unknown (${TOPIC_FIELDS.join(', ')})`);
          topics[name][f] = nat(v, `topics.${name}.${f}`);
        }
      }
      out.topics = topics as GossipTuning['topics'];
    } else bad(`unknown key ${JSON.stringify(k)} (fanout, digestFanout, topics)`);
  }
  return out;
}

type Log = (line: string) => void;

/** The gossip transport; its messages and peer events go to the node once there is one. */
function makeTransport(
  cfg: DaemonConfig,
  keypair: Keypair,
  nodeRef: () => IcnNode | undefined,
  log: Log,
  debug: Log,
): TcpTransport {
  const transport: TcpTransport = new TcpTransport({
    keypair,
    host: cfg.gossip.host,
    port: cfg.gossip.port,
    peers: cfg.peers.map((address) => ({ address })),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    ...(cfg.linkTimeoutMs !== undefined ? { linkTimeoutMs: cfg.linkTimeoutMs } : {}),
    ...cfg.transportLimits,
    onMessage: (from, m) => nodeRef()?.receive(from, m),
    onEvent: (e: TransportEvent) => {
      // Junk connections are refused by the thousand under a flood: debug, and counted in metrics.
      if (e.type === 'refused') return debug(`transport: refused ${e.address} ${e.reason}`);
      log(
        `transport: ${e.type} ${'did' in e ? e.did : ''} ${'reason' in e ? e.reason : ''}`.trim(),
      );
      const node = nodeRef();
      if (e.type === 'peer-up' && node) {
        node.gossip.setPeers(transport.connectedPeers());
        node.tick();
      }
      if (e.type === 'peer-down' && node) node.gossip.setPeers(transport.connectedPeers());
    },
  });
  return transport;
}

/** The node over the group-committed store (closes the storage if the node refuses it). */
function makeNode(
  cfg: DaemonConfig,
  keypair: Keypair,
  clock: Clock,
  gc: GroupCommit,
  storage: FileKvStore,
): IcnNode {
  const seed = BigInt(`0x${enc.bytes(new Uint8Array(randomBytes(8)))}`);
  try {
    return new IcnNode({
      keypair,
      clock,
      rng: Rng.root(seed),
      transport: gc.transport,
      storage: gc.store,
      restore: true,
      ...(cfg.gossipTuning ? { gossip: cfg.gossipTuning } : {}),
      ...(cfg.defaultCreditLimit !== undefined
        ? { defaultCreditLimit: cfg.defaultCreditLimit }
        : {}),
    });
  } catch (e) {
    storage.close();
    // The node refuses admission settings stricter than those its state was accepted under.
    if (e instanceof IcnError && e.code === 'NODE_CONFIG_DISCARDS_STATE')
      throw new IcnError(
        e.code,
        `--gossip-config: ${e.message} (data dir ${cfg.dataDir})`,
        e.details,
      );
    throw e;
  }
}

/**
 * The contract components (contracts, installations, contract_states) as every core node has
 * them: without the registry the node's state root differs from the simulator's even with no
 * contract deployed (an empty registry's component roots are not emptyComponentRoot's).
 */
function makeContracts(node: IcnNode, gc: GroupCommit, log: Log): DaemonContracts {
  const contracts = new DaemonContracts(
    node,
    new NodeContracts(node, { config: DAEMON_CONTRACT_CONFIG }),
    gc.store,
    gc.batcher(),
  );
  const restored = contracts.restore();
  if (restored.loaded) log(`contracts: ${restored.loaded} logged execution(s) (receipts)`);
  for (const d of restored.unreadable) log(`contracts: unreadable execution log record ${d}`);
  return contracts;
}

/** The HTTP API server with its request metrics (not listening yet). */
function makeHttp(cfg: DaemonConfig, node: IcnNode, rs: Route[], log: Log, debug: Log): Server {
  const httpRequests = new Counter({
    name: 'icn_http_requests_total',
    help: 'HTTP API requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [node.metrics.registry],
  });
  const httpAborted = new Counter({
    name: 'icn_http_aborted_total',
    help: 'HTTP requests whose client closed the connection before the answer, by method and route',
    labelNames: ['method', 'route'] as const,
    registers: [node.metrics.registry],
  });
  return createApiServer(rs, {
    bodyLimit: cfg.bodyLimit,
    ...(cfg.httpMaxConnections !== undefined ? { maxConnections: cfg.httpMaxConnections } : {}),
    onError: (e) => log(`http: internal error: ${(e as Error).stack ?? e}`),
    onResponse: (method, route, status) =>
      httpRequests.inc({ method, route, status: String(status) }),
    onAborted: (method, route, why) => {
      httpAborted.inc({ method, route });
      debug(`http: client closed ${method} ${route} before the answer (${why})`);
    },
  });
}

/** Listen on --http; the bound port. */
async function listenHttp(http: Server, at: { host: string; port: number }): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(at.port, at.host, () => resolve());
  });
  const addr = http.address();
  return typeof addr === 'object' && addr ? addr.port : at.port;
}

export async function startDaemon(cfg: DaemonConfig): Promise<RunningDaemon> {
  const log = cfg.log ?? (() => {});
  const debug = cfg.debug ?? (() => {});
  try {
    mkdirSync(cfg.dataDir, { recursive: true });
  } catch (e) {
    throw storageError(cfg.dataDir, e);
  }
  const keypair = Keypair.fromSeed(loadSeed(cfg));
  const storage = openStorage(join(cfg.dataDir, 'state.log'), cfg.repair === true, log);
  let maybeNode: IcnNode | undefined;
  const transport = makeTransport(cfg, keypair, () => maybeNode, log, debug);
  const clock: Clock = cfg.clock === 'request' ? new RequestClock() : systemClock;
  // Group commit: executions in flight share one fsync; nothing leaves before it (group-commit.ts).
  const gc = new GroupCommit(storage, transport);
  const node = (maybeNode = makeNode(cfg, keypair, clock, gc, storage));
  const contracts = makeContracts(node, gc, log);
  let gossipPort: number;
  try {
    gossipPort = await transport.start();
  } catch (e) {
    await transport.close();
    storage.close();
    throw listenError('--gossip', cfg.gossip, e);
  }
  transportMetrics(transport, node);
  const http = makeHttp(
    cfg,
    node,
    answerWhenDurable(routes(node, transport, clock, cfg.admin === true, contracts, cfg.peers), gc),
    log,
    debug,
  );
  let httpPort: number;
  try {
    httpPort = await listenHttp(http, cfg.http);
  } catch (e) {
    await transport.close();
    storage.close();
    throw listenError('--http', cfg.http, e);
  }
  const timer = setInterval(() => {
    try {
      node.tick();
    } catch (e) {
      log(`tick: ${(e as Error).message}`);
    }
  }, cfg.tickMs);
  log(
    `listening did=${node.id} gossip=${cfg.gossip.host}:${gossipPort} http=${cfg.http.host}:${httpPort}`,
  );
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

/**
 * Open the state log. Damage other than a torn tail throws LOG_DAMAGED (the daemon exits 2) unless
 * `repair`; everything the open did to the file is logged.
 */
function openStorage(path: string, repair: boolean, log: (line: string) => void): FileKvStore {
  let storage: FileKvStore;
  try {
    storage = new FileKvStore(path, undefined, { repair });
  } catch (e) {
    throw storageError(path, e);
  }
  const r = storage.openReport;
  if (r.headerRewritten)
    log(
      `storage: --repair wrote the damaged format header of ${path} again (its records were intact)`,
    );
  if (r.migratedFrom)
    log(`storage: ${path} was format v${r.migratedFrom}; rewritten as v2 (${r.records} records)`);
  if (r.truncatedBytes > 0)
    log(
      `storage: cut a torn tail of ${r.truncatedBytes} bytes (an incomplete final write, never acknowledged)`,
    );
  if (r.repaired)
    log(
      `storage: --repair moved ${r.repaired.bytes} bytes from byte ${r.repaired.offset} of ${path} aside to ${r.repaired.movedTo}: ${r.repaired.intactRecords} intact record(s) plus the damaged one; they are not in this node's state`,
    );
  return storage;
}

/** A mutating request answered while a group-commit batch is held waits for that batch's sync (its own sync was deferred). */
function answerWhenDurable(rs: Route[], gc: GroupCommit): Route[] {
  return rs.map((r) => {
    if (r.method === 'GET') return r;
    return {
      ...r,
      handler: async (q) => {
        const out = await r.handler(q);
        await gc.durable();
        return out;
      },
    };
  });
}

/** The transport's holdings and refusals as gauges, read at scrape time. */
function transportMetrics(transport: TcpTransport, node: IcnNode): void {
  const gauges: [keyof ReturnType<TcpTransport['stats']>, string, string][] = [
    [
      'unauthenticated',
      'icn_transport_unauthenticated_connections',
      'Gossip connections not yet authenticated',
    ],
    ['peers', 'icn_transport_peers', 'Authenticated gossip links'],
    [
      'bufferedBytes',
      'icn_transport_buffered_bytes',
      'Bytes buffered towards unfinished frames, all connections',
    ],
    [
      'refused',
      'icn_transport_refused_total',
      'Inbound gossip connections closed on accept or after the handshake (limits)',
    ],
    [
      'dropped',
      'icn_transport_dropped_total',
      'Gossip connections dropped for a protocol error or a limit',
    ],
  ];
  for (const [field, name, help] of gauges) {
    new Gauge({
      name,
      help,
      registers: [node.metrics.registry],
      collect() {
        this.set(transport.stats()[field]);
      },
    });
  }
}

/** A file-system failure opening the data dir or its log (a directory where the log should be, a file where the data dir should be, no permission) as one line naming the path. */
function storageError(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EISDIR: 'is a directory, not a log file',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EEXIST: 'exists and is not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
  };
  return code && why[code]
    ? new IcnError('DAEMON_STORAGE', `storage ${path}: ${why[code]} (${code})`, { path, code })
    : e;
}

/** A listen failure (port in use, address not local, no permission) as a typed error naming the flag. */
function listenError(flag: string, at: { host: string; port: number }, e: unknown): IcnError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? 'the address is already in use'
      : code === 'EADDRNOTAVAIL'
        ? 'the address is not local to this machine'
        : code === 'EACCES'
          ? 'no permission to listen there'
          : (e as Error).message;
  return new IcnError(
    'DAEMON_LISTEN',
    `${flag} ${at.host}:${at.port}: cannot listen: ${why}${code ? ` (${code})` : ''}`,
    { flag, code },
  );
}

export function parseHostPort(flag: string, value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new IcnError('DAEMON_CONFIG', `${flag} ${JSON.stringify(value)}: expected host:port`);
  return { host: value.slice(0, i), port };
}
