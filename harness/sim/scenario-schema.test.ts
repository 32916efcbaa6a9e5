/**
 * The scenario schema (ajv) gives the same one-line errors the hand-written checks gave: what,
 * where, why, for the first rule broken in the order the rules are listed.
 */
import { describe, expect, it } from 'vitest';
import { IcnError } from '../../core/errors.js';
import { loadScenarios } from '../suites/scenarios/load.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { checkScenario, SCENARIO_SCHEMA } from './scenario-schema.js';
import { join } from 'node:path';

const base = {
  format: 'icn-scenario/v1',
  name: 'x',
  description: 'd',
  nodes: 2,
  horizonMs: 100,
  steps: [],
  expect: [],
};
const step = (s: Record<string, unknown>) => ({ ...base, steps: [s] });

const CASES: [unknown, string][] = [
  [null, 'f: a scenario is an object'],
  [[], 'f: a scenario is an object'],
  [{}, 'f: format must be "icn-scenario/v1"'],
  [{ ...base, format: 'v2', name: 'X' }, 'f: format must be "icn-scenario/v1"'],
  [{ ...base, name: 'X' }, 'f: name must be [a-z0-9-]+'],
  [{ ...base, description: 3 }, 'f: description must be a string'],
  [{ ...base, nodes: 1.5 }, 'f.nodes: expected an integer ≥ 1'],
  [{ ...base, nodes: 0, horizonMs: 0 }, 'f.nodes: expected an integer ≥ 1'],
  [{ ...base, horizonMs: 2 ** 60 }, 'f.horizonMs: expected an integer ≥ 1'],
  [{ ...base, suiteSeeds: null }, 'f.suiteSeeds: expected an integer ≥ 1'],
  [{ ...base, expect: null }, 'f: steps and expect must be arrays'],
  [step({ do: 'attest' }), 'f.steps[0].at: expected an integer ≥ 0'],
  [{ ...base, steps: [5] }, 'f.steps[0].at: expected an integer ≥ 0'],
  [step({ at: 0, do: 'nope' }), 'f.steps[0]: unknown action "nope"'],
  [step({ at: 0 }), 'f.steps[0]: unknown action undefined'],
  [
    step({ at: 0, do: 'execute', byzantine: null }),
    'f.steps[0].byzantine: one of ledger_amount, output, entry, replay',
  ],
  [
    step({ at: 0, do: 'governance', as: 1, domain: 'd' }),
    'f.steps[0]: a governance step needs `as` and `domain`',
  ],
  [
    step({ at: 0, do: 'governance', as: 'a', domain: 'd', tamper: 'z' }),
    'f.steps[0].tamper: one of receipt, effects',
  ],
  [step({ at: 0, do: 'publish', topic: 'trust' }), 'f.steps[0]: undeclared topic "trust"'],
  [
    {
      ...base,
      steps: [
        { at: 0, do: 'attest' },
        { at: 'x', do: 'attest' },
      ],
    },
    'f.steps[1].at: expected an integer ≥ 0',
  ],
  [
    { ...base, steps: [{ at: 0, do: 'nope' }], expect: [{ check: 'nope' }] },
    'f.steps[0]: unknown action "nope"',
  ],
  [
    { ...base, expect: [{ check: 'converged' }, { check: 'nope' }] },
    'f.expect[1]: unknown check "nope"',
  ],
  [{ ...base, expect: [{}] }, 'f.expect[0]: unknown check undefined'],
];

describe('scenario schema', () => {
  it.each(CASES)('%j → %s', (x, message) => {
    let err: unknown;
    try {
      checkScenario(x, 'f');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IcnError);
    expect((err as IcnError).code).toBe('SCENARIO_FORMAT');
    expect((err as IcnError).message).toBe(message);
  });

  it('accepts what the runner accepts: fields it does not name, a non-governance tamper', () => {
    expect(
      checkScenario(step({ at: 0, do: 'attest', tamper: 'z', extra: 1 }), 'f').steps,
    ).toHaveLength(1);
    expect(
      checkScenario(step({ at: 0, do: 'execute', byzantine: 'output' }), 'f').steps,
    ).toHaveLength(1);
  });

  it('every scenario file of the repository passes', () => {
    expect(loadScenarios(join(import.meta.dirname, '..', '..')).length).toBeGreaterThan(10);
  });
});

describe('the scenario schema itself', () => {
  it('is a valid JSON Schema 2020-12 document (the runtime skips this check)', () => {
    const ajv = new Ajv2020({ strict: true });
    ajv.addKeyword({ keyword: 'why', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'whyAt', schemaType: 'string' });
    expect(ajv.validateSchema(SCENARIO_SCHEMA), JSON.stringify(ajv.errors)).toBe(true);
    expect(ajv.validateSchema({ ...SCENARIO_SCHEMA, type: 'objekt' })).toBe(false);
  });
});
