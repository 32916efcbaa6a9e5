/**
 * Vector files: `vectors/<area>/<name>.json`, each `{format, kind, description, source, cases}`.
 * A kind is a checker: given one case it computes outputs and says whether they match the
 * expectation written in the file. New kinds register in kinds.ts.
 */
import type { Hash } from '../../../core/hash/index.js';

export const VECTOR_FORMAT = 'icn-vectors/v1';

export interface VectorFile {
  format: typeof VECTOR_FORMAT;
  kind: string;
  description: string;
  source: string;
  /** `lc` (default) or `advisory`. */
  class?: 'lc' | 'advisory';
  cases: VectorCase[];
}

export interface VectorCase {
  name: string;
  [field: string]: unknown;
}

export interface VectorVerdict {
  outputs: Record<string, string>;
  ok: boolean;
  /** Why it failed (what was expected, what came out). */
  reason?: string;
}

export interface VectorKind {
  kind: string;
  /** Check one case. `file` is the vector file's path relative to the repo (for messages). */
  check(c: VectorCase, file: string): VectorVerdict | Promise<VectorVerdict>;
}

export type { Hash };
