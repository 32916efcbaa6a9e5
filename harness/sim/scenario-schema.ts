/**
 * The scenario file's schema, checked by ajv (as harness/manifest checks manifests). Each rule is
 * one subschema carrying its error text (`why`, an annotation keyword), in the order the rules
 * are checked, so the first failure names what is wrong, where and why in one line:
 * `scenarios/x.json.steps[2]: unknown action "jump"`. The schema is as permissive as the
 * scenario runner: fields it does not name are left to the steps and checks that read them.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { IcnError } from '../../core/errors.js';
import { TOPICS } from '../../core/gossip/index.js';
import { DECISION_TAMPERS, EXECUTION_TAMPERS } from '../../core/node/index.js';
import { CHECK_KINDS, SCENARIO_FORMAT, STEP_KINDS, type ScenarioDef } from './scenario-types.js';

/** A safe integer ≥ min (Number.isSafeInteger). */
const int = (min: number) => ({ type: 'integer', minimum: min, maximum: Number.MAX_SAFE_INTEGER });

/**
 * A rule on one field of an object: `why` is the error text, `whyAt` what the field adds to the
 * place named (".nodes"); `{field}` in `why` stands for that field's value as JSON.
 */
const intField = (name: string, min: number, required = true) => ({
  why: `expected an integer ≥ ${min}`,
  whyAt: `.${name}`,
  ...(required ? { required: [name] } : {}),
  properties: { [name]: int(min) },
});

const whenDo = (kind: string) => ({ required: ['do'], properties: { do: { const: kind } } });

const STEP_SCHEMA = {
  // Not an object: its `at` is missing (what the runner would say).
  why: 'expected an integer ≥ 0',
  whyAt: '.at',
  type: 'object',
  allOf: [
    intField('at', 0),
    { why: 'unknown action {do}', required: ['do'], properties: { do: { enum: [...STEP_KINDS] } } },
    {
      if: whenDo('execute'),
      then: {
        why: `one of ${EXECUTION_TAMPERS.join(', ')}`,
        whyAt: '.byzantine',
        properties: { byzantine: { enum: [...EXECUTION_TAMPERS] } },
      },
    },
    {
      if: whenDo('governance'),
      then: {
        why: 'a governance step needs `as` and `domain`',
        required: ['as', 'domain'],
        properties: { as: { type: 'string' }, domain: { type: 'string' } },
      },
    },
    {
      if: whenDo('governance'),
      then: {
        why: `one of ${DECISION_TAMPERS.join(', ')}`,
        whyAt: '.tamper',
        properties: { tamper: { enum: [...DECISION_TAMPERS] } },
      },
    },
    { why: 'undeclared topic {topic}', properties: { topic: { enum: [...TOPICS] } } },
  ],
};

const CHECK_SCHEMA = {
  why: 'unknown check {check}',
  type: 'object',
  required: ['check'],
  properties: { check: { enum: [...CHECK_KINDS] } },
};

export const SCENARIO_SCHEMA = {
  $id: 'icn-scenario/v1',
  why: 'a scenario is an object',
  type: 'object',
  allOf: [
    {
      why: `format must be ${JSON.stringify(SCENARIO_FORMAT)}`,
      required: ['format'],
      properties: { format: { const: SCENARIO_FORMAT } },
    },
    {
      why: 'name must be [a-z0-9-]+',
      required: ['name'],
      properties: { name: { type: 'string', pattern: '^[a-z0-9-]+$' } },
    },
    {
      why: 'description must be a string',
      required: ['description'],
      properties: { description: { type: 'string' } },
    },
    intField('nodes', 1),
    intField('horizonMs', 1),
    intField('suiteSeeds', 1, false),
    {
      why: 'steps and expect must be arrays',
      required: ['steps', 'expect'],
      properties: { steps: { type: 'array' }, expect: { type: 'array' } },
    },
    { properties: { steps: { type: 'array', items: STEP_SCHEMA } } },
    { properties: { expect: { type: 'array', items: CHECK_SCHEMA } } },
  ],
};

// The schema is ours and fixed: checking it against the 2020-12 meta-schema in every process
// costs a compile of the meta-schema (~50 ms a worker); scenario-schema.test.ts checks it once.
const ajv = new Ajv2020({ allErrors: false, strict: true, validateSchema: false });
ajv.addKeyword({ keyword: 'why', schemaType: 'string' });
ajv.addKeyword({ keyword: 'whyAt', schemaType: 'string' });
const validate = ajv.compile(SCENARIO_SCHEMA);

/** Validate a parsed scenario file (structure, step and check kinds, tampers, topics). */
export function checkScenario(x: unknown, where: string): ScenarioDef {
  if (!validate(x)) throw new IcnError('SCENARIO_FORMAT', explain(validate.errors?.[0], x, where));
  return x as ScenarioDef;
}

type SchemaNode = { why?: string; whyAt?: string; [k: string]: unknown };

/**
 * The first error as `where: why`: the deepest subschema on the error's schema path that carries
 * a `why` gives the text and, by how many instance levels lie above it, the place.
 */
function explain(e: ErrorObject | undefined, data: unknown, where: string): string {
  if (!e) return `${where}: invalid`;
  const segments = e.instancePath.split('/').slice(1);
  let node: unknown = SCENARIO_SCHEMA;
  let depth = 0;
  let found: { why: string; whyAt: string; depth: number } | undefined;
  const path = e.schemaPath.replace(/^#\//, '').split('/');
  for (let k = 0; k <= path.length; k++) {
    const n = node as SchemaNode;
    if (typeof n.why === 'string') found = { why: n.why, whyAt: n.whyAt ?? '', depth };
    if (k === path.length || n === null || typeof n !== 'object') break;
    const seg = path[k]!;
    // `properties/<name>` and `items` step one level into the instance; the rest stay on it.
    if (path[k - 1] === 'properties' || seg === 'items') depth++;
    node = n[seg];
  }
  if (!found) return `${where}: ${e.message ?? 'invalid'}`;
  let at: unknown = data;
  let place = where;
  for (const s of segments.slice(0, found.depth)) {
    place += /^\d+$/.test(s) ? `[${s}]` : `.${s}`;
    at = (at as Record<string, unknown>)[s];
  }
  const why = found.why.replace(/\{(\w+)\}/g, (_, f: string) =>
    String(JSON.stringify((at as Record<string, unknown>)[f])),
  );
  return `${place}${found.whyAt}: ${why}`;
}
