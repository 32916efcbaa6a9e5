/**
 * Edge-heavy i64 operands shared by the operator tests (ops.test.ts: the pair templates against a
 * BigInt definition; numeric.test.ts: the table against V8): the boundaries of the 32-bit halves
 * the JS tier computes on, the sign bit, shift and rotate counts around 32 and 64.
 */
export const I64_INT_EDGES: readonly bigint[] = [
  0n,
  1n,
  -1n,
  2n,
  31n,
  32n,
  33n,
  63n,
  64n,
  65n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x100000001n,
  -0x80000000n,
  -0x100000000n,
  (1n << 63n) - 1n,
  -(1n << 63n),
];
