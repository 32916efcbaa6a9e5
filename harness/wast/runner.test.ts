import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { WasmSession } from '../../core/wasm/exec/session.js';
import { runScript } from './runner.js';

const dir = mkdtempSync(join(tmpdir(), 'icn-wast-'));

/**
 * Spies on WasmSession's `methods` counting requests sent and not yet answered: `most` is the
 * largest number in flight at once since the last `reset` (1 means one round trip at a time).
 */
function inFlightSpy(methods: readonly ('invoke' | 'instantiate')[]) {
  const session = WasmSession.prototype as unknown as Record<
    'invoke' | 'instantiate',
    (...a: unknown[]) => Promise<unknown>
  >;
  let inFlight = 0;
  let most = 0;
  const spies = methods.map((m) => {
    const original = session[m];
    return vi.spyOn(session, m).mockImplementation(function (this: unknown, ...a: unknown[]) {
      most = Math.max(most, ++inFlight);
      return original.apply(this, a).finally(() => inFlight--);
    });
  });
  return {
    most: () => most,
    reset: () => void (most = 0),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}
function script(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const INT = script(
  'int.wast',
  `
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $r (export "runaway") (call $r))
  (func (export "trap") (result i32) (i32.div_u (i32.const 1) (i32.const 0))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_trap (invoke "trap") "integer divide by zero")
(assert_trap (invoke "trap") "unreachable")
(assert_exhaustion (invoke "runaway") "call stack exhausted")
(module (func (export "f") (result f32) (f32.const 1.5)))
(assert_return (invoke "f") (f32.const 1.5))
(assert_return (invoke "f") (f32.const 2.5))
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch")
(assert_malformed (module quote "(func") "unexpected end")
`,
);

describe('wast runner', () => {
  it('raw: passes, failures and native exhaustion', async () => {
    const r = await runScript(INT, 'raw');
    expect(r.results.map((x) => `${x.line}:${x.status}`)).toEqual([
      '2:pass',
      '6:pass',
      '7:fail',
      '8:pass',
      '9:fail',
      '10:pass',
      '11:pass',
      '12:pass',
      '13:fail',
      '14:pass',
      '15:fail',
      '16:pass',
    ]);
    expect(r.results[4]!.reason).toMatch(/expected trap "unreachable"/);
    expect(r.results[5]!.actual).toBe('exhausted:native');
    expect([r.passed, r.failed, r.skipped]).toEqual([8, 4, 0]);
  });
  it('dc: logical stack exhaustion; a float module and its dependents skipped by profile, never hiding failures', async () => {
    const r = await runScript(INT, 'dc');
    const by = (line: number) => r.results.find((x) => x.line === line)!;
    expect(by(10)).toMatchObject({ status: 'pass', actual: 'exhausted:stack_exhausted' });
    expect(by(11)).toMatchObject({ status: 'skip' });
    expect(by(11).reason).toMatch(/outside the profile: .*profile_float/);
    expect(by(12).status).toBe('skip');
    expect(by(13).status).toBe('skip');
    // the failing integer assertions still fail under dc
    expect([by(7).status, by(9).status, by(15).status]).toEqual(['fail', 'fail', 'fail']);
    expect([r.passed, r.failed, r.skipped]).toEqual([6, 3, 3]);
  });
  it('the outcome hash is stable across runs and engines agree where they should', async () => {
    const a = await runScript(INT, 'dc-float');
    const b = await runScript(INT, 'dc-float');
    expect(a.outcomesHash).toBe(b.outcomesHash);
    expect(a.results.find((x) => x.line === 12)).toMatchObject({
      status: 'pass',
      actual: 'values:f32:0x3fc00000',
    });
  });
});

describe('wast runner: named skips, linking through skipped modules, unreadable scripts', () => {
  const LINK = script(
    'link.wast',
    `
(module $M
  (table (export "tab") 2 funcref)
  (func (export "f") (result i32) (call_indirect (result i32) (i32.const 1))))
(register "M" $M)
(module $N
  (table (import "M" "tab") 2 funcref)
  (func $g (result i32) (i32.const 7))
  (elem (i32.const 1) $g))
(assert_return (invoke $M "f") (i32.const 7))
(module (memory 1) (memory 1))
(module definition $D (memory 1) (memory 1))
(module instance $I $D)
`,
  );
  it('dc-float: the importer is a profile-rule skip and the exporter it wrote into is skipped with it; multi-memory is a named feature skip', async () => {
    const r = await runScript(LINK, 'dc-float');
    const by = (line: number) => r.results.find((x) => x.line === line)!;
    expect(by(2)).toMatchObject({ status: 'pass' });
    expect(by(6)).toMatchObject({ status: 'skip', skipKind: 'profile rule profile_import' });
    // without the importer's element segment the exporter's table slot is null: skipped, never failed
    expect(by(10)).toMatchObject({ status: 'skip', skipKind: 'profile rule profile_import' });
    expect(by(11)).toMatchObject({
      status: 'skip',
      skipKind: 'multi-memory: outside every ICN profile',
    });
    expect(by(12)).toMatchObject({
      status: 'skip',
      skipKind: 'multi-memory: outside every ICN profile',
    });
    expect(by(13)).toMatchObject({
      status: 'skip',
      skipKind: 'multi-memory: outside every ICN profile',
    });
    expect(r.failed).toBe(0);
  });
  it('raw: the same script links for real (writes through the importer are seen by the exporter)', async () => {
    const r = await runScript(LINK, 'raw');
    expect(r.results.find((x) => x.line === 10)).toMatchObject({
      status: 'pass',
      actual: 'values:i32:0x00000007',
    });
  });
  it('interp: same skips as dc-float', async () => {
    const r = await runScript(LINK, 'interp');
    expect(r.results.map((x) => x.skipKind ?? x.status)).toEqual(
      (await runScript(LINK, 'dc-float')).results.map((x) => x.skipKind ?? x.status),
    );
  });
  it('a script the reader cannot read is one failed entry with the line and why', async () => {
    const r = await runScript(
      script('bad.wast', '(module)\n(assert_return (invoke "f") (i32.const 1)\n'),
      'interp',
    );
    expect(r.results).toHaveLength(1);
    expect(r.results[0]).toMatchObject({
      line: 2,
      cmd: 'script',
      status: 'fail',
      actual: 'unreadable',
    });
    expect(r.results[0]!.reason).toMatch(/unclosed \(/);
    expect(r.failed).toBe(1);
  });
});

describe('one worker per process, reset between scripts (issue 19)', () => {
  it('a script after another on the reused worker gives the outcomes a fresh worker gives', async () => {
    const lib = script(
      'lib.wast',
      `
(module (global (export "g") i32 (i32.const 7)) (func (export "seven") (result i32) (i32.const 7)))
(register "lib")
(module (import "lib" "g" (global i32)) (func (export "get") (result i32) (global.get 0)))
(assert_return (invoke "get") (i32.const 7))`,
    );
    // a registration must not survive into the next script: "lib" is unknown there
    const user = script(
      'user.wast',
      `
(assert_unlinkable (module (import "lib" "seven" (func (result i32)))) "unknown import")
(module (func (export "one") (result i32) (i32.const 1)))
(assert_return (invoke "one") (i32.const 1))`,
    );
    for (const engine of ['raw', 'dc']) {
      const first = await runScript(user, engine);
      const a = await runScript(lib, engine);
      const b = await runScript(user, engine);
      const c = await runScript(lib, engine);
      expect(first.failed, JSON.stringify(first.results)).toBe(0);
      expect(a.failed, JSON.stringify(a.results)).toBe(0);
      expect(b.outcomesHash).toBe(first.outcomesHash);
      expect(c.outcomesHash).toBe(a.outcomesHash);
    }
  });
});

describe('pipelined calls (issue 19)', () => {
  // each call changes the state the next one reads: answered out of order, the script fails
  const STATEFUL = script(
    'stateful.wast',
    `
(module
  (global $n (mut i32) (i32.const 0))
  (func (export "bump") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 10) (local.get 0)))
  (func $r (export "runaway") (call $r)))
${Array.from({ length: 100 }, (_, i) => `(assert_return (invoke "bump") (i32.const ${i + 1}))`).join('\n')}
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func") "unexpected end")
(assert_trap (invoke "div" (i32.const 0)) "integer divide by zero")
(assert_exhaustion (invoke "runaway") "call stack exhausted")
(assert_return (invoke "bump") (i32.const 101))
(module (func (export "bump") (result i32) (i32.const 42)))
(assert_return (invoke "bump") (i32.const 42))`,
  );

  it('a run of calls is sent before the first answers, and answered in order', async () => {
    const spy = inFlightSpy(['invoke']);
    try {
      for (const engine of ['raw', 'dc']) {
        spy.reset();
        const r = await runScript(STATEFUL, engine);
        expect(r.failed, JSON.stringify(r.results.filter((x) => x.status === 'fail'))).toBe(0);
        expect(r.passed).toBe(108);
        expect(spy.most()).toBeGreaterThan(1);
      }
      // the interpreter runs in this process: one call at a time, the same outcomes
      const i = await runScript(STATEFUL, 'interp');
      expect(i.failed).toBe(0);
    } finally {
      spy.restore();
    }
  });
});

describe('modules instantiated ahead of their answer (issue 19)', () => {
  const AHEAD = script(
    'ahead.wast',
    `
(module $A (func (export "one") (result i32) (i32.const 1)))
(module $B (func $s unreachable) (start $s) (func (export "two") (result i32) (i32.const 2)))
(assert_return (invoke "two") (i32.const 2))
(assert_return (invoke $A "one") (i32.const 1))
(assert_return (invoke $B "two") (i32.const 2))
(module (import "spectest" "nope" (func)))
(assert_return (invoke $A "one") (i32.const 1))
(module $C (global (export "g") i32 (i32.const 3)) (func (export "three") (result i32) (i32.const 3)))
(assert_return (invoke "three") (i32.const 3))
(assert_return (get "g") (i32.const 3))
(assert_return (invoke $A "one") (i32.const 1))`,
  );

  it('a module that does not instantiate leaves its calls to its final state; the others run', async () => {
    const spy = inFlightSpy(['invoke', 'instantiate']);
    try {
      for (const engine of ['raw', 'dc']) {
        spy.reset();
        const r = await runScript(AHEAD, engine);
        expect(r.results.map((x) => `${x.line}:${x.status}:${x.actual}`)).toEqual([
          '2:pass:instantiated',
          '3:fail:trap:unreachable',
          '4:fail:no-module',
          '5:pass:values:i32:0x00000001',
          '6:fail:no-module',
          engine === 'raw' ? '7:fail:unlinkable' : '7:skip:skipped', // dc: a foreign import
          '8:pass:values:i32:0x00000001',
          '9:pass:instantiated',
          '10:pass:values:i32:0x00000003',
          '11:pass:values:i32:0x00000003',
          '12:pass:values:i32:0x00000001',
        ]);
        expect(spy.most()).toBeGreaterThan(2);
      }
    } finally {
      spy.restore();
    }
  });
});
