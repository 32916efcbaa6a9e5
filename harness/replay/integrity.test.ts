/**
 * Replay accepts no tampered artifact. Mutation sweeps change every field of a receipt bundle, of
 * `ccl exec --json` output and of a proof of misbehavior, one at a time: no mutant REPRODUCES,
 * except under the fields documented as free text outside every hash (a bundle's `description`,
 * an exec output's `error.message`). The tamperings give exit 2 naming the field.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalValue } from '../../core/canonical/index.js';
import { CCL_PROFILE_HASH, loadContract } from '../../core/ccl/index.js';
import { codeHash } from '../../core/contracts/index.js';
import { isIcnError } from '../../core/errors.js';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { Keypair } from '../../core/identity/index.js';
import {
  buildPom,
  cclOutputHash,
  MemoryCodeResolver,
  signExecutionClaim,
  type WitnessBundle,
} from '../../core/pom/index.js';
import { cliInProcess } from '../cli/in-process.fixtures.js';
import { mutants } from '../io/mutants.js';
import { calculatorBundle } from './example.js';
import { replayFile } from './replayers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/icn-harness.js');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'icn-replay-int-'));
});

/** Replay `doc` in process: 'REPRODUCED', 'MISMATCH', or 'bad input <code>'. */
async function verdict(doc: unknown, code: string[] = []): Promise<string> {
  const path = join(dir, 'mutant.json');
  writeFileSync(path, JSON.stringify(doc));
  try {
    return (await replayFile({ path, code, entries: [], repoRoot: ROOT })).verdict;
  } catch (e) {
    if (isIcnError(e)) return `bad input ${e.code}`;
    throw e;
  }
}

async function sweep(
  doc: unknown,
  free: (path: string) => boolean,
  code: string[] = [],
): Promise<{ tried: number; accepted: string[] }> {
  expect(await verdict(doc, code)).toBe('REPRODUCED');
  const accepted: string[] = [];
  let tried = 0;
  for (const m of mutants(doc, free)) {
    tried++;
    if ((await verdict(m.doc, code)) === 'REPRODUCED') accepted.push(`${m.path} (${m.what})`);
  }
  return { tried, accepted };
}

function execOutput(): Record<string, unknown> {
  const caller = JSON.parse(readFileSync(join(ROOT, 'contracts/calculator.json'), 'utf8'))
    .participants[0];
  const x = spawnSync(
    process.execPath,
    [
      BIN,
      'ccl',
      'exec',
      join(ROOT, 'contracts/calculator.json'),
      '--rule',
      'add',
      '--args',
      '[10,7]',
      '--caller',
      caller,
      '--timestamp',
      '11',
      '--json',
    ],
    { encoding: 'utf8' },
  );
  expect(x.status, x.stderr).toBe(0);
  return JSON.parse(x.stdout) as Record<string, unknown>;
}

describe('receipts: mutation sweeps', () => {
  it('no single-field mutant of a receipt bundle reproduces (description is free text)', async () => {
    const r = await sweep(await calculatorBundle(ROOT), (p) => p === '$.description');
    expect(r.accepted).toEqual([]);
    expect(r.tried).toBeGreaterThan(60);
  }, 120_000);

  it('no single-field mutant of `ccl exec --json` output reproduces (error.message is free text)', async () => {
    const r = await sweep(execOutput(), () => false);
    expect(r.accepted).toEqual([]);
    expect(r.tried).toBeGreaterThan(60);
  }, 120_000);
});

describe('replay of `ccl exec --json` checks its top-level fields', () => {
  // through main() in this process (cliInProcess); replay.test.ts and ccl.test.ts run the verbs in
  // real processes
  it('value set to 1000000 or receiptHash to zeros: exit 2 naming the field, stored vs computed', async () => {
    const out = execOutput();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        'value.json',
        { ...out, value: { Int: '1000000' } },
        /value\.json: \$\.value: stored \{"Int":"1000000"\}, computed a value with output hash sha256:[0-9a-f]{64}$/m,
      ],
      [
        'hash.json',
        { ...out, receiptHash: `sha256:${'0'.repeat(64)}` },
        /hash\.json: \$\.receiptHash: stored sha256:0{64}, computed sha256:[0-9a-f]{64}$/m,
      ],
      ['extra.json', { ...out, verdict: 'REPRODUCED' }, /extra\.json: \$\.verdict: unknown field/],
      [
        'error.json',
        { ...out, error: { code: 'X', message: 'm', path: null } },
        /error\.json: \$\.error: stored \{"code":"X","message":"m","path":null\}, computed null/,
      ],
    ];
    for (const [name, doc, want] of cases) {
      writeFileSync(join(dir, name), JSON.stringify(doc));
      for (const verb of [['replay'], ['ccl', 'replay']]) {
        const r = await cliInProcess([...verb, name], dir);
        expect(r.code, `${verb.join(' ')} ${name}: ${r.out}`).toBe(2);
        expect(r.err).toMatch(want);
        expect(r.err.trim().split('\n')).toHaveLength(1);
      }
    }
  });
});

describe('proofs of misbehavior', () => {
  const accused = Keypair.fromSeed(new Uint8Array(32).fill(21));
  const accuser = Keypair.fromSeed(new Uint8Array(32).fill(22));
  const timebankJson = JSON.parse(readFileSync(join(ROOT, 'contracts/timebank.json'), 'utf8'));
  const timebank = loadContract(timebankJson);
  const [p0, p1] = timebank.participants as [string, string];
  const w: WitnessBundle = {
    version: 'icn-pom-witness/v1',
    engine: 'ccl',
    code_hash: codeHash({ engine: 'ccl', contract: timebank }),
    inputs: {
      rule: 'record_service',
      args: [{ Did: p1 }, { Int: 3 }],
      caller: p0,
      state: { entries: { Int: 2 }, total_hours: { Int: 7 } },
      capabilities: [
        { WriteLedger: { accounts: [p0, p1] } },
        { ReadState: { keys: ['entries', 'total_hours'] } },
        { WriteState: { keys: ['entries', 'total_hours'] } },
      ],
    } as unknown as CanonicalValue,
    fuel_limit: '100000',
    timestamp: '1700000000000',
    entropy: '0'.repeat(64),
    profile_hash: CCL_PROFILE_HASH,
  };
  const honest = cclOutputHash(w, new MemoryCodeResolver().put(w.code_hash, timebankJson)).hash;
  const lie = contentHash(DOMAIN.test, 'a wrong output');
  const pom = () =>
    JSON.parse(
      JSON.stringify(
        buildPom(
          accuser,
          accused.did,
          w,
          lie,
          signExecutionClaim(accused, w, lie).signature,
          honest,
        ),
      ),
    ) as Record<string, Record<string, unknown>>;

  it('unknown keys inside pom, claim, witness or signatures: exit 2 naming the field', async () => {
    writeFileSync(join(dir, 'timebank.json'), JSON.stringify(timebankJson));
    const cases: [string, (p: Record<string, Record<string, unknown>>) => void, string][] = [
      ['pom', (p) => (p.note = {}), 'unknown field $.note'],
      ['claim', (p) => (p.claim!.severity = 'high'), 'unknown field $.claim.severity'],
      ['witness', (p) => (p.witness!.extra = 1), 'witness bundle: unknown field "extra"'],
      ['signatures', (p) => (p.signatures!.third = 'x'), 'unknown field $.signatures.third'],
    ];
    for (const [name, f, want] of cases) {
      const p = pom();
      f(p);
      writeFileSync(join(dir, `${name}.pom.json`), JSON.stringify(p));
      const r = await cliInProcess(['replay', `${name}.pom.json`, '--code', 'timebank.json'], dir);
      expect(r.code, name).toBe(2);
      expect(r.err).toContain(want);
    }
  });

  it('no single-field mutant of a proof reproduces', async () => {
    writeFileSync(join(dir, 'timebank.json'), JSON.stringify(timebankJson));
    const r = await sweep(pom(), () => false, [join(dir, 'timebank.json')]);
    expect(r.accepted).toEqual([]);
    expect(r.tried).toBeGreaterThan(40);
  }, 120_000);
});
