/**
 * The fixed trap enum of the deterministic engine, and the one place that maps V8's RuntimeError
 * messages onto it. Results carry only these names, never V8's message text (it changes between
 * V8 versions and is not part of any hash).
 */
export const TRAPS = [
  'unreachable',
  'out_of_fuel',
  'stack_exhausted',
  'memory_oob',
  'div_by_zero',
  'int_overflow',
  'invalid_conversion',
  'indirect_call_mismatch',
  'table_oob',
  'uninitialized_element',
  'host_error',
  /** dc profiles: a memory.copy / memory.fill longer than the profile's bulk limit (1 MiB). */
  'bulk_limit',
] as const;

export type Trap = (typeof TRAPS)[number];

export function isTrap(s: unknown): s is Trap {
  return typeof s === 'string' && (TRAPS as readonly string[]).includes(s);
}

/**
 * V8 (Node 20 / 22) RuntimeError messages → trap. V8 reports a null table entry and a signature
 * mismatch with one message, so both map to `indirect_call_mismatch`; `uninitialized_element`
 * stays in the enum for engines that can tell them apart (the reference interpreter), and the
 * .wast runner treats the two as one class when it compares against V8.
 */
const V8_MESSAGES: ReadonlyArray<readonly [string, Trap]> = [
  ['unreachable', 'unreachable'],
  ['memory access out of bounds', 'memory_oob'],
  ['data segment out of bounds', 'memory_oob'],
  ['data segment is out of bounds', 'memory_oob'],
  ['data segment has been dropped', 'memory_oob'],
  ['operation does not support unaligned accesses', 'memory_oob'],
  ['divide by zero', 'div_by_zero'],
  ['remainder by zero', 'div_by_zero'],
  ['divide result unrepresentable', 'int_overflow'],
  // V8 reports NaN and out-of-range with this one message; the out-of-range case is the spec's
  // "integer overflow". The dc executors check NaN before the conversion (__icn_trap = 5,
  // invalid_conversion), so under them this message only ever means overflow.
  ['float unrepresentable in integer range', 'int_overflow'],
  ['null function or function signature mismatch', 'indirect_call_mismatch'],
  ['function signature mismatch', 'indirect_call_mismatch'],
  ['invalid index into function table', 'table_oob'],
  ['table index is out of bounds', 'table_oob'],
  ['table access out of bounds', 'table_oob'],
  ['element segment out of bounds', 'table_oob'],
  ['element segment has been dropped', 'table_oob'],
];

/** Messages that carry an index (Node 22: "data segment 0 is out of bounds"). */
const V8_PATTERNS: ReadonlyArray<readonly [RegExp, Trap]> = [
  [/^data segment \d+ (?:is )?out of bounds/, 'memory_oob'],
  [/^element segment \d+ (?:is )?out of bounds/, 'table_oob'],
  [/^table \d+ (?:index is |access )?out of bounds/, 'table_oob'],
];

/** The trap for a V8 RuntimeError message, or undefined when the message is not a known trap. */
export function trapFromV8Message(message: string): Trap | undefined {
  // traps during instantiation carry the API prefix: "WebAssembly.Instance(): data segment is out of bounds"
  message = message.replace(/^WebAssembly\.\w+\(\): /, '');
  for (const [m, t] of V8_MESSAGES)
    if (message === m || message.startsWith(`${m} `) || message.startsWith(`${m}:`)) return t;
  for (const [re, t] of V8_PATTERNS) if (re.test(message)) return t;
  return undefined;
}

/**
 * Values of the instrumented module's `__icn_trap` global (core/wasm/instrument: ICN_TRAP): 1 out_of_fuel, 2 stack_exhausted,
 * 4 bulk_limit, 5 invalid_conversion (a trapping float-to-int conversion of NaN). Code 3
 * (memory.grow failed below the profile cap: the host ran out of memory) is a harness fault, never
 * a guest trap, so it maps to undefined here and the executor treats it as a fault.
 */
export const ICN_TRAP_GROW_FAILED = 3;

export function trapFromIcnCode(code: number): Trap | undefined {
  if (code === 1) return 'out_of_fuel';
  if (code === 2) return 'stack_exhausted';
  if (code === 4) return 'bulk_limit';
  if (code === 5) return 'invalid_conversion';
  return undefined;
}

/**
 * Which traps a spec-test failure message (assert_trap's string) may correspond to. The spec's
 * texts are prefixes ("out of bounds memory access", "integer divide by zero", …).
 */
const SPEC_MESSAGES: ReadonlyArray<readonly [string, readonly Trap[]]> = [
  ['unreachable', ['unreachable']],
  ['out of bounds memory access', ['memory_oob']],
  ['out of bounds data segment access', ['memory_oob']],
  ['memory access out of bounds', ['memory_oob']],
  ['integer divide by zero', ['div_by_zero']],
  ['integer overflow', ['int_overflow']],
  ['invalid conversion to integer', ['invalid_conversion']],
  ['indirect call type mismatch', ['indirect_call_mismatch']],
  ['indirect call signature mismatch', ['indirect_call_mismatch']],
  ['uninitialized element', ['uninitialized_element', 'indirect_call_mismatch']],
  ['undefined element', ['table_oob']],
  ['out of bounds table access', ['table_oob']],
  ['out of bounds elem segment access', ['table_oob']],
  ['call stack exhausted', ['stack_exhausted']],
  ['out of fuel', ['out_of_fuel']],
];

export function trapsForSpecMessage(message: string): readonly Trap[] | undefined {
  for (const [m, t] of SPEC_MESSAGES) if (message.startsWith(m)) return t;
  return undefined;
}
