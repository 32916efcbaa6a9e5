/** The executor's result form (shared ABI, docs/deterministic-core.md) and its hash. */
import { contentHash, DOMAIN, type Hash } from '../../hash/index.js';
import type { Trap } from '../traps.js';

export interface WasmResult {
  outcome: 'completed' | 'trapped';
  trap?: Trap;
  /** Return values as bit strings (values.ts), empty when trapped. */
  returns: string[];
  /** Decimal u64: fuel charged by this invoke ("0" under `raw`, which is unmetered). */
  fuelUsed: string;
  /** bytesHash(DOMAIN.wasmMemory, memory 0 after the call); of zero bytes when there is no memory. */
  memoryHash: Hash;
  /** contentHash(DOMAIN.wasmHostCalls, the recorded host calls in call order). */
  hostCallsHash: Hash;
  profileHash: Hash;
  /** contentHash(DOMAIN.wasmResult, this object without outputHash and limits). */
  outputHash: Hash;
  /**
   * Volatile, never hashed: the resource limits this run ran into (fuel, stack, the memory cap),
   * each with its value, so a user sees which limit decided the outcome.
   */
  limits?: LimitHit[];
}

export interface LimitHit {
  /** fuel: the invoke's fuel limit; stack_slots: the profile's logical stack; memory_pages: the profile's page cap. */
  limit: 'fuel' | 'stack_slots' | 'memory_pages';
  /** The limit's value (decimal). */
  value: string;
  detail: string;
}

/** The result with its limits attached (outside outputHash: the hash stays that of the sealed body). */
export function withLimits(r: WasmResult, limits: readonly LimitHit[]): WasmResult {
  return limits.length === 0 ? r : { ...r, limits: [...limits] };
}

export function sealResult(r: Omit<WasmResult, 'outputHash'>): WasmResult {
  const body: Omit<WasmResult, 'outputHash'> = {
    outcome: r.outcome,
    returns: r.returns,
    fuelUsed: r.fuelUsed,
    memoryHash: r.memoryHash,
    hostCallsHash: r.hostCallsHash,
    profileHash: r.profileHash,
  };
  if (r.trap !== undefined) body.trap = r.trap;
  return { ...body, outputHash: contentHash(DOMAIN.wasmResult, body) };
}
