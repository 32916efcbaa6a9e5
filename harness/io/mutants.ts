/**
 * Every single-point mutation of a JSON document, for sweeps that prove a reader accepts no
 * tampered artifact: each leaf changed (a hash's last digit, a string extended, a number
 * incremented, a boolean flipped, null replaced), an unknown key added to each object, and each
 * non-empty array shortened and given a duplicate of its first element.
 */
import { childPath } from '../../core/canonical/index.js';

export interface Mutant {
  /** JSON path of the mutated node (`$.entries[0].hash`). */
  path: string;
  what: string;
  doc: unknown;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function leafVariants(v: Json): { what: string; value: Json }[] {
  if (typeof v === 'string') {
    const m = /[0-9a-f]$/.exec(v);
    const flipped = m ? `${v.slice(0, -1)}${m[0] === '0' ? '1' : '0'}` : null;
    return [
      ...(flipped ? [{ what: 'last hex digit changed', value: flipped }] : []),
      { what: 'string extended', value: `${v}x` },
    ];
  }
  if (typeof v === 'number') return [{ what: 'number incremented', value: v + 1 }];
  if (typeof v === 'boolean') return [{ what: 'boolean flipped', value: !v }];
  if (v === null) return [{ what: 'null replaced', value: 0 }];
  return [];
}

/** Replace the node at `keys` in a deep copy of `doc`. */
function withNode(doc: Json, keys: (string | number)[], f: (node: Json) => Json): Json {
  if (keys.length === 0) return f(doc);
  const [k, ...rest] = keys;
  if (Array.isArray(doc)) return doc.map((x, i) => (i === k ? withNode(x, rest, f) : x));
  const o = doc as { [k: string]: Json };
  return { ...o, [k as string]: withNode(o[k as string]!, rest, f) };
}

export function* mutants(
  doc: unknown,
  skip: (path: string) => boolean = () => false,
): Generator<Mutant> {
  const root = doc as Json;
  function* walk(node: Json, keys: (string | number)[], path: string): Generator<Mutant> {
    if (skip(path)) return;
    if (Array.isArray(node)) {
      if (node.length > 0) {
        yield {
          path,
          what: 'last element removed',
          doc: withNode(root, keys, (n) => (n as Json[]).slice(0, -1)),
        };
        yield {
          path,
          what: 'first element duplicated',
          doc: withNode(root, keys, (n) => [...(n as Json[]), (n as Json[])[0]!]),
        };
      }
      for (let i = 0; i < node.length; i++) yield* walk(node[i]!, [...keys, i], childPath(path, i));
      return;
    }
    if (node !== null && typeof node === 'object') {
      yield {
        path,
        what: 'unknown key added',
        doc: withNode(root, keys, (n) => ({ ...(n as object), zzUnknown: 'x' })),
      };
      for (const k of Object.keys(node)) yield* walk(node[k]!, [...keys, k], childPath(path, k));
      return;
    }
    for (const v of leafVariants(node))
      yield { path, what: v.what, doc: withNode(root, keys, () => v.value) };
  }
  yield* walk(root, [], '$');
}
