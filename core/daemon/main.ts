/**
 * The icn-node command line. Every option also reads an environment variable (containers and
 * process backends configure nodes by env). SIGTERM/SIGINT stop cleanly: the HTTP server and the
 * transport close and storage is synced before exit.
 */
import { Command, CommanderError } from 'commander';
import { dec } from '../canonical/index.js';
import { IcnError } from '../errors.js';
import { parseGossipTuning, parseHostPort, startDaemon, type DaemonConfig } from './daemon.js';
import { parseTransportLimits, TRANSPORT_LIMITS } from './tcp-transport.js';

interface NodeOptions {
  dataDir: string;
  keySeed?: string;
  gossip: string;
  http: string;
  peer: string[];
  tickMs: string;
  linkTimeoutMs: string;
  bodyLimit: string;
  clock: string;
  admin: boolean;
  defaultCreditLimit?: string;
  gossipConfig?: string;
  repair: boolean;
  transportLimits?: string;
  logLevel: string;
  httpMaxConnections: string;
}

type Env = NodeJS.ProcessEnv;

/** Identity, addresses and timing (the options' order is --help's order). */
function addNetworkOptions(program: Command, env: Env): Command {
  return program
    .option(
      '--data-dir <dir>',
      'state and identity directory [ICN_NODE_DATA_DIR]',
      env.ICN_NODE_DATA_DIR ?? './icn-node-data',
    )
    .option(
      '--key-seed <hex>',
      '32-byte identity seed as hex (default: dataDir/identity.seed, created once) [ICN_NODE_KEY_SEED]',
      env.ICN_NODE_KEY_SEED,
    )
    .option(
      '--gossip <host:port>',
      'gossip listen address [ICN_NODE_GOSSIP]',
      env.ICN_NODE_GOSSIP ?? '127.0.0.1:7070',
    )
    .option(
      '--http <host:port>',
      'HTTP API listen address [ICN_NODE_HTTP]',
      env.ICN_NODE_HTTP ?? '127.0.0.1:7071',
    )
    .option(
      '--peer <host:port...>',
      'peers to dial (repeatable) [ICN_NODE_PEERS, comma-separated]',
      env.ICN_NODE_PEERS ? env.ICN_NODE_PEERS.split(',').filter(Boolean) : [],
    )
    .option(
      '--tick-ms <n>',
      'anti-entropy and sync period [ICN_NODE_TICK_MS]',
      env.ICN_NODE_TICK_MS ?? '200',
    )
    .option(
      '--link-timeout-ms <n>',
      'drop a gossip link that carried nothing for this long; live links are pinged (0: off) [ICN_NODE_LINK_TIMEOUT_MS]',
      env.ICN_NODE_LINK_TIMEOUT_MS ?? '5000',
    )
    .option(
      '--body-limit <bytes>',
      'largest accepted HTTP body [ICN_NODE_BODY_LIMIT]',
      env.ICN_NODE_BODY_LIMIT ?? '1048576',
    );
}

/** Ledger, gossip, storage and HTTP limits, and logging. */
function addPolicyOptions(program: Command, env: Env): Command {
  return program
    .option(
      '--clock <mode>',
      'system | request (step requests carry `at` ms and are stamped with it: scenario drivers) [ICN_NODE_CLOCK]',
      env.ICN_NODE_CLOCK ?? 'system',
    )
    .option(
      '--admin',
      'enable /admin routes (link cuts for partition tests) [ICN_NODE_ADMIN=1]',
      env.ICN_NODE_ADMIN === '1',
    )
    .option(
      '--default-credit-limit <i64>',
      'ledger credit limit of accounts without an explicit one (decimal) [ICN_NODE_DEFAULT_CREDIT_LIMIT]',
      env.ICN_NODE_DEFAULT_CREDIT_LIMIT,
    )
    .option(
      '--gossip-config <json>',
      'gossip knobs as JSON: {fanout, digestFanout, topics: {<topic>: {maxEntries, maxDataBytes, minAuthorTrustPpm, perAuthorPerWindow, windowMs}}}; every node of a network needs the same topic limits [ICN_NODE_GOSSIP_CONFIG]',
      env.ICN_NODE_GOSSIP_CONFIG,
    )
    .option(
      '--repair',
      'storage: move a damaged log tail aside (state.log.damaged-<offset>) and start, instead of refusing [ICN_NODE_REPAIR=1]',
      env.ICN_NODE_REPAIR === '1',
    )
    .option(
      '--transport-limits <json>',
      `peer transport limits as JSON, any of ${JSON.stringify(TRANSPORT_LIMITS)} (the defaults) [ICN_NODE_TRANSPORT_LIMITS]`,
      env.ICN_NODE_TRANSPORT_LIMITS,
    )
    .option(
      '--http-max-connections <n>',
      'open HTTP connections at once; more are closed on accept [ICN_NODE_HTTP_MAX_CONNECTIONS]',
      env.ICN_NODE_HTTP_MAX_CONNECTIONS ?? '1024',
    )
    .option(
      '--log-level <level>',
      'info | debug (debug adds client disconnects and refused gossip connections) [ICN_NODE_LOG_LEVEL]',
      env.ICN_NODE_LOG_LEVEL ?? 'info',
    );
}

/** Checks the options and builds the daemon's config; throws DAEMON_CONFIG on a bad value. */
function daemonConfig(o: NodeOptions): DaemonConfig {
  const tickMs = Number(o.tickMs);
  const bodyLimit = Number(o.bodyLimit);
  if (!Number.isInteger(tickMs) || tickMs < 10)
    throw new IcnError('DAEMON_CONFIG', `--tick-ms ${o.tickMs}: an integer ≥ 10`);
  const linkTimeoutMs = Number(o.linkTimeoutMs);
  if (!Number.isInteger(linkTimeoutMs) || (linkTimeoutMs !== 0 && linkTimeoutMs < 100))
    throw new IcnError(
      'DAEMON_CONFIG',
      `--link-timeout-ms ${o.linkTimeoutMs}: 0 or an integer ≥ 100`,
    );
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024)
    throw new IcnError('DAEMON_CONFIG', `--body-limit ${o.bodyLimit}: an integer ≥ 1024`);
  const httpMaxConnections = Number(o.httpMaxConnections);
  if (!Number.isInteger(httpMaxConnections) || httpMaxConnections < 1)
    throw new IcnError(
      'DAEMON_CONFIG',
      `--http-max-connections ${o.httpMaxConnections}: an integer ≥ 1`,
    );
  if (o.logLevel !== 'info' && o.logLevel !== 'debug')
    throw new IcnError('DAEMON_CONFIG', `--log-level ${o.logLevel}: info or debug`);
  if (o.clock !== 'system' && o.clock !== 'request')
    throw new IcnError('DAEMON_CONFIG', `--clock ${o.clock}: system or request`);
  const keySeed = o.keySeed ? dec.bytes(o.keySeed) : undefined;
  if (keySeed && keySeed.length !== 32)
    throw new IcnError('DAEMON_CONFIG', '--key-seed: 32 bytes (64 hex characters)');
  for (const p of o.peer) parseHostPort('--peer', p);
  return {
    dataDir: o.dataDir,
    keySeed,
    gossip: parseHostPort('--gossip', o.gossip),
    http: parseHostPort('--http', o.http),
    peers: o.peer,
    tickMs,
    linkTimeoutMs,
    bodyLimit,
    clock: o.clock,
    admin: o.admin,
    ...(o.defaultCreditLimit !== undefined
      ? { defaultCreditLimit: dec.i64(o.defaultCreditLimit) }
      : {}),
    ...(o.gossipConfig !== undefined ? { gossipTuning: parseGossipTuning(o.gossipConfig) } : {}),
    repair: o.repair,
    httpMaxConnections,
    ...(o.transportLimits !== undefined
      ? { transportLimits: parseTransportLimits(o.transportLimits) }
      : {}),
    log: (line) => process.stdout.write(`${line}\n`),
    ...(o.logLevel === 'debug'
      ? { debug: (line: string) => process.stdout.write(`debug: ${line}\n`) }
      : {}),
  };
}

export async function main(argv: string[]): Promise<void> {
  const env = process.env;
  const base = new Command()
    .name('icn-node')
    .description(
      'Run one ICN node: gossip over TCP, HTTP control API, Prometheus /metrics, durable state.',
    );
  const program = addPolicyOptions(addNetworkOptions(base, env), env).exitOverride();
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    throw e;
  }
  const o = program.opts<NodeOptions>();
  try {
    const d = await startDaemon(daemonConfig(o));
    const stop = async (sig: string) => {
      process.stdout.write(`received ${sig}, stopping\n`);
      await d.stop();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  } catch (e) {
    if (e instanceof IcnError) {
      process.stderr.write(`icn-node: error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}
