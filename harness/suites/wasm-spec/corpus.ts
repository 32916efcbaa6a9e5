/**
 * The spec corpus for the harness: the one resolver lives in core/wasm/spec-corpus/corpus.ts; here
 * its errors become UsageErrors (bad input, exit 2) with the same code and message.
 */
import * as core from '../../../core/wasm/spec-corpus/corpus.js';
import { isIcnError } from '../../../core/errors.js';
import { UsageError } from '../../io/files.js';

export * from '../../../core/wasm/spec-corpus/corpus.js';

const asUsage = <T>(f: () => T): T => {
  try {
    return f();
  } catch (e) {
    if (isIcnError(e) && e.code.startsWith('SPEC_CORPUS_')) throw new UsageError(e.code, e.message);
    throw e;
  }
};

export const loadPin = (repoRoot: string): core.CorpusPin => asUsage(() => core.loadPin(repoRoot));
export const resolveCorpus = (
  ctx: core.CorpusWhere,
  env: NodeJS.ProcessEnv = process.env,
): core.ResolvedCorpus => asUsage(() => core.resolveCorpus(ctx, env));
export const resolveCorpusCached = (ctx: core.CorpusWhere): core.ResolvedCorpus =>
  asUsage(() => core.resolveCorpusCached(ctx));
