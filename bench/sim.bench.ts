/**
 * Simulator cost (tinybench). Figures are reported as ratios against baselines measured in the
 * same run, never as absolute thresholds:
 *
 *  - baseline A: one Ed25519 sign + verify of a gossip-sized message (@noble/curves, what every
 *    gossip message costs its sender and receiver);
 *  - baseline B: the bare event loop (the same simulator with processes that do nothing but
 *    bounce messages), in events per second.
 *
 * Then a deployment scenario (every node trusts node 0, node 0 deploys Calculator, run until
 * every node has it and all state roots agree) at 10, 100 and 500 nodes: wall time, steps,
 * messages, events/s, virtual time to converge, and growth from one size to the next.
 *
 *   npm run bench:sim [-- --quick] [-- --max-nodes 100] [-- --json]
 */
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { canonicalString } from '../core/canonical/index.js';
import { Keypair, verifyRaw } from '../core/identity/index.js';
import { DOMAIN, type Hash } from '../core/hash/index.js';
import { NO_FAULTS, parseFaults } from '../harness/sim/faults.js';
import { checkScenario, runScenario } from '../harness/sim/scenario.js';
import { Simulator, type ProcessContext, type SimProcess } from '../harness/sim/simulator.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const maxArg = process.argv.indexOf('--max-nodes');
const maxNodes = maxArg > 0 ? Number(process.argv[maxArg + 1]) : quick ? 100 : 500;
const repoRoot = join(import.meta.dirname, '..', '..');

async function baselineCrypto(): Promise<number> {
  const kp = Keypair.fromSeed(new Uint8Array(32).fill(3));
  const msg = {
    version: 'icn-gossip-msg/v1',
    from: kp.did.toString(),
    to: kp.did.toString(),
    seq: 1,
    body: { type: 'announce', topic: 'contracts:deploy', hashes: ['sha256:' + '0'.repeat(64)] },
  };
  const bench = new Bench({ time: quick ? 300 : 1000 });
  // verifyRaw over the signing bytes: a full check (verifySignature would answer from the memo
  // Keypair.sign fills, which is what a simulation gets, but not what the baseline measures).
  const signed = new TextEncoder().encode(`${DOMAIN.gossipMessage}\u0000${canonicalString(msg)}`);
  bench.add('ed25519 sign + verify (gossip message)', () => {
    const sig = kp.sign(DOMAIN.gossipMessage, msg);
    if (!verifyRaw(kp.publicKey, signed, Buffer.from(sig, 'hex'))) throw new Error('verify failed');
  });
  await bench.run();
  const t = bench.tasks[0]!.result as { latency?: { p50?: number; mean?: number } } | undefined;
  return t?.latency?.p50 ?? t?.latency?.mean ?? NaN; // ms
}

/** Bare event loop: n processes, each tick sends one message to a random peer. */
function bareLoop(n: number, untilMs: number): { events: number; ms: number } {
  class Echo implements SimProcess {
    constructor(private readonly ctx: ProcessContext) {}
    get id(): string {
      return this.ctx.keypair.did.toString();
    }
    receive(): void {}
    tick(): void {
      this.ctx.transport.send(this.ctx.rng.pick(this.ctx.peers), { n: 1 });
    }
    stateRoot(): Hash {
      return 'sha256:0000000000000000000000000000000000000000000000000000000000000000';
    }
  }
  const sim = new Simulator({
    seed: 1n,
    nodes: n,
    faults: { ...NO_FAULTS, ...parseFaults('loss=10%,delay=1-50') },
    create: (ctx) => new Echo(ctx),
    tickIntervalMs: 10,
    fingerprint: () => 'x',
    checkpointEvery: 1 << 30,
  });
  const t0 = performance.now();
  sim.runUntil(untilMs);
  return { events: sim.stats.steps, ms: performance.now() - t0 };
}

function deploymentDef(n: number) {
  return checkScenario(
    {
      format: 'icn-scenario/v1',
      name: `bench-deploy-${n}`,
      description: 'bench: every node trusts node 0; node 0 deploys Calculator',
      nodes: n,
      faults: 'loss=1%,delay=1-50',
      tickIntervalMs: 500,
      horizonMs: 120_000,
      steps: [
        { at: 0, do: 'attest_node', node: 0, score: '0.8' },
        { at: 1000, do: 'deploy', node: 0, contract: 'calculator' },
      ],
      expect: [
        { check: 'installed', contract: 'calculator', equals: true },
        { check: 'converged' },
      ],
    },
    'bench',
  );
}

interface Row {
  nodes: number;
  wallMs: number;
  steps: number;
  sent: number;
  eventsPerSec: number;
  convergedAtMs: number | null;
  ok: boolean;
  perNodeMs: number;
  cryptoUnits: number;
}

const cryptoMs = await baselineCrypto();
const bare = bareLoop(100, quick ? 2000 : 10_000);
const bareRate = (bare.events / bare.ms) * 1000;
const rows: Row[] = [];
for (const n of [10, 100, 500].filter((x) => x <= maxNodes)) {
  const t0 = performance.now();
  const r = await runScenario(deploymentDef(n), { seed: 1n, repoRoot });
  const wallMs = performance.now() - t0;
  rows.push({
    nodes: n,
    wallMs,
    steps: r.stats.steps,
    sent: r.stats.sent,
    eventsPerSec: (r.stats.steps / wallMs) * 1000,
    convergedAtMs: r.convergedAtMs,
    ok: r.ok,
    perNodeMs: wallMs / n,
    cryptoUnits: wallMs / cryptoMs,
  });
}

if (asJson) {
  process.stdout.write(
    `${JSON.stringify({ cryptoMs, bare: { events: bare.events, ms: bare.ms, eventsPerSec: bareRate }, rows }, null, 2)}\n`,
  );
} else {
  const f = (x: number, d = 0) => x.toFixed(d);
  console.log(
    `baseline A: Ed25519 sign+verify of one gossip message = ${f(cryptoMs, 3)} ms (median)`,
  );
  console.log(
    `baseline B: bare event loop, 100 nodes = ${f(bareRate)} events/s (${bare.events} events in ${f(bare.ms)} ms)`,
  );
  console.log('');
  console.log(
    'deployment (attest node 0, deploy Calculator, until every node has it and all roots agree):',
  );
  console.log(
    'nodes | wall ms | steps | msgs sent | events/s | events/s ÷ bare | wall ÷ sign+verify | converged (virtual) | checks',
  );
  let prev: Row | undefined;
  for (const r of rows) {
    console.log(
      `${r.nodes} | ${f(r.wallMs)} | ${r.steps} | ${r.sent} | ${f(r.eventsPerSec)} | ${f(r.eventsPerSec / bareRate, 4)} | ${f(r.cryptoUnits)} | ${r.convergedAtMs ?? 'never'} ms | ${r.ok ? 'pass' : 'FAIL'}${prev ? ` | ×${f(r.wallMs / prev.wallMs, 1)} wall for ×${r.nodes / prev.nodes} nodes` : ''}`,
    );
    prev = r;
  }
}
