/**
 * A pool of worker processes: forked ones, and optionally this process as one more (`local`).
 * Cases are handed out in run order as workers free up, each worker keeping to its suite
 * (schedule.ts `nextCase`); the result is a set of sealed entries that does not depend on the
 * number of workers or on who ran what. A forked worker that dies or overruns the per-case timeout
 * yields an `error` entry for its case and is replaced; cases it held queued go back to the queue.
 * Cases of one `batch` go to one worker (the first to take one of them), so per-process work a
 * batch shares (the nasties' tier children) is done once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { ManifestEntry, PlatformFingerprint } from '../manifest/types.js';
import { nodeCommand } from '../proc/node-command.js';
import type { CaseSpec, SuiteContext } from '../suites/types.js';
import { faultEntry } from './exec.js';
import { costHint, nextCase, type HandOut } from './schedule.js';

export type ToWorker = { type: 'init'; context: SuiteContext } | { type: 'run'; spec: CaseSpec };
type FromWorker =
  | { type: 'ready'; platform: PlatformFingerprint }
  | { type: 'entry'; entry: ManifestEntry; ms: number }
  | { type: 'fault'; id: string; why: string };

export interface WorkerLaunch {
  /** V8/node flags for the child (tier flags, determinism perturbations). */
  execArgv: string[];
  /** Environment of the child (default: the parent's). */
  env?: NodeJS.ProcessEnv;
}

export interface PoolResult {
  entries: Map<string, { entry: ManifestEntry; ms: number }>;
  /** The platform the workers reported (flags and tier as the child saw them). */
  platform?: PlatformFingerprint;
  /** True when `shouldStop` ended the pass early. */
  stopped: boolean;
}

/** The compiled worker: beside this module in dist/, or dist/ of the repo when running from source. */
export function workerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'worker.js');
  if (existsSync(sibling)) return sibling;
  const fromSource = join(here, '..', '..', 'dist', 'harness', 'runner', 'worker.js');
  if (existsSync(fromSource)) return fromSource;
  throw new Error(`run worker not found (${sibling}): run \`npm run build\``);
}

function forkWorker(path: string, launch: WorkerLaunch): ChildProcess {
  // Under qemu-user (npm run xarch) children go through the emulator: nodeCommand knows how.
  const nc = nodeCommand(launch.execArgv, path, []);
  const child = fork(path, [], {
    execPath: nc.command,
    execArgv: nc.args.slice(0, -1),
    env: launch.env ?? process.env,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout?.pipe(process.stderr); // a suite's stray output never pollutes ours
  return child;
}

/** Workers forked ahead of their pool (they start while this process lists the cases). */
const spares: { key: string; child: ChildProcess }[] = [];
const launchKey = (l: WorkerLaunch): string => JSON.stringify([l.execArgv, l.env ?? null]);

/**
 * Have `n` workers forked for a pool that will start with this launch: forks those not already
 * waiting as spares (a caller may have started them earlier). The returned function ends the ones
 * this call forked that no pool took (call it when the run is over, whatever happened).
 */
export function prespawn(launch: WorkerLaunch, n: number): () => void {
  const key = launchKey(launch);
  const waiting = spares.filter((s) => s.key === key && s.child.exitCode === null).length;
  const path = n > waiting ? workerPath() : '';
  const mine = Array.from({ length: Math.max(0, n - waiting) }, () => ({
    key,
    child: forkWorker(path, launch),
  }));
  spares.push(...mine);
  return () => {
    for (const s of mine) {
      const i = spares.indexOf(s);
      if (i < 0) continue; // adopted
      spares.splice(i, 1);
      if (s.child.connected) s.child.disconnect();
    }
  };
}

/** A live spare forked with this launch, or undefined. */
function adoptSpare(launch: WorkerLaunch): ChildProcess | undefined {
  const key = launchKey(launch);
  for (let i = spares.findIndex((s) => s.key === key); i >= 0;) {
    const [s] = spares.splice(i, 1);
    if (s!.child.connected && s!.child.exitCode === null) return s!.child;
    i = spares.findIndex((x) => x.key === key);
  }
  return undefined;
}

export interface PoolArgs {
  cases: readonly CaseSpec[];
  jobs: number;
  launch: WorkerLaunch;
  context: SuiteContext;
  /** Per-case limit; a case over it is killed and recorded as `error`. */
  timeoutMs: number;
  onEntry?: (entry: ManifestEntry, ms: number) => void;
  /** Checked after each entry: true stops handing out cases (determinism check). */
  shouldStop?: (entry: ManifestEntry) => boolean;
  /**
   * Runs a case in this process: then this process is one of the `jobs` workers and only jobs - 1
   * are forked (no process start, module loading and JIT warm-up for that one). No per-case
   * timeout applies to it, as with `--jobs 1`.
   */
  local?: (spec: CaseSpec) => Promise<ManifestEntry>;
}

export function runPool(args: PoolArgs): Promise<PoolResult> {
  return new Pool(args).run();
}

/** The queue, the batch owners and the workers of one pass. */
class Pool {
  private readonly path = workerPath();
  private readonly result: PoolResult = { entries: new Map(), stopped: false };
  private readonly queue: CaseSpec[];
  /** Estimated ms of the cases still in the queue (schedule.ts costHint). */
  private queueMs = 0;
  /** Batch owners (released when the worker exits) and each worker's suite. */
  private readonly handOut: HandOut = { batchOwner: new Map(), home: new Map() };
  private nextWorker = 0;
  private active = 0;
  private startupFailures = 0;
  private resolve: (r: PoolResult) => void = () => {};

  constructor(private readonly args: PoolArgs) {
    this.queue = [...args.cases];
    for (const c of this.queue) this.queueMs += costHint(c.id);
  }

  run(): Promise<PoolResult> {
    const total = this.queue.length;
    if (total === 0) return Promise.resolve(this.result);
    return new Promise((resolve) => {
      this.resolve = resolve;
      let n = Math.max(1, Math.min(this.args.jobs, total));
      if (this.args.local && n > 1) {
        n--;
        this.active++;
        void this.runLocal(this.nextWorker++, this.args.local);
      }
      for (let i = 0; i < n; i++) this.start();
    });
  }

  /** The next case this worker may take: the first that is in no batch, or in one free or its own. */
  take(worker: number): CaseSpec | undefined {
    const i = nextCase(this.queue, worker, this.handOut);
    if (i < 0) return undefined;
    const [spec] = this.queue.splice(i, 1);
    this.queueMs -= costHint(spec!.id);
    if (spec!.batch !== undefined) this.handOut.batchOwner.set(spec!.batch, worker);
    this.handOut.home.set(worker, spec!.suite);
    return spec;
  }

  record(entry: ManifestEntry, ms: number): void {
    this.result.entries.set(entry.id, { entry, ms });
    this.args.onEntry?.(entry, ms);
    if (!this.result.stopped && this.args.shouldStop?.(entry)) {
      this.result.stopped = true;
      this.queue.length = 0;
      this.queueMs = 0;
    }
  }

  /** This process as a worker: a case at a time, yielding between cases so forks' answers land. */
  private async runLocal(
    me: number,
    local: (spec: CaseSpec) => Promise<ManifestEntry>,
  ): Promise<void> {
    for (let spec = this.take(me); spec; spec = this.take(me)) {
      const t0 = performance.now();
      const entry = await local(spec);
      this.record(entry, Math.round(performance.now() - t0));
      await new Promise<void>((r) => setImmediate(r));
    }
    this.active--;
    this.handOut.home.delete(me);
    this.finishIfDone();
  }

  /** Cases a dead worker had queued but not started: back to the front, in order. */
  requeue(specs: CaseSpec[]): void {
    if (this.result.stopped) return;
    this.queue.unshift(...specs);
    for (const c of specs) this.queueMs += costHint(c.id);
  }

  private finishIfDone(): void {
    if (this.active === 0 && this.queue.length === 0) this.resolve(this.result);
  }

  /** Start one worker (a first one, or the replacement of one that died). */
  start(): void {
    if (this.queue.length === 0) {
      this.finishIfDone();
      return;
    }
    this.active++;
    const w = new PoolWorker(this, this.nextWorker++, this.spawn());
    w.child.send({ type: 'init', context: this.args.context } satisfies ToWorker);
  }

  private spawn(): ChildProcess {
    return adoptSpare(this.args.launch) ?? forkWorker(this.path, this.args.launch);
  }

  /**
   * How much a forked worker holds queued behind the case it runs: only while this process runs
   * cases too; less as the queue empties, so that no fork holds cases the others would finish.
   */
  get pipelineMs(): number {
    if (!this.args.local || this.args.jobs <= 1) return 0;
    return Math.min(PIPELINE_MS, this.queueMs / this.args.jobs);
  }

  get timeoutMs(): number {
    return this.args.timeoutMs;
  }

  platformSeen(p: PlatformFingerprint): void {
    this.result.platform ??= p;
  }

  /** A worker exited: release its batches, fault its case, replace it or finish. */
  exited(w: PoolWorker, why: string): void {
    this.active--;
    const { batchOwner, home } = this.handOut;
    for (const [b, owner] of batchOwner) if (owner === w.me) batchOwner.delete(b); // a replacement takes them over
    home.delete(w.me);
    if (!w.ready && ++this.startupFailures >= 3) {
      // The worker cannot even start: every remaining case is a harness fault, not a loop.
      for (const spec of this.queue.splice(0))
        this.record(faultEntry(spec, `run worker failed to start (${why})`), 0);
    }
    if (!w.done && this.queue.length > 0)
      this.start(); // replace a dead worker
    else this.finishIfDone();
  }
}

/**
 * Estimated ms of cases a forked worker holds queued behind the one it runs, when this process runs
 * cases too: its answer waits while this process runs one (up to ~0.5 s for the longest), and the
 * worker must not idle meanwhile (measured: a queue counting the running case left forks idle
 * 0.3-0.4 s a run, behind a long scenario).
 */
const PIPELINE_MS = 400;
const PIPELINE_MAX = 16;

/**
 * One forked worker: holds a few cases queued (the parent may be busy running its own case when
 * this one's answer arrives), enforces the per-case timeout on the case it runs.
 */
class PoolWorker {
  /** Sent, not yet answered, in order; the first is the one running. */
  private inFlight: CaseSpec[] = [];
  private started = 0;
  private timer: NodeJS.Timeout | undefined;
  done = false;
  ready = false;

  constructor(
    private readonly pool: Pool,
    readonly me: number,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m: FromWorker) => this.onMessage(m));
    child.on('error', () => {
      /* reported through 'exit' */
    });
    child.on('exit', (code, signal) => this.onExit(signal ?? `code ${code}`));
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.started);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') {
      this.ready = true;
      this.pool.platformSeen(m.platform);
    } else {
      const head = this.inFlight[0];
      const id = m.type === 'entry' ? m.entry.id : m.id;
      if (head?.id !== id) return; // a late answer for a case already faulted
      this.inFlight.shift();
      if (m.type === 'entry') this.pool.record(m.entry, m.ms);
      else this.pool.record(faultEntry(head, m.why), this.elapsed());
      this.armTimer();
    }
    this.fill();
  }

  /**
   * Send cases until the estimate queued behind the running one covers a busy parent; disconnect
   * when all are done.
   */
  private fill(): void {
    const ahead = this.pool.pipelineMs;
    let behind = this.inFlight.slice(1).reduce((t, c) => t + costHint(c.id), 0);
    while (this.inFlight.length === 0 || (behind < ahead && this.inFlight.length < PIPELINE_MAX)) {
      const spec = this.pool.take(this.me);
      if (!spec) break;
      if (this.inFlight.length > 0) behind += costHint(spec.id);
      this.inFlight.push(spec);
      this.child.send({ type: 'run', spec } satisfies ToWorker);
      if (this.inFlight.length === 1) this.armTimer();
    }
    if (this.inFlight.length === 0) {
      clearTimeout(this.timer);
      this.done = true;
      this.child.disconnect();
    }
  }

  /** The per-case limit, for the case now at the head (the worker starts it at once). */
  private armTimer(): void {
    clearTimeout(this.timer);
    const spec = this.inFlight[0];
    if (!spec) return;
    this.started = performance.now();
    const limit = this.pool.timeoutMs;
    this.timer = setTimeout(() => {
      if (this.inFlight[0] !== spec) return;
      this.pool.requeue(this.inFlight.splice(1));
      this.inFlight = [];
      this.pool.record(faultEntry(spec, `timed out after ${limit} ms (worker killed)`), limit);
      this.child.kill('SIGKILL');
    }, limit);
  }

  private onExit(why: string): void {
    clearTimeout(this.timer);
    const [spec, ...rest] = this.inFlight;
    this.inFlight = [];
    this.pool.requeue(rest); // never started: another worker runs them
    if (spec)
      this.pool.record(
        faultEntry(spec, `worker exited (${why}) while running this case`),
        this.elapsed(),
      );
    this.pool.exited(this, why);
  }
}
