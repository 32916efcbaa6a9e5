/**
 * `icn-harness replay` end to end: a real signed receipt (Calculator) reproduces; a tampered one
 * is a MISMATCH naming the field; witness/receipt sidecars; proofs of misbehavior confirmed and
 * refuted with the real CCL replayer; manifests re-run entry by entry. The example is made and
 * replayed, and the manifest run, in real processes; the other replays run main() in this process
 * (cliInProcess: the same output and exit code without starting Node each time).
 */
import { computeRoot, countStatuses, entryHash, manifestSeal } from '../manifest/build.js';
import type { Manifest } from '../manifest/types.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../cli/in-process.fixtures.js';
import type { CanonicalValue } from '../../core/canonical/index.js';
import { CCL_PROFILE_HASH, loadContract } from '../../core/ccl/index.js';
import { codeHash } from '../../core/contracts/index.js';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { Keypair } from '../../core/identity/index.js';
import {
  buildPom,
  cclOutputHash,
  MemoryCodeResolver,
  signExecutionClaim,
  type WitnessBundle,
} from '../../core/pom/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/icn-harness.js');
let dir: string;
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const replay = (args: string[]) => cliInProcess(['replay', ...args], dir);
const readJson = (p: string) => JSON.parse(readFileSync(join(dir, p), 'utf8'));
const writeJson = (p: string, v: unknown) =>
  writeFileSync(join(dir, p), JSON.stringify(v, null, 2));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'icn-replay-'));
  expect(cli(['replay', '--make-example', 'bundle.json']).code).toBe(0);
});

describe('execution receipts', () => {
  it('the example bundle reproduces (signature, witness and every field)', () => {
    const r = cli(['replay', 'bundle.json']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^REPRODUCED: execution receipt of add on sha256:/);
    expect(r.out).toContain('signature verifies');
  });

  it('a tampered receipt is a MISMATCH naming the field (and the broken signature)', async () => {
    const b = readJson('bundle.json');
    writeJson('tampered.json', { ...b, receipt: { ...b.receipt, fuelUsed: '5' } });
    const r = await replay(['tampered.json']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^MISMATCH: /);
    expect(r.out).toContain('  fuelUsed\n    artifact:  5\n    replayed:  4');
    expect(r.out).toContain('  signature\n');
    const j = JSON.parse((await replay(['tampered.json', '--json'])).out);
    expect(j.fields.map((f: { field: string }) => f.field)).toEqual(['fuelUsed', 'signature']);
  });

  it('a receipt with its witness beside it, or given with --witness; a witness with --receipt', async () => {
    const b = readJson('bundle.json');
    writeJson('calc.receipt.json', b.receipt);
    writeJson('calc.witness.json', b.witness);
    expect((await replay(['calc.receipt.json'])).code).toBe(0);
    expect((await replay(['calc.witness.json'])).code).toBe(0);
    writeJson('lonely.json', b.receipt);
    const r = await replay(['lonely.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/pass --witness FILE/);
    expect((await replay(['lonely.json', '--witness', 'calc.witness.json'])).code).toBe(0);
    // a witness changed after the fact no longer is the one the receipt names
    writeJson('w2.json', { ...b.witness, args: [{ Int: '6' }, { Int: '3' }] });
    const m = await replay(['lonely.json', '--witness', 'w2.json']);
    expect(m.code).toBe(1);
    expect(m.out).toMatch(/ {2}witness\n/);
    expect(m.out).toMatch(/ {2}outputHash\n/);
  });

  it('the output of `ccl exec --json` replays as it is; a malformed witness is bad input', async () => {
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
      { cwd: dir, encoding: 'utf8' },
    );
    expect(x.status, x.stderr).toBe(0);
    writeFileSync(join(dir, 'exec.json'), x.stdout);
    const r = await replay(['exec.json']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^REPRODUCED: execution receipt of add/);
    const b = readJson('bundle.json');
    writeJson('bad-witness.json', { ...b, witness: { ...b.witness, surprise: true } });
    const m = await replay(['bad-witness.json']);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/bad-witness\.json \(witness\): \$\.surprise: unknown field/);
  });

  it('bad input: exit 2 with what and where', async () => {
    writeJson('junk.json', { format: 'icn-nothing/v9' });
    expect((await replay(['junk.json'])).err).toMatch(
      /no replayer for "icn-nothing\/v9" \(known: icn-manifest\/v1, /,
    );
    const b = readJson('bundle.json');
    writeJson('malformed.json', { ...b, receipt: { ...b.receipt, extra: 1 } });
    const r = await replay(['malformed.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\$\.extra: unknown field/);
  });
});

describe('proofs of misbehavior (real CCL replayer)', () => {
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
  const honest = () =>
    cclOutputHash(w, new MemoryCodeResolver().put(w.code_hash, timebankJson)).hash;
  const lie = contentHash(DOMAIN.test, 'a wrong output');
  const pom = (signed: string, expected: string) =>
    buildPom(
      accuser,
      accused.did,
      w,
      signed as never,
      signExecutionClaim(accused, w, signed as never).signature,
      expected as never,
    );

  it('a true accusation is REPRODUCED; a false one is a MISMATCH; the contract comes with --code or inside a bundle', async () => {
    writeFileSync(join(dir, 'timebank.json'), JSON.stringify(timebankJson));
    writeJson('true.pom.json', pom(lie, honest()));
    writeJson('false.pom.json', pom(honest(), lie));
    const t = await replay(['true.pom.json', '--code', 'timebank.json']);
    expect(t.code, t.err).toBe(0);
    expect(t.out).toMatch(/^REPRODUCED: proof of misbehavior against did:icn:/);
    const f = await replay(['false.pom.json', '--code', 'timebank.json']);
    expect(f.code).toBe(1);
    expect(f.out).toContain(
      `  expected_output_hash\n    artifact:  ${lie}\n    replayed:  ${honest()}`,
    );
    expect(f.out).toContain('false accusation');
    expect((await replay(['true.pom.json'])).err).toMatch(
      /give the contract or module with --code FILE/,
    );
    writeJson('pom-bundle.json', {
      format: 'icn-replay-bundle/v1',
      pom: pom(lie, honest()),
      code: [{ ccl: timebankJson }],
    });
    expect((await replay(['pom-bundle.json'])).code).toBe(0);
  });

  it('a bare witness replays to the expected output or not', async () => {
    writeJson('w.json', w);
    writeFileSync(join(dir, 'timebank.json'), JSON.stringify(timebankJson));
    expect(
      (await replay(['w.json', '--code', 'timebank.json', '--expect-output', honest()])).code,
    ).toBe(0);
    const m = await replay(['w.json', '--code', 'timebank.json', '--expect-output', lie]);
    expect(m.code).toBe(1);
    expect(m.out).toContain('output_hash');
  });
});

/** A manifest with every hash, root, count and the seal recomputed (what a careful forger does). */
function resealed(m: Manifest): Manifest {
  for (const e of m.entries) e.hash = entryHash(e);
  const x = { ...m, root: computeRoot(m.entries), counts: countStatuses(m.entries) };
  return { ...x, seal: manifestSeal(x) };
}

describe('manifests', () => {
  it('re-runs entries: REPRODUCED; a hand edit is bad input; a consistent forgery is a MISMATCH naming entry and field', async () => {
    expect(
      cli(['run', '--suite', 'vectors', '--filter', 'vectors/icn', '--out', 'm.json']).code,
    ).toBe(0);
    expect((await replay(['m.json'])).code).toBe(0);
    const m = readJson('m.json');
    m.entries.find((e: { id: string }) => e.id === 'vectors/icn/did::golden-seed-07').outputs.did =
      'did:icn:zForged';
    writeJson('m1.json', m);
    // edited by hand: the stored entry hash no longer matches, bad input before anything runs
    const bad = await replay(['m1.json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /m1\.json: \$\.entries\[\d+\]\.hash: stored sha256:[0-9a-f]{64}, computed sha256:[0-9a-f]{64}/,
    );
    // a consistent forgery (every hash recomputed): re-running the entry refutes it
    writeJson('m2.json', resealed(m));
    const r = await replay(['m2.json', '--entry', 'vectors/icn/did::golden-seed-07']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '  vectors/icn/did::golden-seed-07 outputs.did\n    artifact:  did:icn:zForged\n    replayed:  did:icn:zGmaDrppBC7P5ARKV8g3djiwP89vz1jLK23V2GBjuAEGB',
    );
  });
});
