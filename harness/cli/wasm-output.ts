/**
 * Human output of the wasm verbs (check, exec): violations folded (identical lines once, with a
 * count), a summary by kind, the import plan and the limits a run ran into. `--json` keeps the
 * full lists; this is only the text form.
 */
import type { Violation } from '../../core/wasm/validate/validate.js';
import { PROVIDED_IMPORTS, type ImportPlan } from '../../core/wasm/exec/imports.js';
import type { LimitHit } from '../../core/wasm/exec/result.js';

/** Folded lines shown before "… more"; --json has all of them. */
export const MAX_VIOLATION_LINES = 100;

/** 2129 → "2,129" (fixed grouping, no locale). */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export interface FoldedViolation extends Violation {
  count: number;
}

/** Identical violations (same code, offset, function and detail) once, with how many there were, in first-seen order. */
export function foldViolations(vs: readonly Violation[]): FoldedViolation[] {
  const byKey = new Map<string, FoldedViolation>();
  for (const v of vs) {
    const key = `${v.code}\0${v.offset}\0${v.function ?? ''}\0${v.detail}`;
    const seen = byKey.get(key);
    if (seen) seen.count++;
    else byKey.set(key, { ...v, count: 1 });
  }
  return [...byKey.values()];
}

/** "2,129 violations: 1,455 profile_float, 674 profile_simd" (kinds by count, then by name). */
export function violationSummary(vs: readonly Violation[]): string {
  const counts = new Map<string, number>();
  for (const v of vs) counts.set(v.code, (counts.get(v.code) ?? 0) + 1);
  const kinds = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `${grouped(vs.length)} violation${vs.length === 1 ? '' : 's'}: ${kinds.map(([k, n]) => `${grouped(n)} ${k}`).join(', ')}`;
}

export function violationLines(vs: readonly Violation[], max = MAX_VIOLATION_LINES): string[] {
  const folded = foldViolations(vs);
  const lines = folded
    .slice(0, max)
    .map(
      (x) =>
        `  ${x.code} at byte ${x.offset} (0x${x.offset.toString(16)})${x.function !== undefined ? ` in function ${x.function}` : ''}: ${x.detail}${x.count > 1 ? ` (×${x.count})` : ''}`,
    );
  if (folded.length > max)
    lines.push(
      `  … ${grouped(folded.length - max)} more distinct violations (--json lists all ${grouped(vs.length)})`,
    );
  return [violationSummary(vs), ...lines];
}

export function importLines(plan: ImportPlan): string[] {
  if (plan.provided.length + plan.missing.length === 0) return ['imports: none'];
  const out: string[] = [];
  for (const l of plan.provided) out.push(`  provided  ${l.module}.${l.name} (${l.kind})`);
  // the common reason goes once in the heading; a line says more only when it differs (a wrong type or kind)
  const common = `not provided: execution provides only ${PROVIDED_IMPORTS}`;
  for (const l of plan.missing)
    out.push(
      `  MISSING   ${l.module}.${l.name} (${l.kind}) at byte ${l.offset}${l.missing === common ? '' : `: ${l.missing}`}`,
    );
  const why = plan.missing.length > 0 ? ` (exec provides only ${PROVIDED_IMPORTS})` : '';
  return [
    `imports: ${plan.provided.length} provided by exec, ${plan.missing.length} missing${why}`,
    ...out,
  ];
}

export function limitLines(limits: readonly LimitHit[] | undefined): string[] {
  return (limits ?? []).map((l) => `limit       ${l.limit} = ${l.value}: ${l.detail}`);
}
