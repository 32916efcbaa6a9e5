/**
 * Contract code and its hashes.
 *
 * Code is CCL (a parsed, validated contract) or WebAssembly (a module run under the ICN-DC
 * profile). `codeHash` v2 is the content hash of the canonical code: for CCL the whole canonical
 * contract (name, participants, currency, state variables, every rule body); for WASM the module
 * bytes' hash, the name and the participants. A receiver always recomputes it; it never trusts a
 * hash it was sent.
 *
 * `legacyCodeHash` is ICN's own (`SHA-256(name ‖ Debug(p0) ‖ … ‖ Debug(pn))`), kept only for
 * compatibility checks: it ignores the rules, so it must never authorize anything.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { CanonicalValue } from '../canonical/index.js';
import { contractToJson, loadContract, type Contract } from '../ccl/index.js';
import { CclError } from '../ccl/errors.js';
import { canonicalize, dec, enc } from '../canonical/index.js';
import { bytesHash, contentHash, DOMAIN, toHex, type Hash } from '../hash/index.js';
import { Did } from '../identity/index.js';

export type ContractCode =
  | { readonly engine: 'ccl'; readonly contract: Contract }
  | {
      readonly engine: 'wasm';
      readonly name: string;
      readonly participants: readonly string[];
      readonly module: Uint8Array;
    };

export function codeName(code: ContractCode): string {
  return code.engine === 'ccl' ? code.contract.name : code.name;
}

export function codeParticipants(code: ContractCode): readonly string[] {
  return code.engine === 'ccl' ? code.contract.participants : code.participants;
}

/** The canonical JSON of code, as carried in deployment messages and hashed by codeHash. */
export function codeToJson(code: ContractCode): CanonicalValue {
  if (code.engine === 'ccl') return { engine: 'ccl', contract: contractToJson(code.contract) };
  return {
    engine: 'wasm',
    name: code.name,
    participants: [...code.participants],
    module: enc.bytes(code.module),
  };
}

/** Parse code from its JSON form (the `code` of a deployment message). Throws CclError / IcnError with a path. */
export function codeFromJson(x: unknown, path = '$'): ContractCode {
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    throw new CclError('CCL_PARSE', `${path}: code must be an object {engine, …}`, { path });
  const o = x as Record<string, unknown>;
  if (o.engine === 'ccl') {
    const extra = Object.keys(o).filter((k) => k !== 'engine' && k !== 'contract');
    if (extra.length > 0)
      throw new CclError('CCL_PARSE', `${path}.${extra[0]}: unknown field`, {
        path: `${path}.${extra[0]}`,
      });
    try {
      return { engine: 'ccl', contract: loadContract(o.contract) };
    } catch (e) {
      if (e instanceof CclError && typeof e.details.path === 'string') {
        const sub = `${path}.contract${e.details.path.slice(1)}`;
        throw new CclError(e.code, e.message.replace(e.details.path, sub), {
          ...e.details,
          path: sub,
        });
      }
      throw e;
    }
  }
  if (o.engine === 'wasm') {
    const extra = Object.keys(o).filter(
      (k) => !['engine', 'name', 'participants', 'module'].includes(k),
    );
    if (extra.length > 0)
      throw new CclError('CCL_PARSE', `${path}.${extra[0]}: unknown field`, {
        path: `${path}.${extra[0]}`,
      });
    if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 128)
      throw new CclError('CCL_PARSE', `${path}.name: a non-empty name of at most 128 characters`, {
        path: `${path}.name`,
      });
    if (
      !Array.isArray(o.participants) ||
      o.participants.length === 0 ||
      o.participants.length > 100
    )
      throw new CclError('CCL_PARSE', `${path}.participants: 1–100 participant DIDs`, {
        path: `${path}.participants`,
      });
    const participants = o.participants.map((p, i) => {
      try {
        return Did.parse(p as string).toString();
      } catch (e) {
        throw new CclError('CCL_PARSE', `${path}.participants[${i}]: ${(e as Error).message}`, {
          path: `${path}.participants[${i}]`,
        });
      }
    });
    if (new Set(participants).size !== participants.length)
      throw new CclError('CCL_INVALID', `${path}.participants: duplicate participant`, {
        path: `${path}.participants`,
        check: 'duplicate-participant',
      });
    let module: Uint8Array;
    try {
      module = dec.bytes(o.module as string);
    } catch {
      throw new CclError('CCL_PARSE', `${path}.module: the module is lowercase hex`, {
        path: `${path}.module`,
      });
    }
    return { engine: 'wasm', name: o.name, participants, module };
  }
  throw new CclError(
    'CCL_PARSE',
    `${path}.engine: expected "ccl" or "wasm", got ${JSON.stringify(o.engine)}`,
    { path: `${path}.engine` },
  );
}

/** Code hash v2: the content hash of the canonical code (CCL: the whole contract, bodies included). */
export function codeHash(code: ContractCode): Hash {
  if (code.engine === 'ccl') return contentHash(DOMAIN.cclContract, codeToJson(code));
  return contentHash(DOMAIN.cclContract, {
    engine: 'wasm',
    name: code.name,
    participants: [...code.participants],
    module: bytesHash(DOMAIN.wasmModule, code.module),
  });
}

/**
 * codeHash of code whose canonical JSON (codeToJson) has the text `text`, as a receiver has just
 * checked it: CCL code hashes that very text, so it is not encoded again. The caller guarantees
 * `text === canonicalString(codeToJson(code))` (verifyDeployment compares them first).
 */
export function codeHashOfText(code: ContractCode, text: string): Hash {
  if (code.engine === 'ccl') return bytesHash(DOMAIN.cclContract, utf8.encode(text));
  return codeHash(code);
}

/** Size of the canonical code in bytes (what the deployment size limit measures). */
export function codeSize(code: ContractCode): number {
  return canonicalize(codeToJson(code)).length;
}

const utf8 = new TextEncoder();

/**
 * ICN's legacy code hash (tests/contract_code_hash_golden.rs): lowercase hex of
 * SHA-256(name bytes ‖ `Did("…")` for each participant in list order), no separators. It covers
 * neither the rules nor the state: never use it to decide anything.
 */
export function legacyCodeHash(name: string, participants: readonly string[]): string {
  const parts = [
    utf8.encode(name),
    ...participants.map((p) => utf8.encode(`Did(${JSON.stringify(p)})`)),
  ];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.length;
  }
  return toHex(sha256(buf));
}

export function legacyCodeHashOf(c: Contract): string {
  return legacyCodeHash(c.name, c.participants);
}
