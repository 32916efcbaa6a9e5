/**
 * Vector kinds of the contracts area:
 *  - ccl-exec: run a rule of a contract (file under contracts/ or inline) in the sandbox with the
 *    fixed executor key (seed 0x05 × 32 unless `executorSeed`), compare outcome, value, fuel and
 *    the receipt hash.
 *  - ccl-validate: parse + validate a contract: its code hash v2, or the typed error `CODE@path`.
 *  - icn-legacy-code-hash: ICN's legacy code hash of (name, participants).
 */
import { join } from 'node:path';
import { canonicalString, dec } from '../../../core/canonical/index.js';
import { CclError, loadContract, valueToJson } from '../../../core/ccl/index.js';
import { codeHash, keyFromByte, legacyCodeHash, receiptHash, sandboxExecute } from '../../../core/contracts/index.js';
import { IcnError } from '../../../core/errors.js';
import { Keypair } from '../../../core/identity/index.js';
import { readJsonFile } from '../../io/files.js';
import { repoRoot } from '../../cli/repo.js';
import type { VectorCase, VectorKind, VectorVerdict } from './format.js';

function contractOf(c: VectorCase): unknown {
  if (typeof c.contract === 'string') return readJsonFile(join(repoRoot(), c.contract));
  return c.contract;
}

function errorText(e: unknown): string {
  if (e instanceof IcnError) return `${e.code}${typeof e.details.path === 'string' ? `@${e.details.path}` : ''}`;
  throw e;
}

function verdict(outputs: Record<string, string>, expected: Record<string, unknown>): VectorVerdict {
  const problems: string[] = [];
  for (const [k, want] of Object.entries(expected)) {
    const got = outputs[k];
    const w = typeof want === 'string' ? want : canonicalString(want);
    if (got !== w) problems.push(`${k}: expected ${w}, got ${got ?? '(none)'}`);
  }
  return { outputs, ok: problems.length === 0, reason: problems.join('; ') || undefined };
}

export const cclExecKind: VectorKind = {
  kind: 'ccl-exec',
  async check(c) {
    const executor = typeof c.executorSeed === 'string' ? Keypair.fromSeed(dec.bytes(c.executorSeed)) : keyFromByte(5);
    const expected = (c.expect ?? {}) as Record<string, unknown>;
    let outputs: Record<string, string>;
    try {
      const r = await sandboxExecute({
        contract: contractOf(c),
        rule: String(c.rule),
        args: c.args ?? [],
        caller: String(c.caller),
        state: c.state,
        fuel: typeof c.fuel === 'number' ? c.fuel : undefined,
        timestamp: typeof c.timestamp === 'string' ? dec.u64(c.timestamp) : 0n,
        capabilities: c.capabilities,
        ledger: c.ledger,
        executor,
      });
      const rc = r.receipt;
      outputs = {
        outcome: rc.outcome.status === 'ok' ? 'ok' : `${rc.outcome.code}${rc.outcome.path ? `@${rc.outcome.path}` : ''}`,
        fuelUsed: rc.fuelUsed,
        receiptHash: receiptHash(rc),
        ledgerOps: canonicalString(rc.ledgerOps),
      };
      if (r.value) outputs.value = canonicalString(valueToJson(r.value));
    } catch (e) {
      outputs = { error: errorText(e) };
    }
    return verdict(outputs, expected);
  },
};

export const cclValidateKind: VectorKind = {
  kind: 'ccl-validate',
  check(c) {
    let outputs: Record<string, string>;
    try {
      outputs = { codeHash: codeHash({ engine: 'ccl', contract: loadContract(contractOf(c)) }) };
    } catch (e) {
      if (!(e instanceof CclError)) throw e;
      outputs = { error: errorText(e) };
    }
    return verdict(outputs, (c.expect ?? {}) as Record<string, unknown>);
  },
};

export const legacyCodeHashKind: VectorKind = {
  kind: 'icn-legacy-code-hash',
  check(c) {
    if (typeof c.contractName !== 'string' || !Array.isArray(c.participants)) throw new IcnError('VECTOR_FIELD', `case ${c.name}: needs contractName and participants`);
    const hash = legacyCodeHash(c.contractName, c.participants as string[]);
    return verdict({ hash }, { hash: c.hash });
  },
};

export const CONTRACT_KINDS: VectorKind[] = [cclExecKind, cclValidateKind, legacyCodeHashKind];
