/**
 * The `wasm-spec` suite: every official spec script × every .wast engine (harness/wast/engine.ts).
 * Entry ids: `wasm-spec/<script>::<engine>`. Outputs: the pass/fail/skip counts and a hash over the
 * per-command outcomes (line, command, status, engine-neutral actual outcome).
 *
 * Class: `raw` is advisory (V8 as is: NaN bits and relaxed SIMD differ by CPU and tier, on purpose);
 * every other engine is deterministic by design, so its outcomes are LC and must match bit for bit
 * across architectures, Node versions and tiers.
 *
 * Spec scripts: the pinned corpus (./corpus.ts, vectors/wasm-spec/corpus.json), verified file by
 * file before anything runs. No corpus, or one that is not the pinned one, is an error (exit 2),
 * never an empty suite: a conformance run that silently skips its conformance suite would pass.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { IcnError } from '../../../core/errors.js';
import { contentHash, DOMAIN } from '../../../core/hash/index.js';
import { UsageError } from '../../io/files.js';
import { ENGINES } from '../../wast/engine.js';
import { runScript } from '../../wast/runner.js';
import type { CaseOutcome, CaseSpec, Suite } from '../types.js';
import { resolveCorpusCached } from './corpus.js';

const stem = (path: string): string => path.replace(/\.wast$/, '');

/**
 * The script bytes last verified in this process: a script's engines run in a row (one pool
 * batch), so the next engine's read is compared byte for byte instead of hashed again.
 */
let lastVerified: { file: string; bytes: Buffer; sha256: string } | undefined;

function verifiedAgain(file: string, bytes: Buffer, sha256: string): boolean {
  if (lastVerified?.file === file && lastVerified.sha256 === sha256)
    return lastVerified.bytes.equals(bytes);
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) return false;
  lastVerified = { file, bytes, sha256 };
  return true;
}

export function createWasmSpecSuite(): Suite {
  return {
    name: 'wasm-spec',
    description:
      'Official WebAssembly spec scripts on every wasm engine (raw advisory; dc, dc-float and the interpreter LC)',
    corpus: (ctx) => resolveCorpusCached(ctx).record,
    async list(ctx): Promise<CaseSpec[]> {
      const out: CaseSpec[] = [];
      for (const f of resolveCorpusCached(ctx).scripts) {
        // one pool batch per script: its engines run in one worker, which reads the script once
        for (const engine of Object.keys(ENGINES)) {
          out.push({
            id: `wasm-spec/${stem(f.path)}::${engine}`,
            suite: 'wasm-spec',
            class: engine === 'raw' ? 'advisory' : 'lc',
            tags: ['wasm', 'spec', `engine:${engine}`],
            batch: `wasm-spec/${stem(f.path)}`,
          });
        }
      }
      return out;
    },
    async run(spec, ctx): Promise<CaseOutcome> {
      const m = /^wasm-spec\/(.+)::([a-z0-9-]+)$/.exec(spec.id);
      const script = m && resolveCorpusCached(ctx).scripts.find((s) => s.path === `${m[1]}.wast`);
      if (!m || !script) throw new IcnError('CASE_UNKNOWN', `no wasm-spec case ${spec.id}`);
      const { file, path } = script;
      const engine = m[2]!;
      // Checked again as read: the corpus was verified when resolved, this is the byte string that runs.
      const bytes = readFileSync(file);
      if (!verifiedAgain(file, bytes, script.sha256))
        throw new UsageError(
          'SPEC_CORPUS_MISMATCH',
          `wasm-spec: ${file} changed since the corpus was verified (it no longer matches ${path} in vectors/wasm-spec/corpus.json)`,
        );
      const inputs = contentHash(DOMAIN.manifestInputs, {
        suite: 'wasm-spec',
        script: path,
        engine,
        text: bytes.toString('utf8'),
      });
      const r = await runScript(file, engine);
      const out: CaseOutcome = {
        inputs,
        outputs: {
          passed: String(r.passed),
          failed: String(r.failed),
          skipped: String(r.skipped),
          outcomes: r.outcomesHash,
        },
        status: r.failed > 0 ? 'fail' : 'pass',
        // Relative to the repository (where commands are run from): no machine's paths in a manifest.
        reproduce: `icn-harness wast ${relative(ctx.repoRoot, file) || file} --engine ${engine}`,
      };
      if (r.failed > 0) {
        const first = r.results.filter((x) => x.status === 'fail').slice(0, 3);
        out.reason =
          `${r.failed} failed: ${first.map((x) => `line ${x.line} ${x.cmd}: ${x.reason ?? x.actual}`).join('; ')}`.slice(
            0,
            500,
          );
      }
      return out;
    },
  };
}
