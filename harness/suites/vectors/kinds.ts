/** The registry of vector kinds. Each area adds its kinds here (one import, one spread). */
import { IcnError } from '../../../core/errors.js';
import type { VectorKind } from './format.js';
import { FOUNDATION_KINDS } from './kinds-foundation.js';
import { LEDGER_KINDS } from './kinds-ledger.js';
import { CONTRACT_KINDS } from './kinds-contracts.js';

const ALL: VectorKind[] = [...FOUNDATION_KINDS, ...LEDGER_KINDS, ...CONTRACT_KINDS];

const byKind = new Map(ALL.map((k) => [k.kind, k]));

export function vectorKind(kind: string): VectorKind {
  const k = byKind.get(kind);
  if (!k) throw new IcnError('VECTOR_KIND', `unknown vector kind ${JSON.stringify(kind)} (known: ${[...byKind.keys()].sort().join(', ')})`);
  return k;
}
