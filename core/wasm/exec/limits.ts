/**
 * Which resource limit decided a run, named with its value for the result's volatile `limits`
 * field: the fuel limit (out_of_fuel), the profile's logical stack (stack_exhausted), the profile's
 * memory page cap (a memory.grow refused by the cap, seen through the instrumenter's __icn_limit).
 */
import { ICN_LIMIT } from '../instrument/instrument.js';
import { getProfile, type ProfileName } from '../profiles.js';
import type { Trap } from '../traps.js';
import type { LimitHit } from './result.js';

const PAGE_BYTES = 65_536;

export interface LimitFacts {
  profile: ProfileName;
  trap?: Trap;
  /** The invoke's fuel limit. */
  fuel: bigint;
  /** __icn_limit after the call, when the module has it. */
  icnLimit?: number;
}

export function limitsHit(f: LimitFacts): LimitHit[] {
  const L = getProfile(f.profile).limits;
  if (L === undefined) return []; // raw: no limits of ours (V8's own are faults, not results)
  const out: LimitHit[] = [];
  if (f.icnLimit === ICN_LIMIT.memoryCap) {
    const mib = (L.maxMemoryPages * PAGE_BYTES) / (1024 * 1024);
    out.push({
      limit: 'memory_pages',
      value: String(L.maxMemoryPages),
      detail: `memory.grow returned -1: refused at profile ${f.profile}'s cap of ${L.maxMemoryPages} pages (${mib} MiB); raw has no such cap`,
    });
  }
  if (f.trap === 'out_of_fuel')
    out.push({
      limit: 'fuel',
      value: f.fuel.toString(),
      detail: `the fuel limit of ${f.fuel} ran out (--fuel sets it)`,
    });
  if (f.trap === 'stack_exhausted')
    out.push({
      limit: 'stack_slots',
      value: String(L.maxStackSlots),
      detail: `profile ${f.profile}'s logical stack of ${L.maxStackSlots} slots is exhausted`,
    });
  return out;
}
