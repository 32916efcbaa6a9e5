import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialState, loadContract, parseArgs, parseCapabilities } from '../ccl/index.js';
import type { ContractCode } from '../contracts/code.js';
import { runExecution } from '../contracts/execution.js';
import { installationBody, signInstallation, withSignatures } from '../contracts/installation.js';
import { InMemoryLedger } from '../contracts/ledger-port.js';
import { signReceipt } from '../contracts/receipt.js';
import { contentHash, DOMAIN } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { contractOutputHash, contractReplayer } from './contract-replayer.js';
import { buildPomFromReceipt, verifyPom, verifyPomSync } from './pom.js';
import { MemoryCodeResolver, ReplayerRegistry } from './replayer.js';

const kp = (n: number) => Keypair.fromSeed(new Uint8Array(32).fill(n));
const DEPLOYER = kp(1); // Timebank participant 0
const ACCUSED = kp(31);
const ACCUSER = kp(32);
const OTHER = kp(33);

async function execution() {
  const contract = loadContract(
    JSON.parse(readFileSync(new URL('../../contracts/timebank.json', import.meta.url), 'utf8')),
  );
  const [p0, p1] = contract.participants as [string, string];
  const code: ContractCode = { engine: 'ccl', contract };
  const caps = parseCapabilities([
    { WriteLedger: { accounts: [p0, p1] } },
    { ReadState: { keys: ['entries', 'total_hours'] } },
    { WriteState: { keys: ['entries', 'total_hours'] } },
  ]);
  const body = installationBody({
    code,
    deployer: DEPLOYER.did.toString(),
    capabilities: caps,
    installedAt: 1n,
  });
  const installation = withSignatures(body, [signInstallation(body, DEPLOYER)]);
  const ledger = new InMemoryLedger();
  ledger.setCreditLimit(p0, 'hours', 100n);
  const out = await runExecution(
    {
      code,
      installation,
      rule: 'record_service',
      args: parseArgs([{ Did: p1 }, 3]),
      caller: p0,
      timestamp: 1_700_000_000_000n,
      fuelLimit: 10_000,
      state: initialState(contract),
    },
    ledger,
    ACCUSED.did.toString(),
  );
  return out;
}

describe('PoM from core/contracts execution receipts (engine "contract")', () => {
  const registry = new ReplayerRegistry([contractReplayer]);
  const none = new MemoryCodeResolver();

  it('honest receipt: an accusation is refuted; a tampered receipt: confirmed', async () => {
    const out = await execution();
    expect(out.body.outcome).toEqual({ status: 'ok' });
    expect(out.body.ledgerOps).toHaveLength(1);
    const honest = signReceipt(out.body, ACCUSED);
    const truth = contractOutputHash(out.body);
    // a false accuser says the honest node should have produced something else
    const falseClaim = contentHash(DOMAIN.pomOutput, { engine: 'contract', receipt: 'made up' });
    expect(
      await verifyPom(
        buildPomFromReceipt(ACCUSER, honest, out.witness, falseClaim),
        registry,
        none,
      ),
    ).toMatchObject({
      verdict: 'refuted',
      accused_output_correct: true,
      replayed_output_hash: truth,
    });
    // the accused publishes a receipt with a forged state root after the call
    const tampered = signReceipt(
      { ...out.body, stateRootAfter: out.body.stateRootBefore },
      ACCUSED,
    );
    expect(
      await verifyPom(buildPomFromReceipt(ACCUSER, tampered, out.witness, truth), registry, none),
    ).toMatchObject({ verdict: 'confirmed', replayed_output_hash: truth });
    // … or skips the ledger transfer it owed
    const noTransfer = signReceipt({ ...out.body, ledgerOps: [] }, ACCUSED);
    expect(
      await verifyPom(buildPomFromReceipt(ACCUSER, noTransfer, out.witness, truth), registry, none),
    ).toMatchObject({ verdict: 'confirmed' });
  });

  it("verifyPomSync gives verifyPom's verdicts for CCL witnesses (the replayer answers synchronously)", async () => {
    const out = await execution();
    const truth = contractOutputHash(out.body);
    const honest = signReceipt(out.body, ACCUSED);
    const tampered = signReceipt({ ...out.body, outputHash: out.body.stateRootBefore }, ACCUSED);
    const falseClaim = contentHash(DOMAIN.pomOutput, { engine: 'contract', receipt: 'made up' });
    for (const pom of [
      buildPomFromReceipt(ACCUSER, tampered, out.witness, truth),
      buildPomFromReceipt(ACCUSER, honest, out.witness, falseClaim),
      { ...buildPomFromReceipt(ACCUSER, tampered, out.witness, truth), canonical_inputs: truth },
    ]) {
      expect(verifyPomSync(pom, registry, none)).toEqual(await verifyPom(pom, registry, none));
    }
    expect(
      verifyPomSync(buildPomFromReceipt(ACCUSER, tampered, out.witness, truth), registry, none)
        .verdict,
    ).toBe('confirmed');
  });

  it('evidence must be the accused own valid receipt over this very witness', async () => {
    const out = await execution();
    const truth = contractOutputHash(out.body);
    const tampered = signReceipt({ ...out.body, fuelUsed: '1' }, ACCUSED);
    const pom = buildPomFromReceipt(ACCUSER, tampered, out.witness, truth);
    const verdict = async (p: typeof pom) => {
      const v = await verifyPom(p, registry, none);
      return v.verdict === 'invalid' ? v.code : v.verdict;
    };
    expect(await verdict(pom)).toBe('confirmed');
    // receipt re-attributed to someone else
    expect(await verdict({ ...pom, claim: { ...pom.claim, accused: OTHER.did.toString() } })).toBe(
      'POM_BAD_SIGNATURE',
    );
    // receipt body altered after signing
    expect(
      await verdict({
        ...pom,
        evidence: {
          kind: 'contract-receipt',
          receipt: { ...(pom.evidence!.receipt as object), fuelUsed: '2' },
        },
      }),
    ).toBe('POM_BAD_SIGNATURE');
    // receipt for another witness (different state before)
    const other = {
      ...out.witness,
      stateBefore: { ...(out.witness.stateBefore as object), entries: { Int: '5' } },
    };
    const p2 = buildPomFromReceipt(ACCUSER, tampered, other, truth);
    expect(await verdict(p2)).toBe('POM_BAD_SIGNATURE');
  });
});
