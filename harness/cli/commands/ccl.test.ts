/**
 * `icn-harness ccl exec|validate` end to end: the built bin in a child process (npm test builds
 * dist/ first); the bad-input table runs main() in this process (cliInProcess).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { receiptFromJson, receiptHash } from '../../../core/contracts/index.js';
import { cliInProcess } from '../in-process.fixtures.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/icn-harness.js');
const ALICE = 'did:icn:zAKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9';
const BOB = 'did:icn:z9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu';
const contract = (name: string) => join(ROOT, 'contracts', `${name}.json`);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'ccl', ...args], { cwd: tmpdir(), encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The receipt hashes pinned in vectors/ccl/examples.json: the CLI must print the same receipts. */
const pinned = (name: string): string => {
  const v = JSON.parse(readFileSync(join(ROOT, 'vectors/ccl/examples.json'), 'utf8'));
  return v.cases.find((c: { name: string }) => c.name === name).expect.receiptHash;
};

describe('icn-harness ccl', () => {
  it('exec prints the receipt of Calculator.add(5,3) = 8, the one pinned in the vectors, exit 0', () => {
    const r = cli([
      'exec',
      contract('calculator'),
      '--rule',
      'add',
      '--args',
      '[5,3]',
      '--caller',
      ALICE,
      '--timestamp',
      '1700000000000',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.value).toEqual({ Int: '8' });
    expect(out.receipt.fuelUsed).toBe('4');
    expect(out.receiptHash).toBe(pinned('calculator-add-5-3'));
    expect(out.witness.timestamp).toBe('1700000000000');
  });

  it('exec with ledger rows and state files: Transfer moves 25 credits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-ccl-'));
    writeFileSync(
      join(dir, 'ledger.json'),
      JSON.stringify([{ account: ALICE, currency: 'credits', creditLimit: '100' }]),
    );
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ transfers: { Int: 41 } }));
    const r = cli([
      'exec',
      contract('transfer'),
      '--rule',
      'transfer',
      '--args',
      JSON.stringify([{ Did: BOB }, 25]),
      '--caller',
      ALICE,
      '--ledger',
      join(dir, 'ledger.json'),
      '--state',
      join(dir, 'state.json'),
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.value).toEqual({ Int: '42' });
    expect(out.receipt.ledgerOps).toEqual([
      { LedgerTransfer: { amount: '25', currency: 'credits', from: ALICE, to: BOB } },
    ]);
  });

  it('a typed execution error exits 1 and names code and path; the receipt still prints', () => {
    const r = cli([
      'exec',
      contract('calculator'),
      '--rule',
      'mod',
      '--args',
      '[7,0]',
      '--caller',
      ALICE,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('error CCL_DIVISION_BY_ZERO');
    expect(r.out).toContain('$.rules[4].body[0]');
    expect(r.out).toMatch(/receipt {3}sha256:[0-9a-f]{64}/);
  });

  it('a non-participant caller exits 1 with CONTRACT_UNAUTHORIZED', () => {
    const r = cli([
      'exec',
      contract('calculator'),
      '--rule',
      'add',
      '--args',
      '[1,2]',
      '--caller',
      BOB,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('CONTRACT_UNAUTHORIZED');
  });

  it('bad files and arguments exit 2 with one clear line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-ccl-'));
    writeFileSync(join(dir, 'broken.json'), '{"name": "x", "name": "y"}');
    writeFileSync(
      join(dir, 'invalid.json'),
      JSON.stringify({
        name: 'T',
        participants: [ALICE],
        rules: [
          {
            name: 'r',
            params: [],
            body: [
              {
                Return: {
                  value: { BinOp: { op: 'Pow', left: { Var: 'a' }, right: { Var: 'a' } } },
                },
              },
            ],
          },
        ],
      }),
    );
    const cases: [string[], RegExp][] = [
      [['exec', join(dir, 'missing.json'), '--rule', 'r', '--caller', ALICE], /no such file/],
      [
        ['exec', join(dir, 'broken.json'), '--rule', 'r', '--caller', ALICE],
        /duplicate key "name"/,
      ],
      [
        ['exec', join(dir, 'invalid.json'), '--rule', 'r', '--caller', ALICE],
        /\$\.rules\[0\]\.body\[0\]\.Return\.value\.BinOp\.op: unknown operator "Pow"/,
      ],
      [
        ['exec', contract('calculator'), '--rule', 'add', '--args', '[1,', '--caller', ALICE],
        /--args/,
      ],
      [
        ['exec', contract('calculator'), '--rule', 'add', '--args', '[1.5, 2]', '--caller', ALICE],
        /not an integer literal/,
      ],
      [['exec', contract('calculator'), '--rule', 'add', '--caller', 'did:key:z6Mk'], /caller/],
      [
        ['exec', contract('calculator'), '--rule', 'add', '--caller', ALICE, '--fuel', '1000001'],
        /--fuel/,
      ],
      [
        ['exec', contract('calculator'), '--rule', 'add', '--caller', ALICE, '--timestamp', '-1'],
        /--timestamp/,
      ],
      [['exec', contract('calculator'), '--caller', ALICE], /--rule/],
    ];
    for (const [args, msg] of cases) {
      const r = await cliInProcess(['ccl', ...args], tmpdir());
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });

  it('validate: 0 for a valid contract with both hashes, 1 for an invalid one, 2 for a file that is not JSON', () => {
    const ok = cli(['validate', contract('timebank'), '--json']);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({
      ok: true,
      name: 'Timebank',
      rules: ['record_service(recipient, hours)', 'stats()'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'icn-ccl-'));
    writeFileSync(
      join(dir, 'dup.json'),
      JSON.stringify({ name: 'T', participants: [ALICE, ALICE], rules: [] }),
    );
    const bad = cli(['validate', join(dir, 'dup.json')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('$.participants[1]');
    writeFileSync(join(dir, 'text.json'), 'not json');
    expect(cli(['validate', join(dir, 'text.json')]).code).toBe(2);
  });

  it('replay: the output of exec --json reproduces (exit 0); a forged field is named (exit 2 if receiptHash is stale, else 1); garbage exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'icn-ccl-'));
    const r = cli([
      'exec',
      contract('poll'),
      '--rule',
      'tally',
      '--args',
      JSON.stringify([{ List: [{ String: 'yes' }] }]),
      '--caller',
      ALICE,
      '--timestamp',
      '5',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    writeFileSync(join(dir, 'run.json'), r.out);
    const ok = cli(['replay', join(dir, 'run.json')]);
    expect(ok.code, ok.err + ok.out).toBe(0);
    expect(ok.out).toMatch(/^REPRODUCED sha256:/);
    const forged = JSON.parse(r.out);
    forged.receipt.fuelUsed = '1';
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(forged));
    // the top-level receiptHash no longer matches the receipt: bad input naming it
    const stale = cli(['replay', join(dir, 'forged.json')]);
    expect(stale.code).toBe(2);
    expect(stale.err).toMatch(
      /forged\.json: \$\.receiptHash: stored sha256:[0-9a-f]{64}, computed sha256:[0-9a-f]{64}\n$/,
    );
    forged.receiptHash = receiptHash(receiptFromJson(forged.receipt));
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(forged));
    const bad = cli(['replay', join(dir, 'forged.json'), '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({
      result: 'MISMATCH',
      signatureValid: false,
      witnessMatches: true,
      mismatches: ['fuelUsed'],
    });
    writeFileSync(join(dir, 'junk.json'), JSON.stringify({ receipt: {}, witness: {} }));
    expect(cli(['replay', join(dir, 'junk.json')]).code).toBe(2);
  });
});
