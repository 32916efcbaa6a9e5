/**
 * Every suite the harness knows, in run order. Suites are created lazily so that `--help` and
 * `list` load nothing heavy. Add a suite: one line here.
 */
import type { Suite } from './types.js';

export interface SuiteInfo {
  name: string;
  description: string;
  load(): Promise<Suite>;
}

export const SUITES: SuiteInfo[] = [
  {
    name: 'vectors',
    description: 'Pinned test vectors',
    load: async () => (await import('./vectors/suite.js')).createVectorsSuite(),
  },
  {
    name: 'nasties',
    description:
      'Every known source of nondeterminism: detected on raw, neutralized by dc/dc-float',
    load: async () => (await import('./nasties/suite.js')).createNastiesSuite(),
  },
  {
    name: 'wasm-spec',
    description: 'Official WebAssembly spec scripts per wasm engine',
    load: async () => (await import('./wasm-spec/suite.js')).createWasmSpecSuite(),
  },
  {
    name: 'scenarios',
    description: 'Deterministic multi-node scenarios in the simulator',
    load: async () => (await import('./scenarios/suite.js')).createScenariosSuite(),
  },
];

export function suiteNames(): string[] {
  return SUITES.map((s) => s.name);
}
