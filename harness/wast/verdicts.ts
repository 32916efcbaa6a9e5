/**
 * The validator's verdict on a module under a profile, kept per module object for this process.
 * The engines of one script run in a row on the same compiled bytes (runner.ts compiles each
 * declaration once), and the V8 `dc-float` engine and the interpreter (which admits exactly what
 * dc-float admits) ask the same question about the same bytes: it is answered once. Keyed by the
 * byte array itself (weakly): nobody writes into module bytes once compiled.
 */
import type { ProfileName } from '../../core/wasm/exec/profile.js';
import { validateModule, type Violation } from '../../core/wasm/validate/validate.js';

export type Verdict = { ok: true } | { ok: false; violations: Violation[] };

const verdicts = new Map<ProfileName, WeakMap<Uint8Array, Verdict>>();

function table(profile: ProfileName): WeakMap<Uint8Array, Verdict> {
  let t = verdicts.get(profile);
  if (!t) verdicts.set(profile, (t = new WeakMap()));
  return t;
}

/** Record what validateModule(bytes, profile) said (an engine that validated as part of its work). */
export function noteVerdict(bytes: Uint8Array, profile: ProfileName, v: Verdict): void {
  table(profile).set(bytes, v);
}

/** validateModule(bytes, profile), or its verdict recorded for these bytes. */
export function verdictOf(bytes: Uint8Array, profile: ProfileName): Verdict {
  const known = table(profile).get(bytes);
  if (known) return known;
  const v = validateModule(bytes, profile);
  const out: Verdict = v.ok ? { ok: true } : { ok: false, violations: v.violations };
  noteVerdict(bytes, profile, out);
  return out;
}
