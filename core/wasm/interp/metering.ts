/**
 * Where fuel is charged, computed by the interpreter's own code from the cost table: the body is
 * cut into metered blocks, each charged (the sum of its operators' costs) before its first operator
 * runs. A block never spans a possible trap, a branch, a block boundary, a call or a growth: such an
 * operator ends its block (it is charged with the operators before it), so every branch target (a
 * loop body, the operator after an `end`, an `else` arm) starts a new block. A block whose
 * operators all cost 0 charges nothing. Out of fuel: the failing charge is not deducted.
 *
 * This is the rule of docs/deterministic-core.md ("Fuel"); the instrumenter implements the same
 * rule in bytecode, independently, and the differential test compares the two.
 */
import { opInfo } from '../binary/opcodes.js';
import type { Instr } from '../binary/types.js';

export interface MeterPlan {
  /** Instruction index → fuel charged when control reaches it (undefined: no charge there). */
  chargeAt: (number | undefined)[];
}

/** Operators that end a metered block besides every possibly trapping one: control and calls. */
const ENDS_BLOCK = new Set([
  'block',
  'loop',
  'if',
  'else',
  'end',
  'br',
  'br_if',
  'br_table',
  'return',
  'unreachable',
  'call',
  'call_indirect',
  'memory.grow',
  'table.grow',
]);

/** Does this operator end the metered block it belongs to? */
export function endsBlock(ins: Instr): boolean {
  const info = opInfo(ins.op)!;
  return info.trap || ENDS_BLOCK.has(info.name);
}

export function planCharges(body: Instr[], costOf: (op: number) => number): MeterPlan {
  const chargeAt: (number | undefined)[] = new Array(body.length);
  let start = 0;
  let sum = 0;
  const close = (end: number): void => {
    if (end > start && sum > 0) chargeAt[start] = sum;
    start = end;
    sum = 0;
  };
  for (let i = 0; i < body.length; i++) {
    const ins = body[i]!;
    sum += costOf(ins.op);
    if (endsBlock(ins)) close(i + 1);
  }
  close(body.length);
  return { chargeAt };
}
