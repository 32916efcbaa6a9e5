/**
 * validate(): ICN's static limits on a parsed contract, plus ours where ICN leaves a hole.
 * Throws CclError('CCL_INVALID') with `details.check` (a stable name) and `details.path`.
 */
import type { Contract, Expr, Stmt } from './ast.js';
import { CclError } from './errors.js';

export const LIMITS = {
  /** ICN: name non-empty, at most 128 bytes (UTF-8; Rust's `str::len`). */
  maxNameBytes: 128,
  minParticipants: 1,
  maxParticipants: 100,
  maxStateVars: 100,
  maxRules: 50,
  /** ICN: loop nesting ≤ 5. */
  maxLoopNesting: 5,
  /** ICN: expression depth < 50. */
  maxExprDepth: 49,
  /** Ours: If/For nesting (ICN has no bound; deep nesting only costs stack). */
  maxBlockNesting: 32,
} as const;

/** ICN's reserved words. */
export const RESERVED = new Set([
  'if',
  'else',
  'for',
  'return',
  'true',
  'false',
  'none',
  'ledger_transfer',
  'set_credit_limit',
  'caller',
  'self',
]);
/** Ours: built-in bindings that may not be rebound (a param named `sender` would let a caller forge who called). */
export const BOUND_NAMES = new Set(['sender', 'participants']);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const utf8 = new TextEncoder();

function invalid(check: string, path: string, why: string): never {
  throw new CclError('CCL_INVALID', `${path}: ${why}`, { check, path });
}

function checkBinding(name: string, path: string, what: string): void {
  if (!IDENT.test(name))
    invalid(
      'identifier',
      path,
      `${what} ${JSON.stringify(name)} is not an identifier ([A-Za-z_][A-Za-z0-9_]*)`,
    );
  if (RESERVED.has(name))
    invalid('reserved-word', path, `${what} ${JSON.stringify(name)} is a reserved word`);
  if (BOUND_NAMES.has(name))
    invalid(
      'reserved-binding',
      path,
      `${what} ${JSON.stringify(name)} would shadow the built-in binding`,
    );
}

/** Depth of an expression tree: a Literal or Var is 1. */
export function exprDepth(e: Expr): number {
  switch (e.k) {
    case 'Literal':
    case 'Var':
      return 1;
    case 'FieldAccess':
      return 1 + exprDepth(e.object);
    case 'BinOp':
      return 1 + Math.max(exprDepth(e.left), exprDepth(e.right));
    case 'UnOp':
      return 1 + exprDepth(e.operand);
    case 'Call':
      return 1 + e.args.reduce((m, x) => Math.max(m, exprDepth(x)), 0);
    case 'List':
    case 'Set':
      return 1 + e.items.reduce((m, x) => Math.max(m, exprDepth(x)), 0);
    case 'Map':
      return 1 + e.entries.reduce((m, [, x]) => Math.max(m, exprDepth(x)), 0);
    case 'In':
      return 1 + Math.max(exprDepth(e.elem), exprDepth(e.collection));
  }
}

function checkExpr(e: Expr, path: string): void {
  const d = exprDepth(e);
  if (d > LIMITS.maxExprDepth)
    invalid(
      'expression-depth',
      path,
      `expression depth ${d} exceeds ${LIMITS.maxExprDepth} (ICN: depth < 50)`,
    );
}

function checkBlock(
  block: readonly Stmt[],
  loops: number,
  blocks: number,
  stateNames: ReadonlySet<string>,
): void {
  for (const s of block) {
    switch (s.k) {
      case 'Assign':
        checkBinding(s.name, `${s.at}.Assign.name`, 'assignment target');
        checkExpr(s.value, `${s.at}.Assign.value`);
        break;
      case 'SetState':
        checkExpr(s.key, `${s.at}.SetState.key`);
        checkExpr(s.value, `${s.at}.SetState.value`);
        break;
      case 'LedgerTransfer':
        for (const f of ['from', 'to', 'amount', 'currency'] as const)
          checkExpr(s[f], `${s.at}.LedgerTransfer.${f}`);
        break;
      case 'SetCreditLimit':
        for (const f of ['account', 'currency', 'limit'] as const)
          checkExpr(s[f], `${s.at}.SetCreditLimit.${f}`);
        break;
      case 'If':
        if (blocks + 1 > LIMITS.maxBlockNesting)
          invalid('block-nesting', s.at, `blocks nested deeper than ${LIMITS.maxBlockNesting}`);
        checkExpr(s.condition, `${s.at}.If.condition`);
        checkBlock(s.then, loops, blocks + 1, stateNames);
        if (s.else) checkBlock(s.else, loops, blocks + 1, stateNames);
        break;
      case 'For':
        if (loops + 1 > LIMITS.maxLoopNesting)
          invalid('loop-nesting', s.at, `loops nested deeper than ${LIMITS.maxLoopNesting}`);
        if (blocks + 1 > LIMITS.maxBlockNesting)
          invalid('block-nesting', s.at, `blocks nested deeper than ${LIMITS.maxBlockNesting}`);
        checkBinding(s.var, `${s.at}.For.var`, 'loop variable');
        if (stateNames.has(s.var))
          invalid(
            'shadows-state',
            `${s.at}.For.var`,
            `loop variable ${JSON.stringify(s.var)} shadows a state variable`,
          );
        checkExpr(s.iterable, `${s.at}.For.iterable`);
        checkBlock(s.body, loops + 1, blocks + 1, stateNames);
        break;
      case 'Return':
        checkExpr(s.value, `${s.at}.Return.value`);
        break;
      case 'Expr':
        checkExpr(s.expr, `${s.at}.Expr`);
        break;
    }
  }
}

/** Check a parsed contract against ICN's limits (and ours). Returns the contract for chaining. */
export function validate(c: Contract): Contract {
  const nameBytes = utf8.encode(c.name).length;
  if (nameBytes === 0) invalid('name', '$.name', 'the contract name is empty');
  if (nameBytes > LIMITS.maxNameBytes)
    invalid(
      'name',
      '$.name',
      `the contract name has ${nameBytes} bytes, at most ${LIMITS.maxNameBytes}`,
    );
  if (
    c.participants.length < LIMITS.minParticipants ||
    c.participants.length > LIMITS.maxParticipants
  ) {
    invalid(
      'participants',
      '$.participants',
      `a contract has ${LIMITS.minParticipants}–${LIMITS.maxParticipants} participants, got ${c.participants.length}`,
    );
  }
  const seen = new Set<string>();
  c.participants.forEach((p, i) => {
    if (seen.has(p))
      invalid('duplicate-participant', `$.participants[${i}]`, `participant ${p} is listed twice`);
    seen.add(p);
  });
  if (c.currency !== null && c.currency.length === 0)
    invalid('currency', '$.currency', 'currency is empty (use null for none)');
  if (c.stateVars.length > LIMITS.maxStateVars)
    invalid(
      'state-vars',
      '$.state_vars',
      `at most ${LIMITS.maxStateVars} state variables, got ${c.stateVars.length}`,
    );
  const stateNames = new Set<string>();
  c.stateVars.forEach((v, i) => {
    checkBinding(v.name, `$.state_vars[${i}].name`, 'state variable');
    if (stateNames.has(v.name))
      invalid(
        'duplicate-state-var',
        `$.state_vars[${i}].name`,
        `state variable ${JSON.stringify(v.name)} is declared twice`,
      );
    stateNames.add(v.name);
  });
  if (c.rules.length > LIMITS.maxRules)
    invalid('rules', '$.rules', `at most ${LIMITS.maxRules} rules, got ${c.rules.length}`);
  const ruleNames = new Set<string>();
  for (const r of c.rules) {
    if (!IDENT.test(r.name))
      invalid(
        'identifier',
        `${r.at}.name`,
        `rule name ${JSON.stringify(r.name)} is not an identifier`,
      );
    if (RESERVED.has(r.name))
      invalid(
        'reserved-word',
        `${r.at}.name`,
        `rule name ${JSON.stringify(r.name)} is a reserved word`,
      );
    if (ruleNames.has(r.name))
      invalid('duplicate-rule', `${r.at}.name`, `rule ${JSON.stringify(r.name)} is defined twice`);
    ruleNames.add(r.name);
    const params = new Set<string>();
    r.params.forEach((p, i) => {
      const path = `${r.at}.params[${i}].name`;
      checkBinding(p, path, 'parameter');
      if (stateNames.has(p))
        invalid('shadows-state', path, `parameter ${JSON.stringify(p)} shadows a state variable`);
      if (params.has(p))
        invalid('duplicate-param', path, `parameter ${JSON.stringify(p)} is declared twice`);
      params.add(p);
    });
    r.requires.forEach((e, i) => checkExpr(e, `${r.at}.requires[${i}]`));
    checkBlock(r.body, 0, 0, stateNames);
  }
  return c;
}
