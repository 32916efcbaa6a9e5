/**
 * A run worker: a child process of the CLI (`--jobs`, `--tiers`, `--check-determinism`). It gets
 * the context once, then cases (a few queued ahead), and answers each, in order, with its sealed entry. V8 flags (tiers)
 * and environment perturbations come from how the parent forked it.
 */
import { currentPlatform } from '../manifest/platform.js';
import type { CaseSpec, SuiteContext } from '../suites/types.js';
import { loadSuite, runCase } from './exec.js';
import { applyRunJit } from './jit.js';
import type { ToWorker } from './pool.js';

applyRunJit(); // before the suites' code is loaded: the budget applies to functions created after

let ctx: SuiteContext | undefined;
const send = (m: unknown) => process.send!(m);

// The parent queues a few cases ahead: run them one after another, in the order sent.
let chain: Promise<void> = Promise.resolve();
process.on('message', (m: ToWorker) => {
  chain = chain.then(() => handle(m));
});
process.on('disconnect', () => process.exit(0));

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'init') {
    ctx = m.context;
    send({ type: 'ready', platform: currentPlatform() });
    return;
  }
  const spec: CaseSpec = m.spec;
  const t0 = performance.now();
  let suite;
  try {
    suite = await loadSuite(spec.suite);
  } catch (e) {
    send({
      type: 'fault',
      id: spec.id,
      why: `cannot load suite ${spec.suite}: ${(e as Error).message}`,
    });
    return;
  }
  const entry = await runCase(suite, spec, ctx!);
  send({ type: 'entry', entry, ms: Math.round(performance.now() - t0) });
}
