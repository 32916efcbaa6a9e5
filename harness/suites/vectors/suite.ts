/**
 * The `vectors` suite: every case of every vector file under vectors/ (except vectors/golden/,
 * which holds golden manifests, and vectors/wasm-spec/, the spec corpus pin: not vectors). Entry ids: `vectors/<path without .json>::<case>`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { IcnError } from '../../../core/errors.js';
import { contentHash, DOMAIN } from '../../../core/hash/index.js';
import { UsageError, readJsonFile } from '../../io/files.js';
import type { CaseOutcome, CaseSpec, Suite, SuiteContext } from '../types.js';
import { VECTOR_FORMAT, type VectorCase, type VectorFile } from './format.js';
import { vectorKind } from './kinds.js';

const EXCLUDED_DIRS = new Set(['golden', 'wasm-spec']);

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!EXCLUDED_DIRS.has(name)) walk(p, out);
    } else if (name.endsWith('.json')) out.push(p);
  }
}

export function loadVectorFile(path: string, repoRoot: string): VectorFile {
  const rel = relative(repoRoot, path);
  const data = readJsonFile(path) as Partial<VectorFile>;
  if (data === null || typeof data !== 'object' || data.format !== VECTOR_FORMAT) {
    throw new UsageError('VECTOR_FORMAT', `${rel}: not a vector file (expected "format": "${VECTOR_FORMAT}")`);
  }
  if (typeof data.kind !== 'string' || !Array.isArray(data.cases)) throw new UsageError('VECTOR_FORMAT', `${rel}: needs "kind" and "cases"`);
  vectorKind(data.kind); // unknown kinds fail at load, not mid-run
  const names = new Set<string>();
  data.cases.forEach((c: VectorCase, i: number) => {
    if (typeof c?.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(c.name)) throw new UsageError('VECTOR_FORMAT', `${rel}: $.cases[${i}].name must be [A-Za-z0-9._-]+`);
    if (names.has(c.name)) throw new UsageError('VECTOR_FORMAT', `${rel}: duplicate case name ${c.name}`);
    names.add(c.name);
  });
  return data as VectorFile;
}

interface Located {
  file: VectorFile;
  rel: string;
  c: VectorCase;
}

export function createVectorsSuite(): Suite {
  let index: Map<string, Located> | undefined;
  const load = (ctx: SuiteContext): Map<string, Located> => {
    if (index) return index;
    const files: string[] = [];
    walk(join(ctx.repoRoot, 'vectors'), files);
    index = new Map();
    for (const path of files) {
      const rel = relative(ctx.repoRoot, path).split(sep).join('/');
      const file = loadVectorFile(path, ctx.repoRoot);
      const stem = rel.replace(/^vectors\//, '').replace(/\.json$/, '');
      for (const c of file.cases) index.set(`vectors/${stem}::${c.name}`, { file, rel, c });
    }
    return index;
  };
  return {
    name: 'vectors',
    description: 'Pinned test vectors: RFC 8785, RFC 8032, ICN goldens, our hashes and formats',
    async list(ctx): Promise<CaseSpec[]> {
      return [...load(ctx).entries()].map(([id, { file }]) => ({ id, suite: 'vectors', class: file.class ?? 'lc', tags: ['vectors', file.kind] }));
    },
    async run(spec, ctx): Promise<CaseOutcome> {
      const hit = load(ctx).get(spec.id);
      if (!hit) throw new IcnError('CASE_UNKNOWN', `no vector case ${spec.id}`);
      const inputs = contentHash(DOMAIN.manifestInputs, { kind: hit.file.kind, case: hit.c });
      const v = await vectorKind(hit.file.kind).check(hit.c, hit.rel);
      const out: CaseOutcome = { inputs, outputs: v.outputs, status: v.ok ? 'pass' : 'fail', reproduce: `icn-harness run --filter '${spec.id}'` };
      if (!v.ok) out.reason = v.reason ?? 'vector mismatch';
      return out;
    },
  };
}
