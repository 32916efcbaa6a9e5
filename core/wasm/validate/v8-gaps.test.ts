/**
 * Modules our validator once accepted and V8 rejects (found by fuzzing mutated spec modules;
 * /tmp hunts, issue 19): each is held here as its exact bytes. An accepted module that V8 refuses
 * would run on the interpreter only, so every one must be rejected, by the fast path and the
 * reference alike, under every profile.
 */
import { describe, expect, it } from 'vitest';
import { scriptsOfSet, specCorpusForTests, specModules } from '../binary/spec-corpus.js';
import { v8Validate } from '../instrument/v8.js';
import { watToWasm } from '../wat.js';
import { validateDetailed, validateEager, validateModule } from './validate.js';

const PROFILES = ['raw', 'dc', 'dc-float'] as const;
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function rejectedEverywhere(bytes: Uint8Array, code: string): void {
  expect(v8Validate(bytes)).toBe(false);
  for (const p of PROFILES) {
    const fast = validateDetailed(bytes, p);
    expect(fast.ok, p).toBe(false);
    expect(fast.violations.map((v) => v.code), p).toContain(code);
    expect(fast.violations, p).toEqual(validateEager(bytes, p).violations);
  }
}

// binary-leb128.wast:964 (saturating truncations with overlong sub-opcodes) with one byte changed:
// a sub-opcode of 2^16 or more aliased a small one in the key `0xfc << 16 | sub`
const SUBOP_ALIAS = [
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81800000fc8680700000fc8780808000000b',
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81804000fc8680800000fc8780808000000b',
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81800000fc8680800000fc8780a08000000b',
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81800000fc8680800000fc8780800400000b',
  '0061736d01000000010401600000030201000a1b01190000fc800000fc81800000fc8680800000fc8780808400000b',
];
// start.wast:21 with one byte changed: i32.load8_u's flags 0x40 (multi-memory's memory-index
// bit, then memory 0), which V8 reads as alignment 2^64
const ALIGN_BIT6 = '0061736d010000000108026000006000017f030403000100050401010101070d0203696e6300000367'
  + '657400010801020a23030f00410041002d000041016a3a00000b080041002d40000f0b08001000100010000b0b07010041000b0141';

describe('validator: modules V8 rejects that we accepted', () => {
  it.each(SUBOP_ALIAS)('a prefixed sub-opcode of 2^16 or more is an unknown opcode: %s', (h) => {
    rejectedEverywhere(hex(h), 'malformed:unknown_opcode');
  });

  it('memarg flags with bit 6 (a multi-memory index) are an alignment too large', () => {
    rejectedEverywhere(hex(ALIGN_BIT6), 'alignment_must_not_be_larger_than_natural');
    // i32.load with flags 0x40..0x43, then memory 0 and offset 0; 0x02 alone is valid
    const load = (flags: number[]): Uint8Array => hex('0061736d01000000010501600001' + '7f03020100050301000'
      + `10a${(flags.length + 8).toString(16).padStart(2, '0')}01${(flags.length + 6).toString(16).padStart(2, '0')}`
      + `004100${['28', ...flags.map((f) => f.toString(16).padStart(2, '0'))].join('')}000b`);
    expect(validateModule(load([2]), 'raw').ok).toBe(true);
    expect(v8Validate(load([2]))).toBe(true);
    for (const flags of [0x40, 0x41, 0x42, 0x43]) rejectedEverywhere(load([flags, 0]), 'alignment_must_not_be_larger_than_natural');
  });
});

// the larger counterexamples (1-2 KiB), rebuilt exactly from their spec module and the mutation
const corpus = specCorpusForTests();
describe.skipIf(corpus === undefined)('validator: counterexamples from mutated spec modules', () => {
  const cases: [string, number, [number, number][], string][] = [
    ['block.wast', 3, [[462060095, 253], [1164665589, 3]], 'alignment_must_not_be_larger_than_natural'],
  ];
  it.each(cases)('%s:%d with %j', async (file, line, muts, code) => {
    const m = specModules(scriptsOfSet(corpus!, 'core')).find((x) => x.file === file && x.line === line)!;
    const b = (await watToWasm(m.text!, { validate: false })).slice();
    expect(validateModule(b, 'raw').ok).toBe(true);
    for (const [pos, v] of muts) b[pos % b.length] = v;
    rejectedEverywhere(b, code);
  });
});
