/**
 * A WasmSession owns one Worker (fixed stack size, shallow JS stack) and talks to it in the
 * protocol of worker-source.ts. It is the low-level layer shared by the executor (one task per
 * session) and the .wast runner (one script per session: instances, `register`, spectest).
 *
 * Faults (the worker died, ran out of memory, timed out, or answered with an internal error) are
 * thrown as IcnError `HARNESS_FAULT`; they are never turned into guest results.
 */
import { Worker } from 'node:worker_threads';
import { IcnError } from '../../errors.js';
import { WORKER_SOURCE } from './worker-source.js';
import type { DomainTag } from '../../hash/index.js';
import { buildShim, flattenArg, unflattenResults, type FlatJs } from './shim.js';
import type { FuncSig } from './exports.js';
import type { RawValue, ValType } from './values.js';

/** Stack of the worker thread, MiB. Fixed so that native depth does not depend on the caller. */
export const WORKER_STACK_MB = 8;

export interface SessionOptions {
  /** Wall-clock limit per request, ms (guards raw runs without fuel); default 60 s. Fault on expiry. */
  timeoutMs?: number;
  /** Worker stack size in MiB (default WORKER_STACK_MB). */
  stackSizeMb?: number;
}

export interface WorkerError {
  phase: 'compile' | 'link' | 'start' | 'invoke' | 'host' | 'range' | 'internal';
  name: string;
  message: string;
}

export interface HostCall {
  name: string;
  args: string[];
  result: string | null;
  data?: string;
}

export interface HostEnv {
  createdAt: bigint;
  entropy: Uint8Array;
}

export type ImportMode = 'none' | 'icn' | 'registry';

export interface InstantiateResult {
  inst?: number;
  exports?: { name: string; kind: string }[];
  error?: WorkerError;
  hostCalls: HostCall[];
}

export interface InvokeResult {
  values?: RawValue[];
  error?: WorkerError;
  fuelLeft?: bigint;
  icnTrap?: number;
  /** The diagnostic __icn_limit global after the call (instrument.ts ICN_LIMIT), when the module has it. */
  icnLimit?: number;
  hostCalls: HostCall[];
  memory?: Uint8Array | null;
  /** bytesHash(hashMemory, memory) computed in the worker (empty memory when there is none). */
  memoryHash?: `sha256:${string}`;
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  op: string;
}

export function harnessFault(message: string, details: Record<string, unknown> = {}): IcnError {
  return new IcnError('HARNESS_FAULT', message, details);
}

export class WasmSession {
  private readonly worker: Worker;
  /** Requests in the order sent: the worker answers them in that order. */
  private readonly pending = new Map<number, Pending>();
  /** Guards the oldest pending request (the one the worker is on), re-armed as each is answered. */
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private dead: Error | undefined;
  private readonly timeoutMs: number;

  constructor(opts: SessionOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      resourceLimits: { stackSizeMb: opts.stackSizeMb ?? WORKER_STACK_MB },
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (m: Record<string, unknown>) => {
      if (Array.isArray(m.batch))
        for (const r of m.batch as Record<string, unknown>[]) this.answer(r);
      else this.answer(m);
    });
    this.worker.on('error', (e: Error & { code?: string }) => {
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.fail(
        harnessFault(
          `wasm worker ${oom ? 'ran out of memory (engine OOM)' : `crashed: ${e.message}`}`,
          { code: e.code },
        ),
      );
    });
    this.worker.on('exit', (code) => this.fail(harnessFault(`wasm worker exited (code ${code})`)));
  }

  private answer(m: Record<string, unknown>): void {
    const p = this.pending.get(m.id as number);
    if (!p) return;
    this.pending.delete(m.id as number);
    this.arm();
    p.resolve(m);
  }

  private fail(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    clearTimeout(this.timer);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /**
   * The timeout of the oldest pending request, from when the worker could start it: requests may
   * be sent ahead (a .wast run pipelines its calls), and one waiting in the queue is not running.
   */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const oldest = this.pending.values().next();
    if (oldest.done) return;
    const op = oldest.value.op;
    this.timer = setTimeout(() => {
      this.fail(harnessFault(`wasm worker did not answer within ${this.timeoutMs} ms (${op})`));
      void this.worker.terminate();
    }, this.timeoutMs);
  }

  private request(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, op: String(msg.op) });
      if (this.timer === undefined) this.arm();
      if (this.outbox.push({ ...msg, id }) === 1) queueMicrotask(() => this.flush());
    });
  }

  /** Requests made in one turn, not yet posted: sent as one message (the worker answers as one). */
  private outbox: Record<string, unknown>[] = [];

  private flush(): void {
    const msgs = this.outbox;
    this.outbox = [];
    if (this.dead) return; // their promises were rejected with the fault
    this.worker.postMessage(msgs.length === 1 ? msgs[0] : { op: 'batch', msgs });
  }

  private static internal(r: Record<string, unknown>): void {
    const err = r.error as WorkerError | undefined;
    if (err?.phase === 'internal') throw harnessFault(`wasm worker: ${err.name}: ${err.message}`);
  }

  /** True once the worker is gone (crashed, timed out, closed): such a session cannot be reused. */
  get closed(): boolean {
    return this.dead !== undefined;
  }

  /**
   * Make the worker as a fresh one (no instances, registrations or externrefs), for reuse by the
   * next script or task in this process: starting a Worker costs more than most spec scripts.
   */
  async reset(): Promise<void> {
    const r = await this.request({ op: 'reset' });
    WasmSession.internal(r);
  }

  /** Let the process exit while this session idles (`ref()` before using it again). */
  unref(): void {
    this.worker.unref();
  }

  ref(): void {
    this.worker.ref();
  }

  /** Install the `spectest` import module (compiled by the caller). */
  async initSpectest(bytes: Uint8Array): Promise<void> {
    const r = await this.request({ op: 'initSpectest', bytes });
    if (!r.ok) throw harnessFault(`spectest module: ${(r.error as WorkerError).message}`);
  }

  /**
   * Compile and instantiate (or, with `definitionOnly`, only compile: `inst` stays undefined).
   * `as`: the instance id to use (the caller's own numbering, so that it can send calls to the
   * instance before this answers); by default the worker numbers instances itself. One session
   * uses one way or the other, never both.
   */
  async instantiate(
    bytes: Uint8Array,
    imports: ImportMode,
    env?: HostEnv,
    definitionOnly = false,
    as?: number,
  ): Promise<InstantiateResult> {
    const r = await this.request({ op: 'instantiate', bytes, imports, env, definitionOnly, as });
    WasmSession.internal(r);
    return {
      inst: r.inst as number | undefined,
      exports: r.exports as InstantiateResult['exports'],
      error: r.error as WorkerError | undefined,
      hostCalls: (r.hostCalls as HostCall[]) ?? [],
    };
  }

  /** Forget an instance (and its shims) so that a long-lived session does not accumulate them. */
  async release(inst: number): Promise<void> {
    const r = await this.request({ op: 'release', inst });
    WasmSession.internal(r);
  }

  async register(inst: number, name: string): Promise<void> {
    const r = await this.request({ op: 'register', inst, name });
    WasmSession.internal(r);
  }

  /** Shims sent to the worker (it compiles each once and keeps it). */
  private shims = new Map<string, Uint8Array>();

  /** Call export `name` of instance `inst` with bit-exact arguments; `fuel` resets the meters first. */
  async invoke(
    inst: number,
    name: string,
    sig: FuncSig,
    args: RawValue[],
    opts: { fuel?: bigint; env?: HostEnv; captureMemory?: boolean; hashMemory?: DomainTag } = {},
  ): Promise<InvokeResult> {
    if (args.length !== sig.params.length)
      throw new IcnError(
        'WASM_ARGS',
        `${name} takes ${sig.params.length} argument(s), got ${args.length}`,
      );
    args.forEach((a, i) => {
      if (a.type !== sig.params[i])
        throw new IcnError(
          'WASM_ARGS',
          `${name}: argument ${i + 1} is ${a.type}, the function takes ${sig.params[i]}`,
        );
    });
    const shimKey = `${sig.params.join(',')}>${sig.results.join(',')}`;
    // the worker keeps compiled shims (reset too): send the bytes only the first time
    let shim: Uint8Array | undefined;
    if (!this.shims.has(shimKey)) {
      shim = buildShim(sig);
      this.shims.set(shimKey, shim);
    }
    const r = await this.request({
      op: 'invoke',
      inst,
      name,
      shim,
      shimKey,
      args: args.flatMap(flattenArg),
      fuel: opts.fuel,
      env: opts.env,
      captureMemory: opts.captureMemory === true,
      hashMemory: opts.hashMemory,
    });
    WasmSession.internal(r);
    const out: InvokeResult = { hostCalls: (r.hostCalls as HostCall[]) ?? [] };
    if (r.error) out.error = r.error as WorkerError;
    else out.values = unflattenResults(sig.results, r.values as FlatJs[]);
    if (r.fuelLeft !== undefined) out.fuelLeft = r.fuelLeft as bigint;
    if (r.icnTrap !== undefined) out.icnTrap = r.icnTrap as number;
    if (r.icnLimit !== undefined) out.icnLimit = r.icnLimit as number;
    if (r.memory !== undefined) out.memory = r.memory as Uint8Array | null;
    if (r.memoryHash !== undefined) out.memoryHash = `sha256:${r.memoryHash as string}`;
    return out;
  }

  /** Read an exported global (floats as bits; note: JS reads of float globals may quiet NaNs). */
  async get(inst: number, name: string, type: ValType): Promise<RawValue> {
    const r = await this.request({ op: 'get', inst, name, type });
    WasmSession.internal(r);
    return unflattenResults([type], [r.value as FlatJs])[0]!;
  }

  async close(): Promise<void> {
    this.dead ??= harnessFault('session closed');
    clearTimeout(this.timer);
    this.pending.clear();
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
