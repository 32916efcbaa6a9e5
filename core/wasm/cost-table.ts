/**
 * The versioned fuel cost table of the ICN-DC profiles. Changing any number here changes every
 * fuel count, so it is a new version (and a new costTableHash), never an edit in place.
 *
 * v1 follows wasmtime's table: 1 per operator; 0 for the structural operators that compile to no
 * work (nop, drop, block, loop, else, end) and for the ones that end execution
 * (unreachable, return); bulk operations cost 1 plus 1 per byte (memory) or element (table), the
 * length part charged only after the bounds check passed (an out-of-bounds bulk op traps without
 * draining fuel). Instantiation (data/element segment initialisation) costs nothing.
 */
import { contentHash, DOMAIN, type Hash } from '../hash/index.js';
import { allOps, opInfo } from './binary/opcodes.js';

export interface BulkCost {
  /** Charged per unit of the length operand, after the bounds check. */
  perUnit: number;
  unit: 'byte' | 'element';
}

export interface CostTable {
  format: 'icn-wasm-cost-table/v1';
  version: number;
  /** Cost of every operator not listed in `costs`. */
  defaultCost: number;
  /** Operators whose cost differs from the default, by name. */
  costs: Readonly<Record<string, number>>;
  /** Length-proportional part of the bulk operators (their base cost comes from `costs`/default). */
  bulk: Readonly<Record<string, BulkCost>>;
}

const ZERO = ['nop', 'drop', 'block', 'loop', 'else', 'end', 'unreachable', 'return'];

export const COST_TABLE_V1: CostTable = Object.freeze({
  format: 'icn-wasm-cost-table/v1',
  version: 1,
  defaultCost: 1,
  costs: Object.freeze(Object.fromEntries(ZERO.map((n) => [n, 0]))),
  bulk: Object.freeze({
    'memory.fill': { perUnit: 1, unit: 'byte' },
    'memory.copy': { perUnit: 1, unit: 'byte' },
    'memory.init': { perUnit: 1, unit: 'byte' },
    'table.fill': { perUnit: 1, unit: 'element' },
    'table.copy': { perUnit: 1, unit: 'element' },
    'table.init': { perUnit: 1, unit: 'element' },
  }),
} as CostTable);

/** The static cost of one operator (its base cost for bulk operators). */
export function opCost(table: CostTable, opKey: number): number {
  const info = opInfo(opKey);
  if (info === undefined) throw new RangeError(`no cost for unknown opcode ${opKey}`);
  return table.costs[info.name] ?? table.defaultCost;
}

export function bulkCost(table: CostTable, opKey: number): BulkCost | undefined {
  const info = opInfo(opKey);
  return info === undefined ? undefined : table.bulk[info.name];
}

export function costTableHash(table: CostTable): Hash {
  return contentHash(DOMAIN.wasmCostTable, table as unknown as Record<string, unknown>);
}

/** Every operator with its cost, for documentation and tests. */
export function costListing(table: CostTable): { name: string; cost: number; bulk?: BulkCost }[] {
  return allOps().map((o) => {
    const b = table.bulk[o.name];
    return b === undefined
      ? { name: o.name, cost: opCost(table, o.key) }
      : { name: o.name, cost: opCost(table, o.key), bulk: b };
  });
}
