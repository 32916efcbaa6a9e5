/**
 * Soak benchmark: state-changing contract executions against one real icn-node daemon (a child
 * process from bin/icn-node.js), driven by autocannon (a real HTTP load tool) at a fixed number of
 * requests in flight. Reports the daemon's RSS after the warm-up (default 1,000 executions) and at
 * the end (default 10,000), throughput, latency percentiles and every status seen. Nothing is
 * asserted: figures go to docs/process-backend.md with the machine's load noted.
 *
 *   npm run bench:soak -- [--total 10000] [--warmup 1000] [--in-flight 20] [--cpu-prof DIR] [--json FILE]
 *                          [--node-bin OTHER/bin/icn-node.js]   (another build of the daemon, to compare)
 *
 * Each execution is a distinct caller-signed call (`bump(1)` on a counter, unique nonce), signed
 * before the run so the load generator's own CPU is not in the figures. The daemon runs with the
 * ledger:entries per-author quota off (`perAuthorPerWindow: 0`): each execution publishes a record
 * there, and the default quota (256 per 60 s) would turn the soak into a 429 test.
 * `--cpu-prof DIR` starts the daemon with `node --cpu-prof --cpu-prof-dir DIR` (written at SIGTERM).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { valueFromJson } from '../core/ccl/index.js';
import { codeFromJson, codeHash, codeToJson } from '../core/contracts/index.js';
import { makeCall, signCall } from '../core/daemon/contract-call.js';
import { enc } from '../core/canonical/index.js';
import { Keypair } from '../core/identity/index.js';
import { allocatePort } from '../harness/backends/ports.js';

interface Args {
  total: number;
  warmup: number;
  inFlight: number;
  cpuProf?: string;
  json?: string;
  /** icn-node entry point to run (default: this checkout's bin/icn-node.js): compare two builds. */
  nodeBin?: string;
}

const USAGE = `bench:soak: state-changing executions against one icn-node daemon, driven by autocannon
  --total N        executions in all (default 10000)
  --warmup N       executions before the first RSS reading (default 1000)
  --in-flight N    connections, one request in flight each (default 20)
  --cpu-prof DIR   run the daemon under node --cpu-prof, profile written to DIR
  --json FILE      write the figures as JSON
  --node-bin FILE  another build's bin/icn-node.js (compare two builds)
exit codes: 0 figures printed, 2 bad arguments, 3 the run failed`;

class UsageError extends Error {}

function args(argv: string[]): Args {
  if (argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const a: Args = { total: 10_000, warmup: 1_000, inFlight: 20 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${k} ${v}: a positive integer`);
      i++;
      return n;
    };
    if (k === '--total') a.total = num();
    else if (k === '--warmup') a.warmup = num();
    else if (k === '--in-flight') a.inFlight = num();
    else if (k === '--cpu-prof' && v) ((a.cpuProf = v), i++);
    else if (k === '--json' && v) ((a.json = v), i++);
    else if (k === '--node-bin' && v) ((a.nodeBin = v), i++);
    else
      throw new UsageError(
        `unknown argument ${k} (--total, --warmup, --in-flight, --cpu-prof DIR, --json FILE, --node-bin FILE)`,
      );
  }
  if (a.warmup >= a.total) throw new UsageError('--warmup must be below --total');
  return a;
}

const ROOT = join(import.meta.dirname, '..', '..');
const SEED = new Uint8Array(32).fill(77);
const KP = Keypair.fromSeed(SEED);
/** contracts/counter.json: `bump(n)` adds n to `count`. */
const COUNTER = JSON.parse(
  readFileSync(new URL('../../contracts/counter.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** The daemon's resident set (VmRSS), in MiB. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The daemon's CPU time so far (user + system), ms: a figure the machine's other load does not inflate. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

async function startDaemon(cpuProf?: string, nodeBin = join(ROOT, 'bin', 'icn-node.js')) {
  const [gossip, http] = [await allocatePort(), await allocatePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'icn-soak-'));
  const flags = cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [];
  const child = spawn(
    process.execPath,
    [
      ...flags,
      nodeBin,
      '--data-dir',
      dataDir,
      '--key-seed',
      enc.bytes(SEED),
      '--gossip',
      `127.0.0.1:${gossip}`,
      '--http',
      `127.0.0.1:${http}`,
      '--gossip-config',
      JSON.stringify({ topics: { 'ledger:entries': { perAuthorPerWindow: 0 } } }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`icn-node exited with ${code} before listening: ${out}`)),
    );
  });
  child.stdout!.resume();
  return { child, url: `http://127.0.0.1:${http}` };
}

async function deployCounter(url: string): Promise<string> {
  const code = codeFromJson({
    engine: 'ccl',
    contract: { ...COUNTER, participants: [KP.did.toString()] },
  });
  const r = await fetch(`${url}/contracts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      code: codeToJson(code),
      capabilities: [{ ReadState: { keys: ['count'] } }, { WriteState: { keys: ['count'] } }],
    }),
  });
  if (r.status !== 200) throw new Error(`deploy: ${r.status} ${await r.text()}`);
  return codeHash(code);
}

interface Phase {
  executions: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  statuses: Record<string, number>;
  errors: number;
}

type Autocannon = (o: Record<string, unknown>) => Promise<{
  duration: number;
  latency: Record<string, number>;
  statusCodeStats?: Record<string, { count: number }>;
  errors: number;
  non2xx: number;
  '2xx': number;
}>;

/** One autocannon run of `bodies.length` POSTs, `inFlight` connections, one request in flight each. */
async function phase(
  url: string,
  hash: string,
  bodies: string[],
  inFlight: number,
): Promise<Phase> {
  const { default: autocannon } = (await import('autocannon' as string)) as { default: Autocannon };
  let next = 0;
  const r = await autocannon({
    url: `${url}/contracts/${hash}/execute`,
    connections: inFlight,
    pipelining: 1,
    amount: bodies.length,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          body: bodies[next++ % bodies.length],
        }),
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [s, v] of Object.entries(r.statusCodeStats ?? {})) statuses[s] = v.count;
  return {
    executions: bodies.length,
    seconds: r.duration,
    perSecond: bodies.length / r.duration,
    latencyMs: {
      p50: r.latency.p50!,
      p90: r.latency.p90!,
      p99: r.latency.p99!,
      max: r.latency.max!,
    },
    statuses,
    errors: r.errors,
  };
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const { child, url } = await startDaemon(a.cpuProf, a.nodeBin);
  try {
    const hash = await deployCounter(url);
    const now = BigInt(Date.now());
    // Calls name their executor (one effect per signed call): this daemon's DID.
    const executor = ((await (await fetch(`${url}/health`)).json()) as { did: string }).did;
    const bodies = Array.from({ length: a.total }, (_, i) =>
      JSON.stringify(
        signCall(
          makeCall({
            codeHash: hash as never,
            rule: 'bump',
            args: [valueFromJson({ Int: 1 })],
            caller: KP.did.toString(),
            executor,
            timestamp: now,
            nonce: `soak-${i}`,
          }),
          KP,
        ),
      ),
    );
    const rss0 = rssMiB(child.pid!);
    const cpu0 = cpuMs(child.pid!);
    const warm = await phase(url, hash, bodies.slice(0, a.warmup), a.inFlight);
    const rssWarm = rssMiB(child.pid!);
    const cpuWarm = cpuMs(child.pid!);
    const rest = await phase(url, hash, bodies.slice(a.warmup), a.inFlight);
    const rssEnd = rssMiB(child.pid!);
    const cpuEnd = cpuMs(child.pid!);
    const cpuPerExecution = {
      warmup: (cpuWarm - cpu0) / a.warmup,
      steady: (cpuEnd - cpuWarm) / (a.total - a.warmup),
    };
    const receipts = (await (await fetch(`${url}/receipts`)).json()) as { count: number };
    const report = {
      total: a.total,
      warmup: a.warmup,
      inFlight: a.inFlight,
      node: process.version,
      loadavg: readFileSync('/proc/loadavg', 'utf8').trim(),
      rssMiB: { start: rss0, afterWarmup: rssWarm, end: rssEnd, growth: rssEnd - rssWarm },
      daemonCpuMsPerExecution: cpuPerExecution,
      receipts: receipts.count,
      warmup_phase: warm,
      steady_phase: rest,
    };
    const f = (x: number) => x.toFixed(1);
    console.log(
      `soak: ${a.total} executions, ${a.inFlight} in flight (autocannon), node ${process.version}, loadavg ${report.loadavg}`,
    );
    console.log(
      `  RSS MiB: start ${f(rss0)}, after ${a.warmup} ${f(rssWarm)}, after ${a.total} ${f(rssEnd)} (growth ${f(rssEnd - rssWarm)})`,
    );
    for (const [name, p] of [
      [`first ${a.warmup}`, warm],
      [`next ${a.total - a.warmup}`, rest],
    ] as const) {
      console.log(
        `  ${name}: ${f(p.perSecond)} executions/s, latency ms p50 ${p.latencyMs.p50} p90 ${p.latencyMs.p90} p99 ${p.latencyMs.p99} max ${p.latencyMs.max}; statuses ${JSON.stringify(p.statuses)}, errors ${p.errors}`,
      );
    }
    console.log(
      `  daemon CPU ms per execution (user+sys): first ${a.warmup} ${cpuPerExecution.warmup.toFixed(2)}, next ${a.total - a.warmup} ${cpuPerExecution.steady.toFixed(2)} (1000 / this = the most executions/s one core gives)`,
    );
    console.log(`  receipts held by the daemon: ${receipts.count}`);
    if (a.json) writeFileSync(a.json, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

main().catch((e: unknown) => {
  console.error(`bench:soak: ${(e as Error).message}`);
  process.exit(e instanceof UsageError ? 2 : 3);
});
