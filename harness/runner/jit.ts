/**
 * V8's JIT budget for `run` when its workers fill every core.
 *
 * V8 optimizes hot JS with TurboFan on background threads. With a core to spare (`--jobs 1` on
 * two cores) that work is free; with one worker per core it takes CPU from the workers themselves:
 * in a full `run --jobs 2` on two cores, V8's background threads used ~3.3 s of the parent's 8 s.
 * Most of the harness's code runs briefly (thousands of small modules, each decoded, validated,
 * instrumented and run once), so optimizing it as eagerly as a long-lived server would costs more
 * than it returns. A larger interrupt budget (the profiler's count of bytecode executed before a
 * function is considered for optimization) optimizes only code that stays hot.
 *
 * Results never depend on it: JS semantics do not change with the JIT tier, and the budget is not
 * a WebAssembly flag (wasm tiers up on its own budget). The nasties' tier children, whose V8 flags
 * are what they measure, are started with their own flags only.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/** 4x V8 11's default (67,584): measured on the project's 2-core machine (docs/architecture.md). */
export const SATURATED_INTERRUPT_BUDGET = 270_336;
/** Set by the CLI for the forks it starts; a fork applies it first thing. */
export const RUN_JIT_ENV = 'ICN_RUN_INTERRUPT_BUDGET';

/** True when `jobs` workers leave no core for V8's background compilation. */
export function coresSaturated(jobs: number, cores = availableParallelism()): boolean {
  return jobs > 1 && jobs >= cores;
}

/**
 * In the CLI's `run`: the larger budget here and, through the environment, in every fork. The
 * variable is the CLI's own: a value inherited from the caller's environment never reaches a fork.
 */
export function tuneJitForRun(jobs: number, cores = availableParallelism()): void {
  if (!coresSaturated(jobs, cores)) {
    delete process.env[RUN_JIT_ENV];
    return;
  }
  process.env[RUN_JIT_ENV] = String(SATURATED_INTERRUPT_BUDGET);
  applyRunJit();
}

/** Apply the budget the CLI asked for (a fork calls it at start; nothing when unset). */
export function applyRunJit(env: NodeJS.ProcessEnv = process.env): void {
  const v = env[RUN_JIT_ENV];
  if (v === undefined) return;
  if (!/^[1-9][0-9]{0,9}$/.test(v)) throw new Error(`${RUN_JIT_ENV}=${v}: not a positive integer`);
  setFlagsFromString(`--interrupt-budget=${v}`);
}
