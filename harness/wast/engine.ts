/**
 * What the .wast runner needs from an engine, and the engines it knows. An engine instantiates
 * modules, registers instances under import names, invokes exports and reads globals, and reports
 * outcomes in engine-neutral terms (values as bit strings' RawValue, traps from the fixed enum).
 *
 * Add an engine (e.g. the reference interpreter `interp`): implement WastEngine and add one line to
 * ENGINES. The runner and the CLI (`--engine`) take their list from ENGINES.
 */
import type { RawValue, ValType } from '../../core/wasm/exec/values.js';
import type { Trap } from '../../core/wasm/traps.js';

/** An instantiated module: an opaque engine handle plus its exports (types for `invoke`/`get`). */
export interface InstanceHandle {
  id: number;
}

export type ModuleOutcome =
  | { kind: 'instance'; instance: InstanceHandle }
  /** compiled but not instantiated (`module definition`) */
  | { kind: 'compiled' }
  /** the engine would not accept the module: malformed or invalid (`by` says who decided) */
  | { kind: 'rejected'; by: string; reason: string }
  /** a valid module the profile does not admit (dc: floats, SIMD, foreign imports…): a skip */
  | { kind: 'outside_profile'; reason: string; named?: string }
  /** this Node's V8 lacks a feature the module needs (e.g. relaxed SIMD without the flag): a skip */
  | { kind: 'unsupported'; reason: string; named?: string }
  | { kind: 'unlinkable'; reason: string }
  /** the start function or segment initialisation trapped */
  | { kind: 'trap'; trap: Trap }
  | { kind: 'exhausted'; how: 'stack_exhausted' | 'native' }
  | { kind: 'fault'; reason: string };

export type CallOutcome =
  | { kind: 'values'; values: RawValue[] }
  | { kind: 'trap'; trap: Trap }
  /** stack_exhausted = the deterministic logical limit; native = V8's RangeError (raw only counts it) */
  | { kind: 'exhausted'; how: 'stack_exhausted' | 'native' }
  | { kind: 'fault'; reason: string };

export interface WastEngine {
  readonly name: string;
  /** Whether a native stack overflow satisfies assert_exhaustion (true only for raw V8). */
  readonly nativeExhaustionCounts: boolean;
  /**
   * True when `invoke` and `get` may be called before the previous call has answered: the engine
   * starts each call synchronously, in the order called (the V8 engines queue them to their
   * worker), so the runner sends a run of calls at once instead of waiting out each round trip.
   */
  readonly pipelined?: boolean;
  /**
   * Compile (and unless `definitionOnly`, instantiate) a module with the script's registered
   * imports. `expectInvalid`: the script asserts the module invalid or malformed (so a rejection
   * must never be explained away as a profile or feature-set skip).
   */
  instantiate(
    bytes: Uint8Array,
    definitionOnly: boolean,
    expectInvalid?: boolean,
  ): Promise<ModuleOutcome>;
  /**
   * Optional, for pipelined engines: start instantiating a module (not a definition) and return
   * its instance handle before the engine answers, so that calls on it can be sent at once (they
   * are answered after it). `outcome` says whether the handle is live; when the engine decides at
   * once (e.g. the profile refuses the module), `known` is the outcome and there is no handle.
   */
  instantiateAhead?(
    bytes: Uint8Array,
  ): { known: ModuleOutcome } | { instance: InstanceHandle; outcome: Promise<ModuleOutcome> };
  register(instance: InstanceHandle, as: string): Promise<void>;
  /** `resultsHint`: the result types the script expects (assert_return), for engines that need a signature. */
  invoke(
    instance: InstanceHandle,
    name: string,
    args: RawValue[],
    resultsHint?: ValType[],
  ): Promise<CallOutcome>;
  get(instance: InstanceHandle, name: string): Promise<CallOutcome>;
  close(): Promise<void>;
}

export interface EngineInfo {
  description: string;
  create(): Promise<WastEngine>;
}

export const ENGINES: Record<string, EngineInfo> = {
  raw: {
    description: 'V8 as is (no validation beyond V8, no instrumentation)',
    create: async () => (await import('./v8-engine.js')).createV8Engine('raw'),
  },
  dc: {
    description: 'ICN-DC v1 on V8: validated and instrumented, integers only',
    create: async () => (await import('./v8-engine.js')).createV8Engine('dc'),
  },
  'dc-float': {
    description: 'ICN-DC with floats and NaN canonicalization, on V8',
    create: async () => (await import('./v8-engine.js')).createV8Engine('dc-float'),
  },
  interp: {
    description:
      'the reference interpreter (core/wasm/interp) under dc-float rules: its own fuel, stack and NaN semantics',
    create: async () => (await import('./interp-engine.js')).createInterpEngine(),
  },
};

export function engineNames(): string[] {
  return Object.keys(ENGINES);
}
