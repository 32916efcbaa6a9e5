/**
 * ICN's contract JSON (serde's externally tagged form) → typed AST, and back to the canonical JSON
 * form that the code hash covers. Parsing is strict and total: any input gives a Contract or a
 * CclError('CCL_PARSE') naming the JSON path and the reason; unknown keys are errors (a field we
 * silently dropped would escape the hash), and nesting is bounded so no input can exhaust the stack.
 */
import type { CanonicalValue } from '../canonical/index.js';
import {
  BIN_OPS,
  CALLER_ACCOUNT,
  UN_OPS,
  type BinOp,
  type Capability,
  type Contract,
  type Expr,
  type LedgerOp,
  type Rule,
  type StateVar,
  type Stmt,
  type UnOp,
} from './ast.js';
import { CclError } from './errors.js';
import {
  describeJson,
  did,
  int,
  tagged,
  valueFromJson,
  valueToJson,
  type Value,
} from './values.js';

/** Hard nesting cap of the parser (validate() enforces ICN's tighter limits). */
export const PARSE_MAX_DEPTH = 200;

function err(path: string, why: string): CclError {
  return new CclError('CCL_PARSE', `${path}: ${why}`, { path });
}

function obj(x: unknown, path: string, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    throw err(path, `${what} must be an object, got ${describeJson(x)}`);
  return x as Record<string, unknown>;
}

/** Check an object's keys: all `required` present, nothing outside `required ∪ optional`. */
function keys(
  o: Record<string, unknown>,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): void {
  for (const k of required)
    if (!Object.prototype.hasOwnProperty.call(o, k))
      throw err(path, `missing field ${JSON.stringify(k)}`);
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k))
      throw err(
        `${path}.${k}`,
        `unknown field ${JSON.stringify(k)} (expected ${[...required, ...optional].join(', ')})`,
      );
  }
}

function string(x: unknown, path: string, what: string): string {
  if (typeof x !== 'string') throw err(path, `${what} must be a string, got ${describeJson(x)}`);
  return x;
}

function array(x: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(x)) throw err(path, `${what} must be an array, got ${describeJson(x)}`);
  for (let i = 0; i < x.length; i++) if (!(i in x)) throw err(`${path}[${i}]`, 'array has a hole');
  return x;
}

function didText(x: unknown, path: string): string {
  const s = string(x, path, 'a participant');
  try {
    const v = did(s);
    return v.t === 'Did' ? v.v : s;
  } catch (e) {
    throw err(path, (e as Error).message);
  }
}

export function parseExpr(x: unknown, path: string, depth = 0): Expr {
  if (depth > PARSE_MAX_DEPTH) throw err(path, `expression nested deeper than ${PARSE_MAX_DEPTH}`);
  const [tag, p] = tagged(x, path, 'an expression');
  const at = `${path}.${tag}`;
  const sub = (y: unknown, q: string) => parseExpr(y, q, depth + 1);
  switch (tag) {
    case 'Literal':
      return { k: 'Literal', value: valueFromJson(p, at) };
    case 'Var':
      return { k: 'Var', name: string(p, at, 'a variable name') };
    case 'FieldAccess': {
      const o = obj(p, at, 'FieldAccess');
      keys(o, at, ['object', 'field']);
      return {
        k: 'FieldAccess',
        object: sub(o.object, `${at}.object`),
        field: string(o.field, `${at}.field`, 'a field name'),
      };
    }
    case 'BinOp': {
      const o = obj(p, at, 'BinOp');
      keys(o, at, ['op', 'left', 'right']);
      const op = string(o.op, `${at}.op`, 'an operator');
      if (!(BIN_OPS as readonly string[]).includes(op))
        throw err(
          `${at}.op`,
          `unknown operator ${JSON.stringify(op)} (expected ${BIN_OPS.join(' ')})`,
        );
      return {
        k: 'BinOp',
        op: op as BinOp,
        left: sub(o.left, `${at}.left`),
        right: sub(o.right, `${at}.right`),
      };
    }
    case 'UnOp': {
      const o = obj(p, at, 'UnOp');
      keys(o, at, ['op', 'operand']);
      const op = string(o.op, `${at}.op`, 'an operator');
      if (!(UN_OPS as readonly string[]).includes(op))
        throw err(`${at}.op`, `unknown operator ${JSON.stringify(op)} (expected Not or Neg)`);
      return { k: 'UnOp', op: op as UnOp, operand: sub(o.operand, `${at}.operand`) };
    }
    case 'Call': {
      const o = obj(p, at, 'Call');
      keys(o, at, ['name', 'args']);
      return {
        k: 'Call',
        name: string(o.name, `${at}.name`, 'a function name'),
        args: array(o.args, `${at}.args`, 'args').map((a, i) => sub(a, `${at}.args[${i}]`)),
      };
    }
    case 'List':
    case 'Set':
      return { k: tag, items: array(p, at, tag).map((a, i) => sub(a, `${at}[${i}]`)) };
    case 'Map': {
      const seen = new Set<string>();
      const entries = array(p, at, 'Map').map((e, i) => {
        const q = `${at}[${i}]`;
        if (!Array.isArray(e) || e.length !== 2)
          throw err(q, `a Map entry is ["key", expression], got ${describeJson(e)}`);
        const key = string(e[0], `${q}[0]`, 'a Map key');
        if (seen.has(key)) throw err(`${q}[0]`, `duplicate Map key ${JSON.stringify(key)}`);
        seen.add(key);
        return [key, sub(e[1], `${q}[1]`)] as const;
      });
      return { k: 'Map', entries };
    }
    case 'In': {
      const o = obj(p, at, 'In');
      keys(o, at, ['elem', 'collection']);
      return {
        k: 'In',
        elem: sub(o.elem, `${at}.elem`),
        collection: sub(o.collection, `${at}.collection`),
      };
    }
    default:
      throw err(
        path,
        `unknown expression ${JSON.stringify(tag)} (expected Literal, Var, FieldAccess, BinOp, UnOp, Call, List, Set, Map or In)`,
      );
  }
}

function parseBlock(x: unknown, path: string, depth: number): Stmt[] {
  return array(x, path, 'a block').map((s, i) => parseStmt(s, `${path}[${i}]`, depth + 1));
}

export function parseStmt(x: unknown, path: string, depth = 0): Stmt {
  if (depth > PARSE_MAX_DEPTH) throw err(path, `statements nested deeper than ${PARSE_MAX_DEPTH}`);
  const [tag, p] = tagged(x, path, 'a statement');
  const at = `${path}.${tag}`;
  const e = (y: unknown, q: string) => parseExpr(y, q);
  switch (tag) {
    case 'Assign': {
      const o = obj(p, at, 'Assign');
      keys(o, at, ['name', 'value']);
      return {
        at: path,
        k: 'Assign',
        name: string(o.name, `${at}.name`, 'a variable name'),
        value: e(o.value, `${at}.value`),
      };
    }
    case 'SetState': {
      const o = obj(p, at, 'SetState');
      keys(o, at, ['key', 'value']);
      return {
        at: path,
        k: 'SetState',
        key: e(o.key, `${at}.key`),
        value: e(o.value, `${at}.value`),
      };
    }
    case 'LedgerTransfer': {
      const o = obj(p, at, 'LedgerTransfer');
      keys(o, at, ['from', 'to', 'amount', 'currency']);
      return {
        at: path,
        k: 'LedgerTransfer',
        from: e(o.from, `${at}.from`),
        to: e(o.to, `${at}.to`),
        amount: e(o.amount, `${at}.amount`),
        currency: e(o.currency, `${at}.currency`),
      };
    }
    case 'SetCreditLimit': {
      const o = obj(p, at, 'SetCreditLimit');
      keys(o, at, ['account', 'currency', 'limit']);
      return {
        at: path,
        k: 'SetCreditLimit',
        account: e(o.account, `${at}.account`),
        currency: e(o.currency, `${at}.currency`),
        limit: e(o.limit, `${at}.limit`),
      };
    }
    case 'If': {
      const o = obj(p, at, 'If');
      keys(o, at, ['condition', 'then_block'], ['else_block']);
      const elseBlock =
        o.else_block === undefined || o.else_block === null
          ? null
          : parseBlock(o.else_block, `${at}.else_block`, depth);
      return {
        at: path,
        k: 'If',
        condition: e(o.condition, `${at}.condition`),
        then: parseBlock(o.then_block, `${at}.then_block`, depth),
        else: elseBlock,
      };
    }
    case 'For': {
      const o = obj(p, at, 'For');
      keys(o, at, ['var', 'iterable', 'body']);
      return {
        at: path,
        k: 'For',
        var: string(o.var, `${at}.var`, 'a loop variable'),
        iterable: e(o.iterable, `${at}.iterable`),
        body: parseBlock(o.body, `${at}.body`, depth),
      };
    }
    case 'Return': {
      const o = obj(p, at, 'Return');
      keys(o, at, ['value']);
      return { at: path, k: 'Return', value: e(o.value, `${at}.value`) };
    }
    case 'Expr':
      return { at: path, k: 'Expr', expr: e(p, at) };
    default:
      throw err(
        path,
        `unknown statement ${JSON.stringify(tag)} (expected Assign, SetState, LedgerTransfer, SetCreditLimit, If, For, Return or Expr)`,
      );
  }
}

function parseRule(x: unknown, path: string): Rule {
  const o = obj(x, path, 'a rule');
  keys(o, path, ['name', 'params', 'body'], ['requires']);
  const params = array(o.params, `${path}.params`, 'params').map((p, i) => {
    const q = `${path}.params[${i}]`;
    const po = obj(p, q, 'a parameter');
    keys(po, q, ['name']);
    return string(po.name, `${q}.name`, 'a parameter name');
  });
  const requires =
    o.requires === undefined
      ? []
      : array(o.requires, `${path}.requires`, 'requires').map((r, i) =>
          parseExpr(r, `${path}.requires[${i}]`),
        );
  return {
    name: string(o.name, `${path}.name`, 'a rule name'),
    params,
    requires,
    body: parseBlock(o.body, `${path}.body`, 0),
    at: path,
  };
}

function parseStateVar(x: unknown, path: string): StateVar {
  const o = obj(x, path, 'a state variable');
  keys(o, path, ['name'], ['initial_value']);
  const initial: Value =
    o.initial_value === undefined || o.initial_value === null
      ? valueFromJson('None')
      : valueFromJson(o.initial_value, `${path}.initial_value`);
  return { name: string(o.name, `${path}.name`, 'a state variable name'), initial };
}

/** Parse a contract document (a value from parseStrictJson or JSON.parse). Throws CclError. */
export function parseContract(x: unknown): Contract {
  const o = obj(x, '$', 'a contract');
  keys(o, '$', ['name', 'participants', 'rules'], ['currency', 'state_vars', 'triggers']);
  const triggers = o.triggers === undefined ? [] : array(o.triggers, '$.triggers', 'triggers');
  if (triggers.length > 0)
    throw new CclError(
      'CCL_UNSUPPORTED',
      '$.triggers: triggers are not supported (they would never fire; we fail closed rather than accept them silently)',
      { path: '$.triggers' },
    );
  const currency =
    o.currency === undefined || o.currency === null
      ? null
      : string(o.currency, '$.currency', 'currency');
  return {
    name: string(o.name, '$.name', 'the contract name'),
    participants: array(o.participants, '$.participants', 'participants').map((p, i) =>
      didText(p, `$.participants[${i}]`),
    ),
    currency,
    stateVars:
      o.state_vars === undefined
        ? []
        : array(o.state_vars, '$.state_vars', 'state_vars').map((v, i) =>
            parseStateVar(v, `$.state_vars[${i}]`),
          ),
    rules: array(o.rules, '$.rules', 'rules').map((r, i) => parseRule(r, `$.rules[${i}]`)),
  };
}

// ---------------------------------------------------------------- back to canonical JSON

export function exprToJson(e: Expr): CanonicalValue {
  switch (e.k) {
    case 'Literal':
      return { Literal: valueToJson(e.value) };
    case 'Var':
      return { Var: e.name };
    case 'FieldAccess':
      return { FieldAccess: { object: exprToJson(e.object), field: e.field } };
    case 'BinOp':
      return { BinOp: { op: e.op, left: exprToJson(e.left), right: exprToJson(e.right) } };
    case 'UnOp':
      return { UnOp: { op: e.op, operand: exprToJson(e.operand) } };
    case 'Call':
      return { Call: { name: e.name, args: e.args.map(exprToJson) } };
    case 'List':
      return { List: e.items.map(exprToJson) };
    case 'Set':
      return { Set: e.items.map(exprToJson) };
    case 'Map':
      return { Map: e.entries.map(([k, x]) => [k, exprToJson(x)]) };
    case 'In':
      return { In: { elem: exprToJson(e.elem), collection: exprToJson(e.collection) } };
  }
}

export function stmtToJson(s: Stmt): CanonicalValue {
  switch (s.k) {
    case 'Assign':
      return { Assign: { name: s.name, value: exprToJson(s.value) } };
    case 'SetState':
      return { SetState: { key: exprToJson(s.key), value: exprToJson(s.value) } };
    case 'LedgerTransfer':
      return {
        LedgerTransfer: {
          from: exprToJson(s.from),
          to: exprToJson(s.to),
          amount: exprToJson(s.amount),
          currency: exprToJson(s.currency),
        },
      };
    case 'SetCreditLimit':
      return {
        SetCreditLimit: {
          account: exprToJson(s.account),
          currency: exprToJson(s.currency),
          limit: exprToJson(s.limit),
        },
      };
    case 'If':
      return {
        If: {
          condition: exprToJson(s.condition),
          then_block: s.then.map(stmtToJson),
          else_block: s.else === null ? null : s.else.map(stmtToJson),
        },
      };
    case 'For':
      return {
        For: { var: s.var, iterable: exprToJson(s.iterable), body: s.body.map(stmtToJson) },
      };
    case 'Return':
      return { Return: { value: exprToJson(s.value) } };
    case 'Expr':
      return { Expr: exprToJson(s.expr) };
  }
}

/**
 * The canonical JSON form of a contract: every optional field written out, values in canonical
 * form (i64 as strings, Sets sorted), participants in document order. parse(toJson(c)) ≡ c.
 */
export function contractToJson(c: Contract): CanonicalValue {
  return {
    name: c.name,
    participants: [...c.participants],
    currency: c.currency,
    state_vars: c.stateVars.map((v) => ({ name: v.name, initial_value: valueToJson(v.initial) })),
    rules: c.rules.map((r) => ({
      name: r.name,
      params: r.params.map((name) => ({ name })),
      requires: r.requires.map(exprToJson),
      body: r.body.map(stmtToJson),
    })),
    triggers: [],
  };
}

// ---------------------------------------------------------------- capabilities

const UNIT_CAPS = [
  'CreateSubContract',
  'CreateProposal',
  'VoteProposal',
  'ReadProposal',
  'ExecuteProposal',
  'ManageRoles',
] as const;
const LIST_CAPS = {
  ReadLedger: 'accounts',
  WriteLedger: 'accounts',
  SendMessage: 'to',
  ReadState: 'keys',
  WriteState: 'keys',
} as const;

function account(x: unknown, path: string): string {
  const s = string(x, path, 'an account');
  return s === CALLER_ACCOUNT ? s : didText(s, path);
}

export function parseCapability(x: unknown, path: string): Capability {
  if (typeof x === 'string' && (UNIT_CAPS as readonly string[]).includes(x))
    return { k: x as (typeof UNIT_CAPS)[number] };
  const [tag, p] = tagged(x, path, 'a capability');
  const at = `${path}.${tag}`;
  if (tag in LIST_CAPS) {
    const field = LIST_CAPS[tag as keyof typeof LIST_CAPS];
    const o = obj(p, at, tag);
    keys(o, at, [field]);
    const items = array(o[field], `${at}.${field}`, field).map((v, i) =>
      field === 'keys'
        ? string(v, `${at}.${field}[${i}]`, 'a state key')
        : account(v, `${at}.${field}[${i}]`),
    );
    return { k: tag, [field]: [...new Set(items)].sort() } as unknown as Capability;
  }
  if (tag === 'InvokeContract') {
    const o = obj(p, at, tag);
    keys(o, at, ['contract']);
    return {
      k: 'InvokeContract',
      contract: string(o.contract, `${at}.contract`, 'a contract reference'),
    };
  }
  throw err(path, `unknown capability ${JSON.stringify(tag)}`);
}

export function capabilityToJson(c: Capability): CanonicalValue {
  switch (c.k) {
    case 'ReadLedger':
    case 'WriteLedger':
      return { [c.k]: { accounts: [...c.accounts] } };
    case 'SendMessage':
      return { SendMessage: { to: [...c.to] } };
    case 'ReadState':
    case 'WriteState':
      return { [c.k]: { keys: [...c.keys] } };
    case 'InvokeContract':
      return { InvokeContract: { contract: c.contract } };
    default:
      return c.k;
  }
}

/** Parse a capability list into canonical form: each list sorted and deduplicated, the capabilities sorted and deduplicated. */
export function parseCapabilities(x: unknown, path = '$'): Capability[] {
  const caps = array(x, path, 'capabilities').map((c, i) => parseCapability(c, `${path}[${i}]`));
  return canonicalCapabilities(caps);
}

export function canonicalCapabilities(caps: readonly Capability[]): Capability[] {
  const byKey = new Map<string, Capability>();
  for (const c of caps) byKey.set(JSON.stringify(capabilityToJson(c)), c);
  return [...byKey.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((e) => e[1]);
}

// ---------------------------------------------------------------- ledger ops

export function ledgerOpToJson(op: LedgerOp): CanonicalValue {
  return op.k === 'LedgerTransfer'
    ? {
        LedgerTransfer: {
          from: op.from,
          to: op.to,
          amount: op.amount.toString(),
          currency: op.currency,
        },
      }
    : {
        SetCreditLimit: { account: op.account, currency: op.currency, limit: op.limit.toString() },
      };
}

export function ledgerOpFromJson(x: unknown, path: string): LedgerOp {
  const [tag, p] = tagged(x, path, 'a ledger operation');
  const at = `${path}.${tag}`;
  const o = obj(p, at, tag);
  const amount = (v: unknown, q: string): bigint => {
    const s = string(v, q, 'an i64 decimal string');
    if (!/^(0|-?[1-9][0-9]*)$/.test(s))
      throw err(q, `${JSON.stringify(s)} is not a canonical decimal`);
    try {
      const iv = int(BigInt(s));
      return iv.t === 'Int' ? iv.v : 0n;
    } catch {
      throw err(q, `${s} is outside the i64 range`);
    }
  };
  if (tag === 'LedgerTransfer') {
    keys(o, at, ['from', 'to', 'amount', 'currency']);
    return {
      k: tag,
      from: didText(o.from, `${at}.from`),
      to: didText(o.to, `${at}.to`),
      amount: amount(o.amount, `${at}.amount`),
      currency: string(o.currency, `${at}.currency`, 'a currency'),
    };
  }
  if (tag === 'SetCreditLimit') {
    keys(o, at, ['account', 'currency', 'limit']);
    return {
      k: tag,
      account: didText(o.account, `${at}.account`),
      currency: string(o.currency, `${at}.currency`, 'a currency'),
      limit: amount(o.limit, `${at}.limit`),
    };
  }
  throw err(path, `unknown ledger operation ${JSON.stringify(tag)}`);
}

/**
 * Rule arguments: an array whose items are CCL values in tagged form, or, for convenience, bare
 * JSON integers (→ Int), booleans (→ Bool) and strings (→ String).
 */
export function parseArgs(x: unknown, path = '$'): Value[] {
  return array(x, path, 'the arguments').map((a, i) => {
    const q = `${path}[${i}]`;
    if (typeof a === 'number') return valueFromJson({ Int: a }, q);
    if (typeof a === 'boolean') return valueFromJson({ Bool: a }, q);
    if (typeof a === 'string' && a !== 'None') return valueFromJson({ String: a }, q);
    return valueFromJson(a, q);
  });
}
