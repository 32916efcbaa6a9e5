/**
 * `icn-harness replay FILE`: re-execute an artifact and say REPRODUCED or MISMATCH, naming every
 * differing field. Artifacts are recognised by their `format` field; each format has a replayer
 * in this registry (receipts, witness bundles, proofs of misbehavior, manifests, self-contained
 * replay bundles). Adding one: a `Replayer` in replayers.ts and one line in `REPLAYERS`.
 */
import { IcnError } from '../../core/errors.js';

export interface ReplayField {
  field: string;
  /** What the artifact says. */
  expected: string | null;
  /** What re-execution gives. */
  actual: string | null;
}

export interface ReplayReport {
  /** What was replayed, in words (e.g. "execution receipt of add on sha256:…"). */
  artifact: string;
  verdict: 'REPRODUCED' | 'MISMATCH';
  /** Only the fields that differ (empty when reproduced). */
  fields: ReplayField[];
  /** Facts an auditor wants besides the verdict (signature checked, engine, what was compared). */
  notes: string[];
}

export interface ReplayOptions {
  /** The artifact's path (to find sidecar files beside it). */
  path: string;
  /** `--witness FILE`: the witness bundle of a receipt. */
  witness?: string;
  /** `--receipt FILE`: the receipt a witness bundle is checked against. */
  receipt?: string;
  /** `--code FILE…`: contract JSON or .wasm modules a PoM's witness refers to by hash. */
  code: string[];
  /** `--expect-output HASH`: the output a bare PoM witness is checked against. */
  expectOutput?: string;
  /** `--entry PATTERN`: for a manifest, which entries to re-run. */
  entries: string[];
  repoRoot: string;
}

export interface Replayer {
  /** The artifact's `format` (or `version`) field value. */
  format: string;
  description: string;
  replay(doc: Record<string, unknown>, opts: ReplayOptions): Promise<ReplayReport>;
}

/** The artifact's format tag: `format`, else `version` (PoM artifacts use `version`). */
export function formatOf(doc: unknown): string | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const o = doc as Record<string, unknown>;
  if (typeof o.format === 'string') return o.format;
  if (typeof o.version === 'string') return o.version;
  return undefined;
}

export class ReplayRegistry {
  private readonly byFormat = new Map<string, Replayer>();
  constructor(replayers: readonly Replayer[]) {
    for (const r of replayers) {
      if (this.byFormat.has(r.format))
        throw new IcnError('REPLAY_DUPLICATE', `two replayers for ${r.format}`);
      this.byFormat.set(r.format, r);
    }
  }
  get(format: string): Replayer | undefined {
    return this.byFormat.get(format);
  }
  formats(): string[] {
    return [...this.byFormat.keys()].sort();
  }
}
