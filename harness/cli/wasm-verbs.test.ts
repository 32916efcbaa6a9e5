/**
 * check / exec / wast as a new user meets them, on real wasm from an npm package (hash-wasm ships
 * its modules base64-inlined in dist/*.umd.min.js; we decode them the way its loader does) and on
 * small text modules: options that do not apply, the import plan, folded violations with a
 * summary, input sniffing, and results that name the limit that decided them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliInProcess } from './in-process.fixtures.js';

const CLI = join(process.cwd(), 'bin', 'icn-harness.js');
const dir = mkdtempSync(join(tmpdir(), 'icn-wasm-verbs-'));
const file = (name: string, content: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

/** The wasm module of a hash-wasm algorithm, as the package ships it. */
function hashWasm(name: string): Uint8Array {
  const pkg = dirname(createRequire(import.meta.url).resolve('hash-wasm/package.json'));
  const js = readFileSync(join(pkg, 'dist', `${name}.umd.min.js`), 'utf8');
  const m = new RegExp(`name:"${name}",data:"([A-Za-z0-9+/=]+)"`).exec(js);
  if (!m) throw new Error(`hash-wasm ${name}: no inlined module found`);
  return new Uint8Array(Buffer.from(m[1]!, 'base64'));
}

/** A file a package ships as is (sql.js: dist/sql-wasm.wasm), found the way Node resolves the package. */
function shipped(pkgName: string, path: string): string {
  // sql.js's "exports" hides package.json: resolve its main file and walk up to the package root
  let d = dirname(createRequire(import.meta.url).resolve(pkgName));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return join(d, path);
}

const SQLJS = shipped('sql.js', 'dist/sql-wasm.wasm');
const SHA256 = file('hw-sha256.wasm', hashWasm('sha256'));
const ARGON2 = file('hw-argon2.wasm', hashWasm('argon2'));
const WRONG_TYPE = file(
  'wrong-type.wat',
  '(module (import "icn" "timestamp" (func (result i32))) (func (export "t") (result i32) (call 0)))',
);
const IMPORTS = file(
  'imports.wat',
  '(module (import "a" "b" (func $f (param i32))) (import "icn" "timestamp" (func (result i64))) (func (export "run") (call $f (i32.const 1))))',
);
const F64 = file(
  'f64.wat',
  '(module (type (func (param f64) (result f64))) (type (func (param f32) (result f32))) (func (export "sq") (type 0) (f64.mul (local.get 0) (local.get 0))))',
);
const MANY = file(
  'many.wat',
  `(module (func (export "f") (param f64) (result f64) local.get 0 ${'f64.neg '.repeat(150)}))`,
);
const REC = file(
  'rec.wat',
  '(module (func $r (export "rec") (param i32) (result i32) (call $r (local.get 0))))',
);
const SCRIPT = file(
  's.wast',
  '(module (func (export "one") (result i32) (i32.const 1)))\n(assert_return (invoke "one") (i32.const 1))\n',
);
// content decides, not the name
const BINARY_NAMED_WAT = file('really-binary.wat', hashWasm('crc32'));
const TEXT_NAMED_WASM = file(
  'really-text.wasm',
  '(module (func (export "one") (result i32) (i32.const 1)))',
);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.runIf(existsSync(join(process.cwd(), 'dist', 'harness', 'cli', 'main.js')))(
  'wasm verbs say exactly what they did',
  () => {
    // main() in this process (cliInProcess): exec, check and wast have real-process tests below
    it.each([
      [
        'exec --fuel with --profile raw',
        ['exec', SHA256, '--profile', 'raw', '--invoke', 'Hash_Init', '--fuel', '10'],
        /^icn-harness exec: error: --fuel does not apply with --profile raw: raw is unmetered .*dc and dc-float\n$/,
      ],
      [
        'exec --trace without --engine interp',
        ['exec', SHA256, '--profile', 'dc', '--invoke', 'Hash_Init', '--trace'],
        /--trace does not apply with --engine v8: .*add --engine interp/,
      ],
      [
        'exec --tier with --engine interp',
        [
          'exec',
          SHA256,
          '--profile',
          'dc',
          '--invoke',
          'Hash_Init',
          '--engine',
          'interp',
          '--tier',
          'liftoff',
        ],
        /--tier does not apply with --engine interp: .*use --engine v8/,
      ],
      [
        'exec --engine interp with --profile raw',
        ['exec', SHA256, '--profile', 'raw', '--invoke', 'Hash_Init', '--engine', 'interp'],
        /--engine interp runs the dc and dc-float profiles only/,
      ],
      [
        'wast --tier with --engine interp',
        ['wast', SCRIPT, '--engine', 'interp', '--tier', 'turbofan'],
        /--tier does not apply with --engine interp/,
      ],
      [
        'exec --created-at for a module that never reads it',
        [
          'exec',
          SHA256,
          '--profile',
          'dc',
          '--invoke',
          'Hash_Init',
          '--args',
          'i32:256',
          '--created-at',
          '5',
        ],
        /--created-at does not apply to this module: it imports neither icn\.timestamp nor icn\.entropy_seed/,
      ],
      [
        'wast --quiet with --json',
        ['wast', SCRIPT, '--quiet', '--json'],
        /--quiet does not apply with --json/,
      ],
    ])('%s: exit 2, one line saying why and what applies', async (_n, args, pattern) => {
      const r = await cliInProcess(args as string[]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(pattern as RegExp);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.out).toBe('');
    });

    it('--created-at reaches a module that imports icn.timestamp', () => {
      const ts = file(
        'ts.wat',
        '(module (import "icn" "timestamp" (func $t (result i64))) (func (export "now") (result i64) (call $t)))',
      );
      const r = JSON.parse(
        cli(['exec', ts, '--profile', 'dc', '--invoke', 'now', '--created-at', '5', '--json']).out,
      ) as { returns: string[] };
      expect(r.returns).toEqual(['i64:0x0000000000000005']);
    });

    it.each([
      ['check', [/--json only changes the output form/, /Exit: 0 accepted and runnable/]],
      [
        'exec',
        [
          /--created-at +only for a module importing icn\.timestamp or icn\.entropy_seed/,
          /--profile raw +V8 as is: .*--fuel is an error/,
          /--engine interp +dc and dc-float only; --trace applies; --tier is an error/,
          /--trace +only with --engine interp/,
        ],
      ],
      [
        'wast',
        [
          /--engine interp +the reference interpreter; --tier is an error/,
          /--quiet +text output only; with --json it is an error/,
        ],
      ],
    ])('%s --help lists the option combinations', (verb, patterns) => {
      const r = cli([verb as string, '--help']);
      expect(r.code).toBe(0);
      for (const p of patterns as RegExp[]) expect(r.out).toMatch(p);
    });

    it('check names provided and missing imports; exec of the unlinkable module names them instead of V8', () => {
      const c = cli(['check', IMPORTS, '--profile', 'raw']);
      expect(c.code).toBe(1);
      expect(c.out).toMatch(
        /accepted by profile raw sha256:[0-9a-f]{64}; exec cannot link it: 1 import not provided/,
      );
      expect(c.out).toMatch(/^ {2}provided {2}icn\.timestamp \(func\)$/m);
      expect(c.out).toMatch(
        /^imports: 1 provided by exec, 1 missing \(exec provides only icn\.log, icn\.timestamp, icn\.entropy_seed\)$/m,
      );
      expect(c.out).toMatch(/^ {2}MISSING {3}a\.b \(func\) at byte \d+$/m);
      const j = JSON.parse(cli(['check', IMPORTS, '--profile', 'raw', '--json']).out) as {
        accepted: boolean;
        runnable: boolean;
        imports: { provided: { name: string }[]; missing: { module: string; name: string }[] };
      };
      expect(j).toMatchObject({ accepted: true, runnable: false });
      expect(j.imports.missing.map((l) => `${l.module}.${l.name}`)).toEqual(['a.b']);
      // dc: the same import is a profile violation, and the plan still lists it
      const dc = cli(['check', IMPORTS, '--profile', 'dc']);
      expect(dc.code).toBe(1);
      expect(dc.out).toMatch(/MISSING {3}a\.b/);
      expect(dc.out).toMatch(/profile_import at byte/);
      const ok = cli(['check', SHA256, '--profile', 'dc']);
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(/accepted by profile dc .*\nimports: none\n$/);

      const e = cli(['exec', IMPORTS, '--profile', 'raw', '--invoke', 'run']);
      expect(e.code).toBe(1);
      expect(e.out).toMatch(
        /^rejected: module cannot be linked: it imports a\.b \(func\); execution provides only icn\.log, icn\.timestamp, icn\.entropy_seed$/m,
      );
      expect(e.out).not.toMatch(/Import #0/);
    });

    it('violations point at the offending entry, fold duplicates with a count and start with a summary by kind', () => {
      const r = cli(['check', F64, '--profile', 'dc']);
      expect(r.code).toBe(1);
      const lines = r.out.split('\n');
      expect(lines).toContain('5 violations: 5 profile_float');
      // (param f64)(result f64): one line ×2 at type 0's own byte; type 1 (f32) at a later byte
      const t0 = lines.find((l) => l.includes('type 0: f64'))!;
      const t1 = lines.find((l) => l.includes('type 1: f32'));
      expect(t0).toMatch(
        /^ {2}profile_float at byte 11 \(0xb\): type 0: f64 is not allowed in profile dc \(×2\)$/,
      );
      expect(t1).toBe(
        '  profile_float at byte 16 (0x10): type 1: f32 is not allowed in profile dc (×2)',
      );
      expect(lines.filter((l) => l.includes('type 0: f64'))).toHaveLength(1);
      const j = JSON.parse(cli(['check', F64, '--profile', 'dc', '--json']).out) as {
        violations: { offset: number; detail: string }[];
      };
      expect(j.violations.filter((v) => v.detail.startsWith('type 0:'))).toHaveLength(2); // --json keeps every one
    });

    it('an icn.* import with the wrong type is named with both types', () => {
      const r = cli(['check', WRONG_TYPE, '--profile', 'raw']);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(
        /^ {2}MISSING {3}icn\.timestamp \(func\) at byte \d+: imported with type \[\] -> \[i32\], execution provides \[\] -> \[i64\]$/m,
      );
      expect(cli(['exec', WRONG_TYPE, '--profile', 'raw', '--invoke', 't']).out).toMatch(
        /^rejected: module cannot be linked: it imports icn\.timestamp \(func\)/,
      );
    });

    it('sql.js under dc: 2,129 violations summarised by kind, duplicates folded, no line printed twice, 100 lines at most', () => {
      const r = cli(['check', SQLJS, '--profile', 'dc']);
      expect(r.code).toBe(1);
      const lines = r.out.trimEnd().split('\n');
      const summary = lines.find((l) => /^[\d,]+ violations: /.test(l))!;
      expect(summary).toMatch(
        /^2,129 violations: 2,087 profile_float, 40 profile_import, 2 profile_nesting$/,
      );
      const vlines = lines.filter((l) => /^ {2}profile_/.test(l));
      expect(vlines).toHaveLength(100);
      expect(new Set(vlines).size).toBe(vlines.length);
      expect(vlines.filter((l) => / \(×\d+\)$/.test(l)).length).toBeGreaterThanOrEqual(6); // f64 types with several f64 params/results
      expect(lines.at(-1)).toMatch(
        /^ {2}… [\d,]+ more distinct violations \(--json lists all 2,129\)$/,
      );
      const j = JSON.parse(cli(['check', SQLJS, '--profile', 'dc', '--json']).out) as {
        violations: { code: string; offset: number }[];
      };
      expect(j.violations).toHaveLength(2129);
      // type violations sit at many distinct entries, not all at the type section's first byte
      expect(
        new Set(
          j.violations
            .filter((v) => v.code === 'profile_float' && v.offset < 600)
            .map((v) => v.offset),
        ).size,
      ).toBeGreaterThan(10);
      // raw: accepted but not linkable (its 40 imports come from emscripten's JS glue)
      const raw = cli(['check', SQLJS, '--profile', 'raw']);
      expect(raw.code).toBe(1);
      expect(raw.out).toMatch(
        /accepted by profile raw .*; exec cannot link it: 40 imports not provided/,
      );
    });

    it('thousands of violations: a summary line, at most 100 distinct lines, --json has all', () => {
      const r = cli(['check', MANY, '--profile', 'dc']);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^152 violations: 152 profile_float$/m);
      expect(r.out).toMatch(/^ {2}… 51 more distinct violations \(--json lists all 152\)$/m);
      expect(r.out.split('\n').filter((l) => l.startsWith('  profile_float'))).toHaveLength(100);
      expect(
        (
          JSON.parse(cli(['check', MANY, '--profile', 'dc', '--json']).out) as {
            violations: unknown[];
          }
        ).violations,
      ).toHaveLength(152);
    });

    it('input sniffing: a binary given to wast and a script given to check say what they are; content beats the extension', () => {
      const w = cli(['wast', SHA256]);
      expect(w.code).toBe(2);
      expect(w.err).toMatch(
        /hw-sha256\.wasm: this is a binary WebAssembly module, not a \.wast script: validate it with `icn-harness check/,
      );
      expect(w.err).not.toMatch(/unterminated string/);
      const c = cli(['check', SCRIPT, '--profile', 'dc']);
      expect(c.code).toBe(2);
      expect(c.err).toMatch(
        /s\.wast: this is a \.wast spec script \(2 top-level commands\), not a module: run it with `icn-harness wast/,
      );
      expect(cli(['exec', SCRIPT, '--profile', 'dc', '--invoke', 'one']).code).toBe(2);
      expect(cli(['check', BINARY_NAMED_WAT, '--profile', 'dc']).code).toBe(0);
      const t = cli(['exec', TEXT_NAMED_WASM, '--profile', 'dc', '--invoke', 'one']);
      expect(t.code).toBe(0);
      expect(t.out).toMatch(/^returns {5}i32:0x00000001$/m);
      const empty = cli(['check', file('empty.wasm', ''), '--profile', 'dc']);
      expect(empty.code).toBe(2);
      expect(empty.err).toMatch(/empty file/);
    });

    it('a memory.grow refused at the profile cap names the cap; raw grows; the hash ignores the note', () => {
      // argon2's Hash_SetMemorySize grows memory to the requested byte size: 200 MiB > dc's 128 MiB cap
      const args = [
        'exec',
        ARGON2,
        '--invoke',
        'Hash_SetMemorySize',
        '--args',
        'i32:209715200',
        '--json',
      ];
      const dc = JSON.parse(cli([...args, '--profile', 'dc']).out) as {
        returns: string[];
        limits?: { limit: string; value: string; detail: string }[];
        outputHash: string;
      };
      expect(dc.returns).toEqual(['i32:0xffffffff']);
      expect(dc.limits).toEqual([
        {
          limit: 'memory_pages',
          value: '2048',
          detail:
            "memory.grow returned -1: refused at profile dc's cap of 2048 pages (128 MiB); raw has no such cap",
        },
      ]);
      const interp = JSON.parse(
        cli([...args, '--profile', 'dc', '--engine', 'interp']).out,
      ) as typeof dc;
      expect(interp.returns).toEqual(['i32:0xffffffff']);
      expect(interp.limits).toEqual(dc.limits);
      expect(interp.outputHash).toBe(dc.outputHash);
      const raw = JSON.parse(cli([...args, '--profile', 'raw']).out) as {
        returns: string[];
        limits?: unknown;
      };
      expect(raw.returns).toEqual(['i32:0x00000000']);
      expect(raw.limits).toBeUndefined();
      const text = cli([
        'exec',
        ARGON2,
        '--invoke',
        'Hash_SetMemorySize',
        '--args',
        'i32:209715200',
        '--profile',
        'dc',
      ]).out;
      expect(text).toMatch(
        /^limit {7}memory_pages = 2048: memory\.grow returned -1: refused at profile dc's cap/m,
      );
      // a grow under the cap: no note
      const small = JSON.parse(
        cli([
          'exec',
          ARGON2,
          '--invoke',
          'Hash_SetMemorySize',
          '--args',
          'i32:1048576',
          '--json',
          '--profile',
          'dc',
        ]).out,
      ) as { limits?: unknown };
      expect(small.limits).toBeUndefined();
    });

    it('fuel and the logical stack: the trap comes with the limit and its value, on both engines', () => {
      const fuel = JSON.parse(
        cli([
          'exec',
          SHA256,
          '--profile',
          'dc',
          '--invoke',
          'Hash_Init',
          '--args',
          'i32:256',
          '--fuel',
          '3',
          '--json',
        ]).out,
      ) as { trap: string; limits: unknown };
      expect(fuel.trap).toBe('out_of_fuel');
      expect(fuel.limits).toEqual([
        { limit: 'fuel', value: '3', detail: 'the fuel limit of 3 ran out (--fuel sets it)' },
      ]);
      for (const engine of ['v8', 'interp']) {
        const s = JSON.parse(
          cli([
            'exec',
            REC,
            '--profile',
            'dc',
            '--invoke',
            'rec',
            '--args',
            'i32:0',
            '--engine',
            engine,
            '--json',
          ]).out,
        ) as { trap: string; limits: unknown };
        expect(s.trap, engine).toBe('stack_exhausted');
        expect(s.limits, engine).toEqual([
          {
            limit: 'stack_slots',
            value: '65536',
            detail: "profile dc's logical stack of 65536 slots is exhausted",
          },
        ]);
      }
      const interpFuel = JSON.parse(
        cli([
          'exec',
          SHA256,
          '--profile',
          'dc',
          '--invoke',
          'Hash_Init',
          '--args',
          'i32:256',
          '--fuel',
          '3',
          '--engine',
          'interp',
          '--json',
        ]).out,
      ) as { limits: { limit: string }[] };
      expect(interpFuel.limits.map((l) => l.limit)).toEqual(['fuel']);
    });
  },
);
