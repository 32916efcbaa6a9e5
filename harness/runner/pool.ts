/**
 * A pool of forked worker processes. Cases are handed out one at a time in run order (the next
 * free worker takes the next case), so the result is a set of sealed entries that does not depend
 * on the number of workers. A worker that dies or overruns the per-case timeout yields an `error`
 * entry for its case and is replaced. Cases of one `batch` go to one worker (the first to take
 * one of them), so per-process work a batch shares (the nasties' tier children) is done once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { ManifestEntry, PlatformFingerprint } from '../manifest/types.js';
import { nodeCommand } from '../proc/node-command.js';
import type { CaseSpec, SuiteContext } from '../suites/types.js';
import { faultEntry } from './exec.js';

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

export function runPool(args: {
  cases: readonly CaseSpec[];
  jobs: number;
  launch: WorkerLaunch;
  context: SuiteContext;
  /** Per-case limit; a case over it is killed and recorded as `error`. */
  timeoutMs: number;
  onEntry?: (entry: ManifestEntry, ms: number) => void;
  /** Checked after each entry: true stops handing out cases (determinism check). */
  shouldStop?: (entry: ManifestEntry) => boolean;
}): Promise<PoolResult> {
  const path = workerPath();
  const result: PoolResult = { entries: new Map(), stopped: false };
  const queue = [...args.cases];
  const total = queue.length;
  /** Which worker owns each batch it has started (released when the worker exits). */
  const batchOwner = new Map<string, number>();
  let nextWorker = 0;
  /** The next case this worker may take: the first that is in no batch, or in one free or its own. */
  const take = (worker: number): CaseSpec | undefined => {
    const i = queue.findIndex((c) => c.batch === undefined || (batchOwner.get(c.batch) ?? worker) === worker);
    if (i < 0) return undefined;
    const [spec] = queue.splice(i, 1);
    if (spec!.batch !== undefined) batchOwner.set(spec!.batch, worker);
    return spec;
  };
  let active = 0;
  let startupFailures = 0;
  return new Promise((resolve) => {
    if (total === 0) {
      resolve(result);
      return;
    }
    const record = (entry: ManifestEntry, ms: number) => {
      result.entries.set(entry.id, { entry, ms });
      args.onEntry?.(entry, ms);
      if (!result.stopped && args.shouldStop?.(entry)) {
        result.stopped = true;
        queue.length = 0;
      }
    };
    const finishIfDone = () => {
      if (active === 0 && queue.length === 0) resolve(result);
    };
    const start = () => {
      if (queue.length === 0) {
        finishIfDone();
        return;
      }
      active++;
      const me = nextWorker++;
      // Under qemu-user (npm run xarch) children go through the emulator: nodeCommand knows how.
      const nc = nodeCommand(args.launch.execArgv, path, []);
      const child: ChildProcess = fork(path, [], {
        execPath: nc.command,
        execArgv: nc.args.slice(0, -1),
        env: args.launch.env ?? process.env,
        serialization: 'advanced',
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      });
      child.stdout?.pipe(process.stderr); // a suite's stray output never pollutes ours
      let current: CaseSpec | undefined;
      let started = 0;
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      let ready = false;
      const next = () => {
        clearTimeout(timer);
        current = take(me);
        if (!current) {
          done = true;
          child.disconnect();
          return;
        }
        started = performance.now();
        const spec = current;
        timer = setTimeout(() => {
          if (current !== spec) return;
          current = undefined;
          record(faultEntry(spec, `timed out after ${args.timeoutMs} ms (worker killed)`), args.timeoutMs);
          child.kill('SIGKILL');
        }, args.timeoutMs);
        child.send({ type: 'run', spec } satisfies ToWorker);
      };
      child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          ready = true;
          result.platform ??= m.platform;
          next();
        } else if (m.type === 'entry') {
          if (current?.id === m.entry.id) record(m.entry, m.ms);
          next();
        } else if (m.type === 'fault') {
          if (current?.id === m.id) record(faultEntry(current, m.why), Math.round(performance.now() - started));
          next();
        }
      });
      child.on('error', () => {
        /* reported through 'exit' */
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        active--;
        for (const [b, w] of batchOwner) if (w === me) batchOwner.delete(b); // a replacement takes them over
        if (current) {
          const spec = current;
          current = undefined;
          record(faultEntry(spec, `worker exited (${signal ?? `code ${code}`}) while running this case`), Math.round(performance.now() - started));
        }
        if (!ready && ++startupFailures >= 3) {
          // The worker cannot even start: every remaining case is a harness fault, not a loop.
          for (const spec of queue.splice(0)) record(faultEntry(spec, `run worker failed to start (${signal ?? `code ${code}`})`), 0);
        }
        if (!done && queue.length > 0) start(); // replace a dead worker
        else finishIfDone();
      });
      child.send({ type: 'init', context: args.context } satisfies ToWorker);
    };
    const n = Math.max(1, Math.min(args.jobs, total));
    for (let i = 0; i < n; i++) start();
  });
}
