/**
 * The CCL engine profile: everything that decides what an execution computes (cost table, limits,
 * value rules). Its hash goes into every receipt, so a change of any knob is a different profile.
 */
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import { DEFAULT_FUEL, FUEL, MAX_FUEL, MAX_LOOP_ITERATIONS } from './interpreter.js';
import { LIMITS } from './validate.js';
import { MAX_STRING_UNITS, MAX_VALUE_NODES } from './values.js';

export const CCL_PROFILE = {
  engine: 'icn-ccl',
  format: 'icn-ccl-profile/v1',
  costs: { ...FUEL },
  limits: {
    ...LIMITS,
    maxLoopIterations: MAX_LOOP_ITERATIONS,
    defaultFuel: DEFAULT_FUEL,
    maxFuel: MAX_FUEL,
    maxStringUnits: MAX_STRING_UNITS,
    maxValueNodes: MAX_VALUE_NODES,
  },
  semantics: {
    integers: 'checked-i64',
    setOrder: 'canonical-json-utf8',
    mapOrder: 'rfc8785-keys',
    capabilities: 'listed-keys-and-accounts',
  },
} as const;

export const CCL_PROFILE_HASH: Hash = contentHash(DOMAIN.cclProfile, CCL_PROFILE);
