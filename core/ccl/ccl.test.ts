import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalString, parseStrictJson } from '../canonical/index.js';
import { Keypair } from '../identity/index.js';
import {
  CclError,
  contractToJson,
  execute,
  initialState,
  int,
  loadContract,
  parseArgs,
  parseCapabilities,
  parseContract,
  set,
  str,
  valueFromJson,
  valueToJson,
  type Capability,
  type Contract,
  type ExecuteResult,
  type Value,
} from './index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const seedDid = (b: number) => Keypair.fromSeed(new Uint8Array(32).fill(b)).did.toString();
const ALICE = seedDid(1);
const BOB = seedDid(2);
const CAROL = seedDid(3);
const example = (name: string): Contract =>
  loadContract(
    parseStrictJson(readFileSync(join(ROOT, 'contracts', `${name}.json`), 'utf8'), name),
  );

const ALL_STATE = (c: Contract): Capability[] =>
  parseCapabilities([
    { ReadState: { keys: c.stateVars.map((v) => v.name) } },
    { WriteState: { keys: c.stateVars.map((v) => v.name) } },
    { WriteLedger: { accounts: ['$caller'] } },
  ]);

function run(
  c: Contract,
  rule: string,
  args: unknown[],
  opts: { caller?: string; fuel?: number; caps?: Capability[]; state?: Map<string, Value> } = {},
): ExecuteResult {
  return execute({
    contract: c,
    rule,
    args: parseArgs(args),
    caller: opts.caller ?? ALICE,
    state: opts.state ?? initialState(c),
    capabilities: opts.caps ?? ALL_STATE(c),
    fuelLimit: opts.fuel,
  });
}

function ok(r: ExecuteResult) {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r;
}

function errCode(r: ExecuteResult): string {
  if (r.ok) throw new Error('expected an error');
  expect(r.error).toBeInstanceOf(CclError);
  return r.error.code;
}

/** A one-rule contract whose body returns `expr` (ICN JSON). */
function expr(e: unknown, stateVars: unknown[] = []): Contract {
  return loadContract({
    name: 'T',
    participants: [ALICE],
    state_vars: stateVars,
    rules: [{ name: 'r', params: [], body: [{ Return: { value: e } }] }],
  });
}
const lit = (v: unknown) => ({ Literal: v });
const I = (n: number | string) => lit({ Int: n });
const bin = (op: string, left: unknown, right: unknown) => ({ BinOp: { op, left, right } });
const MIN = '-9223372036854775808';
const MAX = '9223372036854775807';

describe('CCL examples', () => {
  it('Calculator.add(5,3) = 8 and (10,7) = 17, 4 fuel each (Return 1 + BinOp 1 + two Vars)', () => {
    const calc = example('calculator');
    const a = ok(run(calc, 'add', [5, 3]));
    expect(a.value).toEqual(int(8n));
    expect(a.fuelUsed).toBe(4);
    const b = ok(run(calc, 'add', [10, 7]));
    expect(b.value).toEqual(int(17n));
    expect(b.fuelUsed).toBe(4);
    expect(ok(run(calc, 'abs', [-5])).fuelUsed).toBe(1 + 1 + 10 + 1);
  });

  it('Transfer emits a ledger op from the caller and counts transfers in state', () => {
    const t = example('transfer');
    const r = ok(run(t, 'transfer', [{ Did: BOB }, 25]));
    expect(r.ledgerOps).toEqual([
      { k: 'LedgerTransfer', from: ALICE, to: BOB, amount: 25n, currency: 'credits' },
    ]);
    expect(r.state.get('transfers')).toEqual(int(1n));
    expect(r.changedKeys).toEqual(['transfers']);
    expect(errCode(run(t, 'transfer', [{ Did: BOB }, 0]))).toBe('CCL_PRECONDITION');
    expect(errCode(run(t, 'transfer', [{ Did: ALICE }, 5]))).toBe('CCL_PRECONDITION');
  });

  it('Timebank records hours in state and as an hours transfer; rejects non-participant recipients', () => {
    const tb = example('timebank');
    const r1 = ok(run(tb, 'record_service', [{ Did: BOB }, 3]));
    const r2 = ok(
      run(tb, 'record_service', [{ Did: CAROL }, 2], { caller: BOB, state: new Map(r1.state) }),
    );
    expect(r2.value).toEqual(int(5n));
    expect(r2.state.get('entries')).toEqual(int(2n));
    expect(r2.ledgerOps).toEqual([
      { k: 'LedgerTransfer', from: BOB, to: CAROL, amount: 2n, currency: 'hours' },
    ]);
    expect(errCode(run(tb, 'record_service', [{ Did: seedDid(9) }, 2]))).toBe('CCL_PRECONDITION');
    expect(errCode(run(tb, 'record_service', [{ Did: BOB }, 25]))).toBe('CCL_PRECONDITION');
  });

  it('Poll: Set state in canonical order, For over a List and a Set, Map results', () => {
    const poll = example('poll');
    const options = initialState(poll).get('options')!;
    expect(valueToJson(options)).toEqual({
      Set: [{ String: 'abstain' }, { String: 'no' }, { String: 'yes' }],
    });
    const r = ok(
      run(poll, 'tally', [
        { List: ['yes', 'no', 'yes', 'maybe', 'abstain'].map((s) => ({ String: s })) },
      ]),
    );
    expect(canonicalString(valueToJson(r.value))).toBe(
      '{"Map":{"abstain":{"Int":"1"},"invalid":{"Int":"1"},"no":{"Int":"1"},"options":{"Int":"3"},"yes":{"Int":"2"}}}',
    );
    const p = ok(run(poll, 'voters_present', [{ Set: [{ Did: CAROL }, { Did: ALICE }] }]));
    expect(canonicalString(valueToJson(p.value))).toBe(
      '{"Map":{"participants":{"Int":"3"},"present":{"Int":"2"}}}',
    );
  });
});

describe('checked i64 and typed errors', () => {
  const cases: [string, unknown, string][] = [
    ['MAX + 1', bin('Add', I(MAX), I(1)), 'CCL_OVERFLOW'],
    ['MIN - 1', bin('Sub', I(MIN), I(1)), 'CCL_OVERFLOW'],
    ['MAX * 2', bin('Mul', I(MAX), I(2)), 'CCL_OVERFLOW'],
    ['x / 0', bin('Div', I(1), I(0)), 'CCL_DIVISION_BY_ZERO'],
    ['x % 0', bin('Mod', I(1), I(0)), 'CCL_DIVISION_BY_ZERO'],
    ['MIN / -1', bin('Div', I(MIN), I(-1)), 'CCL_OVERFLOW'],
    ['MIN % -1', bin('Mod', I(MIN), I(-1)), 'CCL_OVERFLOW'],
    ['abs(MIN)', { Call: { name: 'abs', args: [I(MIN)] } }, 'CCL_OVERFLOW'],
    ['-MIN', { UnOp: { op: 'Neg', operand: I(MIN) } }, 'CCL_OVERFLOW'],
    ['Int < String', bin('Lt', I(1), lit({ String: 'a' })), 'CCL_TYPE'],
    ['Did + Int', bin('Add', lit({ Did: ALICE }), I(1)), 'CCL_TYPE'],
    ['unknown function', { Call: { name: 'sqrt', args: [] } }, 'CCL_UNKNOWN_FUNCTION'],
    ['undefined variable', { Var: 'nope' }, 'CCL_UNDEFINED_VARIABLE'],
    [
      'missing field',
      { FieldAccess: { object: lit({ Map: {} }), field: 'x' } },
      'CCL_NO_SUCH_FIELD',
    ],
    ['len(Int)', { Call: { name: 'len', args: [I(1)] } }, 'CCL_TYPE'],
  ];
  for (const [name, e, code] of cases) {
    it(`${name} → ${code}`, () => {
      const r = run(expr(e), 'r', []);
      expect(errCode(r)).toBe(code);
      if (!r.ok) expect(r.error.details.path).toBe('$.rules[0].body[0]');
    });
  }

  it('edge values that do fit stay exact (no float anywhere)', () => {
    expect(ok(run(expr(bin('Add', I(MAX), I(0))), 'r', [])).value).toEqual(int(2n ** 63n - 1n));
    expect(ok(run(expr(bin('Div', I(-7), I(2))), 'r', [])).value).toEqual(int(-3n)); // truncation, as Rust
    expect(ok(run(expr(bin('Mod', I(-7), I(2))), 'r', [])).value).toEqual(int(-1n));
    expect(ok(run(expr(bin('Mul', I('4611686018427387904'), I(-2))), 'r', [])).value).toEqual(
      int(-(2n ** 63n)),
    );
    expect(
      ok(run(expr({ Call: { name: 'len', args: [lit({ String: 'é€' })] } }), 'r', [])).value,
    ).toEqual(int(5n)); // UTF-8 bytes
  });

  it('And/Or evaluate both sides (ICN) and return Bool; truthiness follows ICN', () => {
    expect(errCode(run(expr(bin('And', lit({ Bool: false }), { Var: 'nope' })), 'r', []))).toBe(
      'CCL_UNDEFINED_VARIABLE',
    );
    const t = (v: unknown) =>
      ok(
        run(
          expr({ UnOp: { op: 'Not', operand: { UnOp: { op: 'Not', operand: lit(v) } } } }),
          'r',
          [],
        ),
      ).value;
    expect(
      [
        t({ Int: 0 }),
        t({ Int: -1 }),
        t({ String: '' }),
        t({ List: [] }),
        t({ Did: ALICE }),
        t('None'),
      ].map((v) => valueToJson(v)),
    ).toEqual([false, true, false, false, true, false].map((b) => ({ Bool: b })));
  });
});

describe('fuel', () => {
  const c = loadContract({
    name: 'Loop',
    participants: [ALICE],
    rules: [
      {
        name: 'r',
        params: [{ name: 'xs' }],
        body: [
          { Assign: { name: 's', value: I(0) } },
          {
            For: {
              var: 'x',
              iterable: { Var: 'xs' },
              body: [{ Assign: { name: 's', value: bin('Add', { Var: 's' }, { Var: 'x' }) } }],
            },
          },
          { Return: { value: { Var: 's' } } },
        ],
      },
    ],
  });
  const xs = (n: number) => [{ List: Array.from({ length: n }, (_, i) => ({ Int: i })) }];

  it('costs 1/statement, 1/expression, 5/iteration exactly', () => {
    // Assign(1+1) + For(1 + iterable 1) + n × (5 + Assign 1 + BinOp 1 + 2 Vars) + Return(1+1)
    for (const n of [0, 1, 10]) expect(ok(run(c, 'r', xs(n))).fuelUsed).toBe(2 + 2 + n * 9 + 2);
  });

  it('MAX_LOOP_ITERATIONS is checked before the loop runs', () => {
    expect(ok(run(c, 'r', xs(1000))).value).toEqual(int(499500n));
    const r = run(c, 'r', xs(1001));
    expect(errCode(r)).toBe('CCL_LOOP_LIMIT');
    expect(r.fuelUsed).toBe(4);
  });

  it('short fuel fails the step without deducting it', () => {
    const need = 2 + 2 + 10 * 9 + 2;
    expect(ok(run(c, 'r', xs(10), { fuel: need })).fuelUsed).toBe(need);
    const r = run(c, 'r', xs(10), { fuel: need - 1 });
    expect(errCode(r)).toBe('CCL_OUT_OF_FUEL');
    expect(r.fuelUsed).toBeLessThanOrEqual(need - 1);
    expect(errCode(run(c, 'r', xs(1), { fuel: 0 }))).toBe('CCL_FUEL_LIMIT');
    expect(errCode(run(c, 'r', xs(1), { fuel: 1_000_001 }))).toBe('CCL_FUEL_LIMIT');
  });
});

describe('capabilities honour key and account lists', () => {
  const t = example('transfer');
  it('state reads and writes need the key listed', () => {
    expect(
      errCode(
        run(t, 'transfer', [{ Did: BOB }, 1], {
          caps: parseCapabilities([{ WriteLedger: { accounts: ['$caller'] } }]),
        }),
      ),
    ).toBe('CCL_CAPABILITY');
    expect(
      errCode(
        run(t, 'transfer', [{ Did: BOB }, 1], {
          caps: parseCapabilities([
            { ReadState: { keys: ['transfers'] } },
            { WriteLedger: { accounts: ['$caller'] } },
          ]),
        }),
      ),
    ).toBe('CCL_CAPABILITY');
    expect(
      errCode(
        run(t, 'transfer', [{ Did: BOB }, 1], {
          caps: parseCapabilities([
            { WriteState: { keys: ['other'] } },
            { WriteLedger: { accounts: ['$caller'] } },
          ]),
        }),
      ),
    ).toBe('CCL_CAPABILITY');
  });
  it('ledger writes need the debited account listed ($caller = the caller itself)', () => {
    const ws = { WriteState: { keys: ['transfers'] } };
    expect(
      errCode(
        run(t, 'transfer', [{ Did: BOB }, 1], {
          caps: parseCapabilities([ws, { WriteLedger: { accounts: [BOB] } }]),
        }),
      ),
    ).toBe('CCL_CAPABILITY');
    expect(
      ok(
        run(t, 'transfer', [{ Did: BOB }, 1], {
          caps: parseCapabilities([ws, { WriteLedger: { accounts: [ALICE] } }]),
        }),
      ).ledgerOps,
    ).toHaveLength(1);
    expect(
      errCode(
        run(t, 'transfer', [{ Did: ALICE }, 1], {
          caller: BOB,
          caps: parseCapabilities([ws, { WriteLedger: { accounts: [ALICE] } }]),
        }),
      ),
    ).toBe('CCL_CAPABILITY');
  });
});

describe('values', () => {
  it('Sets are deduplicated and in canonical (UTF-8 byte) order whatever the insertion order', () => {
    const a = set([
      str('b'),
      int(2n),
      str('a'),
      int(10n),
      str('\u{1F600}'),
      str('\uFFFD'),
      int(2n),
    ]);
    const b = set([str('\uFFFD'), str('\u{1F600}'), int(10n), str('a'), int(2n), str('b')]);
    expect(valueToJson(a)).toEqual(valueToJson(b));
    // U+FFFD (EF BF BD) sorts before U+1F600 (F0 …) in UTF-8, although not in UTF-16.
    const strings = (a.t === 'Set' ? a.v : [])
      .filter((v) => v.t === 'String')
      .map((v) => (v.t === 'String' ? v.v : ''));
    expect(strings).toEqual(['a', 'b', '\uFFFD', '\u{1F600}']);
  });

  it('exponential values are refused, not built', () => {
    const body: unknown[] = [{ Assign: { name: 'x', value: lit({ List: [{ Int: 1 }] }) } }];
    const c = loadContract({
      name: 'Bomb',
      participants: [ALICE],
      rules: [
        {
          name: 'r',
          params: [{ name: 'xs' }],
          body: [
            ...body,
            {
              For: {
                var: 'i',
                iterable: { Var: 'xs' },
                body: [{ Assign: { name: 'x', value: { List: [{ Var: 'x' }, { Var: 'x' }] } } }],
              },
            },
            { Return: { value: I(0) } },
          ],
        },
      ],
    });
    expect(errCode(run(c, 'r', [{ List: Array.from({ length: 40 }, () => ({ Int: 0 })) }]))).toBe(
      'CCL_VALUE_TOO_LARGE',
    );
    const s = loadContract({
      name: 'Bomb',
      participants: [ALICE],
      rules: [
        {
          name: 'r',
          params: [{ name: 'xs' }],
          body: [
            { Assign: { name: 'x', value: lit({ String: 'ab' }) } },
            {
              For: {
                var: 'i',
                iterable: { Var: 'xs' },
                body: [{ Assign: { name: 'x', value: bin('Add', { Var: 'x' }, { Var: 'x' }) } }],
              },
            },
            { Return: { value: I(0) } },
          ],
        },
      ],
    });
    expect(errCode(run(s, 'r', [{ List: Array.from({ length: 40 }, () => ({ Int: 0 })) }]))).toBe(
      'CCL_VALUE_TOO_LARGE',
    );
  });

  it('Int accepts a safe JSON integer or a decimal string; writes a string', () => {
    expect(valueToJson(valueFromJson({ Int: 5 }))).toEqual({ Int: '5' });
    expect(valueToJson(valueFromJson({ Int: MIN }))).toEqual({ Int: MIN });
    for (const bad of [
      { Int: 1.5 },
      { Int: 2 ** 53 },
      { Int: '9223372036854775808' },
      { Int: '01' },
      { Int: true },
      { Float: 1 },
      { Int: 1, String: 'x' },
      'none',
    ]) {
      expect(() => valueFromJson(bad)).toThrow(CclError);
    }
  });
});

describe('parse and validate', () => {
  const base = () => JSON.parse(readFileSync(join(ROOT, 'contracts', 'calculator.json'), 'utf8'));

  it('canonical JSON round-trips through the parser', () => {
    for (const name of ['calculator', 'transfer', 'timebank', 'poll']) {
      const c = example(name);
      const j = canonicalString(contractToJson(c));
      expect(canonicalString(contractToJson(loadContract(JSON.parse(j))))).toBe(j);
    }
  });

  const parseErr = (mutate: (c: any) => void): CclError => {
    const c = base();
    mutate(c);
    try {
      loadContract(c);
    } catch (e) {
      expect(e).toBeInstanceOf(CclError);
      return e as CclError;
    }
    throw new Error('expected an error');
  };

  it('shape errors name the path and the reason', () => {
    let e = parseErr((c) => (c.rules[0].body[0].Return.value.BinOp.op = 'Pow'));
    expect([e.code, e.details.path]).toEqual([
      'CCL_PARSE',
      '$.rules[0].body[0].Return.value.BinOp.op',
    ]);
    expect(e.message).toMatch(/unknown operator "Pow"/);
    e = parseErr((c) => (c.rules[1].body[0] = { While: {} }));
    expect([e.code, e.details.path]).toEqual(['CCL_PARSE', '$.rules[1].body[0]']);
    e = parseErr((c) => (c.rules[0].extra = 1));
    expect([e.code, e.details.path]).toEqual(['CCL_PARSE', '$.rules[0].extra']);
    e = parseErr((c) => (c.participants[0] = 'did:key:abc'));
    expect([e.code, e.details.path]).toEqual(['CCL_PARSE', '$.participants[0]']);
    e = parseErr((c) => (c.triggers = [{}]));
    expect(e.code).toBe('CCL_UNSUPPORTED');
  });

  it("validate() enforces ICN's limits", () => {
    const check = (mutate: (c: any) => void) => {
      const e = parseErr(mutate);
      expect(e.code).toBe('CCL_INVALID');
      return e.details.check;
    };
    expect(check((c) => (c.name = ''))).toBe('name');
    expect(check((c) => (c.name = 'x'.repeat(129)))).toBe('name');
    expect(check((c) => (c.participants = []))).toBe('participants');
    expect(check((c) => c.participants.push(c.participants[0]))).toBe('duplicate-participant');
    expect(
      check(
        (c) =>
          (c.state_vars = Array.from({ length: 101 }, (_, i) => ({
            name: `v${i}`,
            initial_value: 'None',
          }))),
      ),
    ).toBe('state-vars');
    expect(
      check(
        (c) =>
          (c.rules = Array.from({ length: 51 }, (_, i) => ({
            name: `r${i}`,
            params: [],
            body: [],
          }))),
      ),
    ).toBe('rules');
    expect(check((c) => (c.state_vars = [{ name: 'a', initial_value: 'None' }]))).toBe(
      'shadows-state',
    );
    expect(check((c) => (c.rules[0].params[0].name = 'return'))).toBe('reserved-word');
    expect(check((c) => (c.rules[0].params[0].name = 'sender'))).toBe('reserved-binding');
    let deep: unknown = { Var: 'a' };
    for (let i = 0; i < 49; i++) deep = { UnOp: { op: 'Neg', operand: deep } };
    expect(check((c) => (c.rules[0].body[0].Return.value = deep))).toBe('expression-depth');
    let loops: unknown[] = [{ Return: { value: { Var: 'a' } } }];
    for (let i = 0; i < 6; i++)
      loops = [{ For: { var: `i${i}`, iterable: { Var: 'a' }, body: loops } }];
    expect(check((c) => (c.rules[0].body = loops))).toBe('loop-nesting');
  });

  it('depth 49 is accepted; absurd nesting is a parse error, not a stack overflow', () => {
    let e: unknown = { Var: 'a' };
    for (let i = 0; i < 48; i++) e = { UnOp: { op: 'Neg', operand: e } };
    const c = base();
    c.rules[0].body[0].Return.value = e;
    expect(() => loadContract(c)).not.toThrow();
    let deep: unknown = { Var: 'a' };
    for (let i = 0; i < 100_000; i++) deep = { UnOp: { op: 'Neg', operand: deep } };
    c.rules[0].body[0].Return.value = deep;
    expect(() => parseContract(c)).toThrow(/nested deeper than 200/);
  });
});

describe('properties', () => {
  const i64 = fc.oneof(
    fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    fc.constantFrom(-(1n << 63n), (1n << 63n) - 1n, 0n, -1n, 1n),
    fc.bigInt({ min: -100n, max: 100n }),
  );
  const opContract = (op: string) =>
    loadContract({
      name: 'Op',
      participants: [ALICE],
      rules: [
        {
          name: 'r',
          params: [{ name: 'a' }, { name: 'b' }],
          body: [{ Return: { value: bin(op, { Var: 'a' }, { Var: 'b' }) } }],
        },
      ],
    });
  const contracts = Object.fromEntries(
    ['Add', 'Sub', 'Mul', 'Div', 'Mod'].map((op) => [op, opContract(op)]),
  );

  it('checked i64: every result equals exact integer arithmetic, or is a typed error exactly when that leaves i64', () => {
    const inRange = (x: bigint) => x >= -(1n << 63n) && x < 1n << 63n;
    // Rust semantics: truncating division and remainder; MIN / -1 and MIN % -1 overflow.
    const exact: Record<string, (a: bigint, b: bigint) => bigint | 'div0'> = {
      Add: (a, b) => a + b,
      Sub: (a, b) => a - b,
      Mul: (a, b) => a * b,
      Div: (a, b) => (b === 0n ? 'div0' : a / b),
      Mod: (a, b) => (b === 0n ? 'div0' : a === -(1n << 63n) && b === -1n ? 1n << 63n : a % b),
    };
    fc.assert(
      fc.property(
        fc.constantFrom('Add', 'Sub', 'Mul', 'Div', 'Mod'),
        i64,
        fc.oneof(i64, fc.constant(0n)),
        (op, a, b) => {
          const r = execute({
            contract: contracts[op]!,
            rule: 'r',
            args: [int(a), int(b)],
            caller: ALICE,
            state: new Map(),
            capabilities: [],
          });
          const want = exact[op]!(a, b);
          if (want === 'div0') expect(errCode(r)).toBe('CCL_DIVISION_BY_ZERO');
          else if (!inRange(want)) expect(errCode(r)).toBe('CCL_OVERFLOW');
          else expect(ok(r).value).toEqual(int(want));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('a Set is the same value whatever the order and multiplicity of its inputs', () => {
    const scalar = fc.oneof(
      fc.bigInt({ min: -5n, max: 5n }).map((n) => int(n)),
      fc.string({ maxLength: 3 }).map((s) => str(s)),
      fc.constant(valueFromJson('None')),
      fc.boolean().map((b) => valueFromJson({ Bool: b })),
    );
    fc.assert(
      fc.property(fc.array(scalar, { maxLength: 12 }), fc.nat(), (items, seed) => {
        const shuffled = items
          .map((x, i) => [x, (i * 7919 + seed) % 104_729] as const)
          .sort((p, q) => p[1] - q[1])
          .map((p) => p[0]);
        const a = canonicalString(valueToJson(set(items)));
        expect(canonicalString(valueToJson(set([...shuffled, ...items])))).toBe(a);
        // and it round-trips through its JSON form
        expect(canonicalString(valueToJson(valueFromJson(JSON.parse(a))))).toBe(a);
      }),
      { numRuns: 500 },
    );
  });
});
