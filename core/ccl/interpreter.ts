/**
 * The CCL interpreter: ICN's evaluation order, lookup order, builtins, truthiness and fuel costs,
 * made sound: checked i64 arithmetic, canonical Set/Map order, capability checks that honour the
 * listed keys and accounts, bounded values. Pure: no clock, no randomness, no I/O. The same
 * contract, rule, arguments, caller, state, capabilities and fuel limit give the same result, bit
 * for bit; every failure is a CclError outcome (with the fuel used up to it), never a crash.
 */
import {
  CALLER_ACCOUNT,
  type Capability,
  type Contract,
  type Expr,
  type LedgerOp,
  type Rule,
  type Stmt,
} from './ast.js';
import { CclError, type CclErrorCode } from './errors.js';
import {
  bool,
  did,
  I64_MAX,
  I64_MIN,
  int,
  list,
  map,
  NONE,
  set,
  str,
  truthy,
  valueEquals,
  type Value,
} from './values.js';

/** ICN's fuel costs (icn-ccl): 1 per statement, 1 per expression, +10 per call, +5 per loop iteration. */
export const FUEL = { statement: 1, expression: 1, call: 10, loopIteration: 5 } as const;
export const MAX_LOOP_ITERATIONS = 1_000;
export const DEFAULT_FUEL = 100_000;
export const MAX_FUEL = 1_000_000;

export interface ExecuteRequest {
  readonly contract: Contract;
  readonly rule: string;
  readonly args: readonly Value[];
  /** The caller's canonical DID (bound to `sender`). */
  readonly caller: string;
  /** The contract's state before the call (see initialState). */
  readonly state: ReadonlyMap<string, Value>;
  /** What the installation grants. Nothing is granted implicitly. */
  readonly capabilities: readonly Capability[];
  /** 1..MAX_FUEL; DEFAULT_FUEL when absent. */
  readonly fuelLimit?: number;
}

export type ExecuteResult =
  | {
      readonly ok: true;
      readonly value: Value;
      readonly fuelUsed: number;
      /** The whole state after the call. */
      readonly state: ReadonlyMap<string, Value>;
      /** Keys written by the call, sorted. */
      readonly changedKeys: readonly string[];
      readonly ledgerOps: readonly LedgerOp[];
    }
  | { readonly ok: false; readonly error: CclError; readonly fuelUsed: number };

/** The state a fresh installation starts with: each state variable's initial value. */
export function initialState(c: Contract): Map<string, Value> {
  return new Map(c.stateVars.map((v) => [v.name, v.initial]));
}

// The `participants` Set of a contract, built once per (immutable) contract object.
const participantSets = new WeakMap<Contract, Value>();
function participantsOf(c: Contract): Value {
  let v = participantSets.get(c);
  if (v === undefined) {
    v = set(c.participants.map((p) => did(p)));
    participantSets.set(c, v);
  }
  return v;
}

class Returned {
  constructor(readonly value: Value) {}
}

class Machine {
  fuelUsed = 0;
  readonly locals = new Map<string, Value>();
  readonly state: Map<string, Value>;
  readonly changed = new Set<string>();
  readonly ops: LedgerOp[] = [];
  private readonly participants: Value;
  private readonly callerValue: Value;
  private readonly readKeys = new Set<string>();
  private readonly writeKeys = new Set<string>();
  private readonly writeAccounts = new Set<string>();
  /** Path of the statement (or requires clause) being executed: where errors happened. */
  at = '$';

  constructor(
    private readonly req: ExecuteRequest,
    private readonly fuelLimit: number,
  ) {
    this.state = new Map(req.state);
    this.participants = participantsOf(req.contract);
    this.callerValue = did(req.caller);
    for (const c of req.capabilities) {
      if (c.k === 'ReadState') c.keys.forEach((k) => this.readKeys.add(k));
      if (c.k === 'WriteState')
        c.keys.forEach((k) => (this.readKeys.add(k), this.writeKeys.add(k)));
      if (c.k === 'WriteLedger') c.accounts.forEach((a) => this.writeAccounts.add(a));
    }
  }

  fail(code: CclErrorCode, why: string, extra: Record<string, unknown> = {}): never {
    throw new CclError(code, `${this.at}: ${why}`, { path: this.at, ...extra });
  }

  /** Charge fuel; when it is short nothing is deducted and the step fails (ICN). */
  charge(n: number): void {
    if (this.fuelUsed + n > this.fuelLimit)
      this.fail(
        'CCL_OUT_OF_FUEL',
        `out of fuel: ${this.fuelUsed} used, ${n} more needed, limit ${this.fuelLimit}`,
        { fuelLimit: this.fuelLimit },
      );
    this.fuelUsed += n;
  }

  /** Run the checks that may raise value errors inside a statement, with this statement's path. */
  guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof CclError && e.details.path !== this.at)
        throw new CclError(e.code, `${this.at}: ${e.message}`, { ...e.details, path: this.at });
      throw e;
    }
  }

  run(rule: Rule): Value {
    rule.params.forEach((p, i) => this.locals.set(p, this.req.args[i]!));
    for (let i = 0; i < rule.requires.length; i++) {
      this.at = `${rule.at}.requires[${i}]`;
      if (!truthy(this.eval(rule.requires[i]!)))
        this.fail(
          'CCL_PRECONDITION',
          `precondition ${i} of rule ${JSON.stringify(rule.name)} is not met`,
          { index: i },
        );
    }
    try {
      this.block(rule.body);
    } catch (e) {
      if (e instanceof Returned) return e.value;
      throw e;
    }
    return NONE;
  }

  block(stmts: readonly Stmt[]): void {
    for (const s of stmts) this.stmt(s);
  }

  canWriteAccount(account: string): boolean {
    return (
      this.writeAccounts.has(account) ||
      (this.writeAccounts.has(CALLER_ACCOUNT) && account === this.req.caller)
    );
  }

  stmt(s: Stmt): void {
    this.at = s.at;
    this.charge(FUEL.statement);
    switch (s.k) {
      case 'Assign': {
        const v = this.eval(s.value);
        this.at = s.at;
        if (this.locals.has(s.name) || !this.state.has(s.name)) this.locals.set(s.name, v);
        else this.writeState(s.name, v);
        return;
      }
      case 'SetState': {
        const k = this.eval(s.key);
        const v = this.eval(s.value);
        this.at = s.at;
        if (k.t !== 'String') this.fail('CCL_TYPE', `SetState key must be a String, got ${k.t}`);
        this.writeState(k.v, v);
        return;
      }
      case 'LedgerTransfer': {
        const from = this.account(this.eval(s.from), 'from');
        const to = this.account(this.eval(s.to), 'to');
        const amount = this.eval(s.amount);
        const currency = this.currency(this.eval(s.currency));
        this.at = s.at;
        if (amount.t !== 'Int')
          this.fail('CCL_TYPE', `transfer amount must be an Int, got ${amount.t}`);
        if (amount.v <= 0n)
          this.fail('CCL_LEDGER_OP', `transfer amount must be positive, got ${amount.v}`);
        if (!this.canWriteAccount(from))
          this.fail('CCL_CAPABILITY', `no WriteLedger capability for account ${from}`, {
            account: from,
          });
        this.ops.push({ k: 'LedgerTransfer', from, to, amount: amount.v, currency });
        return;
      }
      case 'SetCreditLimit': {
        const account = this.account(this.eval(s.account), 'account');
        const currency = this.currency(this.eval(s.currency));
        const limit = this.eval(s.limit);
        this.at = s.at;
        if (limit.t !== 'Int') this.fail('CCL_TYPE', `credit limit must be an Int, got ${limit.t}`);
        if (limit.v < 0n) this.fail('CCL_LEDGER_OP', `credit limit must be ≥ 0, got ${limit.v}`);
        if (!this.canWriteAccount(account))
          this.fail('CCL_CAPABILITY', `no WriteLedger capability for account ${account}`, {
            account,
          });
        this.ops.push({ k: 'SetCreditLimit', account, currency, limit: limit.v });
        return;
      }
      case 'If': {
        const c = this.eval(s.condition);
        if (truthy(c)) this.block(s.then);
        else if (s.else) this.block(s.else);
        return;
      }
      case 'For': {
        const it = this.eval(s.iterable);
        this.at = s.at;
        let items: readonly Value[];
        if (it.t === 'List' || it.t === 'Set') items = it.v;
        else if (it.t === 'Map') items = it.v.map(([k]) => str(k));
        else this.fail('CCL_TYPE', `For iterates a List, Set or Map, got ${it.t}`);
        if (items.length > MAX_LOOP_ITERATIONS)
          this.fail(
            'CCL_LOOP_LIMIT',
            `${items.length} iterations exceed MAX_LOOP_ITERATIONS ${MAX_LOOP_ITERATIONS}`,
          );
        for (const x of items) {
          this.at = s.at;
          this.charge(FUEL.loopIteration);
          this.locals.set(s.var, x);
          this.block(s.body);
        }
        return;
      }
      case 'Return':
        throw new Returned(this.eval(s.value));
      case 'Expr':
        this.eval(s.expr);
        return;
    }
  }

  writeState(key: string, v: Value): void {
    if (!this.writeKeys.has(key))
      this.fail('CCL_CAPABILITY', `no WriteState capability for key ${JSON.stringify(key)}`, {
        key,
      });
    this.state.set(key, v);
    this.changed.add(key);
  }

  account(v: Value, what: string): string {
    if (v.t !== 'Did') this.fail('CCL_TYPE', `ledger ${what} must be a Did, got ${v.t}`);
    return v.v;
  }

  currency(v: Value): string {
    if (v.t !== 'String' || v.v.length === 0)
      this.fail('CCL_TYPE', `a currency is a non-empty String, got ${v.t}`);
    const want = this.req.contract.currency;
    if (want !== null && v.v !== want)
      this.fail(
        'CCL_LEDGER_OP',
        `currency ${JSON.stringify(v.v)} differs from the contract's currency ${JSON.stringify(want)}`,
      );
    return v.v;
  }

  lookup(name: string): Value {
    const local = this.locals.get(name);
    if (local !== undefined) return local;
    const st = this.state.get(name);
    if (st !== undefined) {
      if (!this.readKeys.has(name))
        this.fail('CCL_CAPABILITY', `no ReadState capability for key ${JSON.stringify(name)}`, {
          key: name,
        });
      return st;
    }
    if (name === 'participants') return this.participants;
    if (name === 'sender') return this.callerValue;
    this.fail('CCL_UNDEFINED_VARIABLE', `undefined variable ${JSON.stringify(name)}`, { name });
  }

  eval(e: Expr): Value {
    this.charge(FUEL.expression);
    switch (e.k) {
      case 'Literal':
        return e.value;
      case 'Var':
        return this.lookup(e.name);
      case 'FieldAccess': {
        const o = this.eval(e.object);
        if (o.t !== 'Map')
          this.fail('CCL_TYPE', `field access .${e.field} needs a Map, got ${o.t}`);
        const hit = o.v.find(([k]) => k === e.field);
        if (!hit)
          this.fail('CCL_NO_SUCH_FIELD', `the Map has no key ${JSON.stringify(e.field)}`, {
            field: e.field,
          });
        return hit[1];
      }
      case 'BinOp': {
        const l = this.eval(e.left);
        const r = this.eval(e.right);
        return this.guard(() => this.binop(e.op, l, r));
      }
      case 'UnOp': {
        const v = this.eval(e.operand);
        if (e.op === 'Not') return bool(!truthy(v));
        if (v.t !== 'Int') this.fail('CCL_TYPE', `Neg needs an Int, got ${v.t}`);
        if (v.v === I64_MIN) this.fail('CCL_OVERFLOW', 'i64 overflow: -(i64::MIN)');
        return int(-v.v);
      }
      case 'Call': {
        this.charge(FUEL.call);
        const args = e.args.map((a) => this.eval(a));
        return this.call(e.name, args);
      }
      case 'List':
        return this.guard(() => list(e.items.map((x) => this.eval(x))));
      case 'Set': {
        const items = e.items.map((x) => this.eval(x));
        return this.guard(() => set(items));
      }
      case 'Map': {
        const entries = e.entries.map(([k, x]) => [k, this.eval(x)] as const);
        return this.guard(() => map(entries));
      }
      case 'In': {
        const x = this.eval(e.elem);
        const c = this.eval(e.collection);
        if (c.t === 'List' || c.t === 'Set') return bool(c.v.some((y) => valueEquals(x, y)));
        if (c.t === 'Map') {
          if (x.t !== 'String') this.fail('CCL_TYPE', `In on a Map needs a String key, got ${x.t}`);
          return bool(c.v.some(([k]) => k === x.v));
        }
        this.fail('CCL_TYPE', `In needs a List, Set or Map, got ${c.t}`);
      }
    }
  }

  binop(op: string, l: Value, r: Value): Value {
    switch (op) {
      case 'Eq':
        return bool(valueEquals(l, r));
      case 'Ne':
        return bool(!valueEquals(l, r));
      case 'And':
        return bool(truthy(l) && truthy(r));
      case 'Or':
        return bool(truthy(l) || truthy(r));
      case 'Add':
        if (l.t === 'String' && r.t === 'String') return str(l.v + r.v);
        break;
    }
    if (l.t !== 'Int' || r.t !== 'Int')
      this.fail(
        'CCL_TYPE',
        `${op} needs two Ints${op === 'Add' ? ' or two Strings' : ''}, got ${l.t} and ${r.t}`,
      );
    const a = l.v;
    const b = r.v;
    switch (op) {
      case 'Add':
        return this.checked(a + b, `${a} + ${b}`);
      case 'Sub':
        return this.checked(a - b, `${a} - ${b}`);
      case 'Mul':
        return this.checked(a * b, `${a} * ${b}`);
      case 'Div':
      case 'Mod':
        if (b === 0n) this.fail('CCL_DIVISION_BY_ZERO', `${a} ${op === 'Div' ? '/' : '%'} 0`);
        // Rust's checked_div and checked_rem both fail on i64::MIN and -1.
        if (a === I64_MIN && b === -1n)
          this.fail('CCL_OVERFLOW', `i64 overflow: i64::MIN ${op === 'Div' ? '/' : '%'} -1`);
        return int(op === 'Div' ? a / b : a % b); // bigint / and % truncate toward zero, as Rust
      case 'Lt':
        return bool(a < b);
      case 'Le':
        return bool(a <= b);
      case 'Gt':
        return bool(a > b);
      case 'Ge':
        return bool(a >= b);
    }
    this.fail('CCL_TYPE', `unknown operator ${op}`);
  }

  checked(v: bigint, what: string): Value {
    if (v < I64_MIN || v > I64_MAX) this.fail('CCL_OVERFLOW', `i64 overflow: ${what}`);
    return int(v);
  }

  call(name: string, args: Value[]): Value {
    const arity = (n: number) => {
      if (args.length !== n)
        this.fail(
          'CCL_ARITY',
          `${name}() takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`,
        );
    };
    switch (name) {
      case 'len': {
        arity(1);
        const x = args[0]!;
        if (x.t === 'String') return int(BigInt(new TextEncoder().encode(x.v).length)); // bytes, as Rust's str::len
        if (x.t === 'List' || x.t === 'Set' || x.t === 'Map') return int(BigInt(x.v.length));
        this.fail('CCL_TYPE', `len() needs a String, List, Set or Map, got ${x.t}`);
      }
      case 'abs': {
        arity(1);
        const x = args[0]!;
        if (x.t !== 'Int') this.fail('CCL_TYPE', `abs() needs an Int, got ${x.t}`);
        if (x.v === I64_MIN) this.fail('CCL_OVERFLOW', 'i64 overflow: abs(i64::MIN)');
        return int(x.v < 0n ? -x.v : x.v);
      }
      default:
        this.fail(
          'CCL_UNKNOWN_FUNCTION',
          `unknown function ${JSON.stringify(name)} (builtins: len, abs)`,
          { name },
        );
    }
  }
}

function requestError(code: CclErrorCode, why: string, path = '$'): ExecuteResult {
  return { ok: false, error: new CclError(code, why, { path }), fuelUsed: 0 };
}

/** Execute one rule. Never throws for anything a contract or its inputs can do. */
export function execute(req: ExecuteRequest): ExecuteResult {
  const fuelLimit = req.fuelLimit ?? DEFAULT_FUEL;
  if (!Number.isSafeInteger(fuelLimit) || fuelLimit < 1 || fuelLimit > MAX_FUEL)
    return requestError('CCL_FUEL_LIMIT', `fuel limit ${fuelLimit} is outside 1..${MAX_FUEL}`);
  const ruleIndex = req.contract.rules.findIndex((r) => r.name === req.rule);
  if (ruleIndex < 0)
    return requestError(
      'CCL_UNKNOWN_RULE',
      `contract ${JSON.stringify(req.contract.name)} has no rule ${JSON.stringify(req.rule)}`,
    );
  const rule = req.contract.rules[ruleIndex]!;
  if (req.args.length !== rule.params.length) {
    return requestError(
      'CCL_ARITY',
      `rule ${JSON.stringify(rule.name)} takes ${rule.params.length} argument(s), got ${req.args.length}`,
      rule.at,
    );
  }
  let m: Machine;
  try {
    m = new Machine(req, fuelLimit);
  } catch (e) {
    if (e instanceof CclError)
      return requestError('CCL_ARGS', `bad caller or participants: ${e.message}`);
    throw e;
  }
  try {
    const value = m.run(rule);
    return {
      ok: true,
      value,
      fuelUsed: m.fuelUsed,
      state: m.state,
      changedKeys: [...m.changed].sort(),
      ledgerOps: m.ops,
    };
  } catch (e) {
    if (e instanceof CclError) return { ok: false, error: e, fuelUsed: m.fuelUsed };
    if (e instanceof RangeError) {
      // Defence in depth: validate() bounds nesting, so this should be unreachable.
      return {
        ok: false,
        error: new CclError('CCL_VALUE_TOO_LARGE', `${m.at}: ${e.message}`, { path: m.at }),
        fuelUsed: m.fuelUsed,
      };
    }
    throw e;
  }
}
