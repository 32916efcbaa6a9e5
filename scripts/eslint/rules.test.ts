/**
 * The lint rules fire where they should and only there: each fixture in ./fixtures is linted with
 * the project's own eslint.config.mjs as if it lived at a given path (core/ledger/x.ts for the
 * bans, core/daemon/x.ts where they are lifted…). A fixture line ending in `// fires: RULE` must
 * be reported by RULE at a path where RULE applies; no other message may appear.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'scripts/eslint/fixtures');
/** Fixtures are linted at `<dir>/lint-fixture*.ts`, files that do not exist (text given). */
const PLACES = ['core', 'core/*', 'core/*/*', 'harness', 'harness/*', 'harness/*/*', 'bench'];

let eslint: ESLint;
beforeAll(() => {
  // The project's config; only how the type-aware parser finds a program for a file that is not on
  // disk is overridden (a default project with tsconfig.json's options).
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: {
        parserOptions: {
          projectService: {
            allowDefaultProject: PLACES.map((p) => `${p}/lint-fixture*.ts`),
            defaultProject: 'tsconfig.json',
            // one default-project file per placement below (the limit guards real runs' speed)
            maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 64,
          },
        },
      },
    },
  });
});

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** `line rule` for every message (rule `null` for a parse error or a directive problem). */
async function lint(text: string, at: string): Promise<string[]> {
  const [r] = await eslint.lintText(text, { filePath: join(ROOT, at) });
  return r!.messages.map(
    (m: Linter.LintMessage) => `${m.line} ${m.ruleId ?? `null (${m.message})`}`,
  );
}

/** The `// fires: RULE` annotations of a fixture, as `line rule`. */
function expected(text: string): string[] {
  return text
    .split('\n')
    .flatMap((l, i) => [...l.matchAll(/\/\/ fires: (\S+)/g)].map((m) => `${i + 1} ${m[1]}`));
}

const sorted = (xs: string[]) => [...xs].sort();

describe('each rule fires on its planted violation, where it applies', () => {
  const cases: [string, string][] = [
    ['bans.ts', 'core/ledger/lint-fixture.ts'],
    ['bans.ts', 'core/lint-fixture.ts'],
    ['bans.ts', 'core/wasm/interp/lint-fixture.ts'],
    ['bans.ts', 'core/ledger/lint-fixture.test.ts'],
    ['core-imports-harness.ts', 'core/ledger/lint-fixture.ts'],
    ['core-imports-harness.ts', 'core/daemon/lint-fixture.ts'],
    ['core-imports-harness.ts', 'core/ledger/lint-fixture.test.ts'],
    ['kernel-imports-meaning.ts', 'core/wasm/lint-fixture.ts'],
    ['kernel-imports-meaning.ts', 'core/ccl/lint-fixture.ts'],
    ['wasm-engine.ts', 'core/wasm/lint-fixture.ts'],
    ['wasm-engine.ts', 'core/ledger/lint-fixture.ts'],
    ['typed.ts', 'core/ledger/lint-fixture.ts'],
    ['typed.ts', 'harness/sim/lint-fixture.ts'],
  ];
  it.each(cases)('%s at %s', async (name, at) => {
    const text = fixture(name);
    const want = expected(text);
    expect(want.length).toBeGreaterThan(0);
    expect(sorted(await lint(text, at))).toEqual(sorted(want));
  });
});

describe('and nowhere else', () => {
  const cases: [string, string, string][] = [
    ['bans.ts', 'core/daemon/lint-fixture.ts', 'the daemon supplies the real clock'],
    ['bans.ts', 'core/icnctl/lint-fixture.ts', "icnctl stamps an operator's request"],
    ['bans.ts', 'harness/sim/lint-fixture.ts', 'the bans are for core/'],
    ['core-imports-harness.ts', 'harness/io/lint-fixture.ts', 'harness/ may import harness/'],
    [
      'kernel-imports-meaning.ts',
      'core/node/lint-fixture.ts',
      'the node wires kernel and meaning together',
    ],
    [
      'kernel-imports-meaning.ts',
      'core/daemon/lint-fixture.ts',
      'only core/wasm and core/ccl are the kernel',
    ],
    ['wasm-engine.ts', 'core/wasm/exec/lint-fixture.ts', 'the executor is the one engine'],
    ['wasm-engine.ts', 'core/wasm/lint-fixture.test.ts', 'tests use V8 as an oracle'],
    [
      'wasm-engine.ts',
      'harness/suites/lint-fixture.ts',
      "the nasties' raw probe runs V8 on purpose",
    ],
    ['good.ts', 'core/wasm/lint-fixture.ts', 'a clean file'],
  ];
  it.each(cases)('%s at %s (%s)', async (name, at) => {
    expect(await lint(fixture(name), at)).toEqual([]);
  });
});

describe('icn/max-function-lines', () => {
  /** `function NAME` spanning exactly `lines` lines. */
  const fn = (name: string, lines: number) =>
    `export function ${name}(): number {\n  let x = 0;\n` +
    `${'  x++;\n'.repeat(lines - 4)}  return x;\n}\n`;

  it('reports a function of 101 lines in core/ and harness/, not one of 100', async () => {
    const text = fn('short', 100) + fn('long', 101);
    for (const at of ['core/ledger/lint-fixture.ts', 'harness/sim/lint-fixture.ts']) {
      expect(await lint(text, at)).toEqual(['101 icn/max-function-lines']);
    }
  });

  it('names nameless callbacks after the function around them', async () => {
    const body = '    void 0;\n'.repeat(100);
    const text = `export function outer(): void {\n  [1].map(() => {\n${body}  });\n}\n`;
    const [r] = await eslint.lintText(text, {
      filePath: join(ROOT, 'core/ledger/lint-fixture.ts'),
    });
    expect(r!.messages.map((m) => m.message.split(' ')[0])).toEqual(['outer', 'outer>(anonymous)']);
  });

  it('does not apply to tests or outside core/ and harness/', async () => {
    const text = fn('long', 150);
    for (const at of ['core/ledger/lint-fixture.test.ts', 'bench/lint-fixture.ts'])
      expect(await lint(text, at)).toEqual([]);
  });

  it('lets an allowed function be long, and reports a stale allow entry', async () => {
    const allowing = new ESLint({
      cwd: ROOT,
      overrideConfig: {
        files: ['**/*.ts'],
        languageOptions: {
          parserOptions: {
            projectService: {
              allowDefaultProject: ['core/*/lint-fixture*.ts'],
              defaultProject: 'tsconfig.json',
            },
          },
        },
        rules: {
          'icn/max-function-lines': [
            'error',
            { max: 100, allow: { 'core/ledger/lint-fixture.ts': { long: 'test reason' } } },
          ],
        },
      },
    });
    const at = join(ROOT, 'core/ledger/lint-fixture.ts');
    const [allowed] = await allowing.lintText(fn('long', 120), { filePath: at });
    expect(allowed!.messages).toEqual([]);
    const [stale] = await allowing.lintText(fn('long', 90), { filePath: at });
    expect(stale!.messages.map((m) => m.message)).toEqual([
      expect.stringMatching(/^allow list entry long .*remove the entry$/),
    ]);
  });
});

describe('the config itself', () => {
  it('rejects a disable comment that names no enabled rule (they must be real)', async () => {
    const text = '// eslint-disable-next-line no-control-regex\nexport const a = 1;\n';
    expect(await lint(text, 'core/ledger/lint-fixture.ts')).toEqual([
      expect.stringMatching(/^1 null \(Unused eslint-disable directive/),
    ]);
  });

  it('leaves the planted fixtures out of the real run', async () => {
    expect(await eslint.isPathIgnored(join(FIXTURES, 'bans.ts'))).toBe(true);
    expect(await eslint.isPathIgnored(join(ROOT, 'core/ledger/ledger.ts'))).toBe(false);
  });
});
