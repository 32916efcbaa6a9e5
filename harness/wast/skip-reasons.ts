/**
 * Why a module the script calls valid is skipped, named: a profile rule (`profile_float`…), a
 * WebAssembly feature outside every ICN profile ("multi-memory: outside every ICN profile"), a
 * feature this V8 lacks, or text the text compiler cannot parse. The runner counts skips by this
 * name (the closing line of `icn-harness wast`); the full reason stays in the command's reason.
 *
 * One table for the V8 engines and the interpreter, so they skip the same modules for the same
 * named reasons.
 */
import { isProfileRule, type ViolationCode } from '../../core/wasm/errors.js';

/** Validator codes that, on a module asserted valid, mean "needs this proposal" (not "invalid"). */
const FEATURE_OF_CODE: Record<string, string> = {
  multiple_memories: 'multi-memory',
  // extended constant expressions, or global.get of a defined global in a constant expression
  constant_expression_required: 'extended-const',
  unknown_global: 'extended-const',
  // exception tags: an unknown section id / import kind to our pinned decoder
  'malformed:malformed_section_id': 'exception-handling',
  'malformed:malformed_import_kind': 'exception-handling',
  'malformed:zero_byte_expected': 'multi-memory',
};

export const OUTSIDE_EVERY_PROFILE = 'outside every ICN profile';

export type SkipVerdict = { kind: 'outside_profile'; reason: string; named: string };

/** A rejected module's violation codes → a skip (or undefined: a real rejection). */
export function classifyRejection(
  codes: readonly ViolationCode[],
  expectInvalid: boolean,
  features: readonly string[] = [],
): SkipVerdict | undefined {
  const distinct = [...new Set(codes)].sort();
  const reason = distinct.join(', ');
  const profileRules = distinct.filter(isProfileRule);
  if (profileRules.length === distinct.length)
    return { kind: 'outside_profile', reason, named: `profile rule ${profileRules.join('+')}` };
  if (expectInvalid) return undefined;
  const others = distinct.filter((c) => !isProfileRule(c));
  if (!others.every((c) => c in FEATURE_OF_CODE) && features.length === 0) return undefined;
  // features read from the binary explain every other violation (an unknown memory, …)
  const named =
    features.length > 0
      ? [...new Set(features)].sort()
      : [...new Set(others.map((c) => FEATURE_OF_CODE[c]!))].sort();
  if (!others.every((c) => c in FEATURE_OF_CODE) && named.length === 0) return undefined;
  return {
    kind: 'outside_profile',
    reason: `feature outside the pinned set: ${reason}`,
    named: `${named.join('+')}: ${OUTSIDE_EVERY_PROFILE}`,
  };
}

/** Count skips by named reason, most frequent first (ties by name). */
export function skipSummary(counts: Map<string, number>): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
