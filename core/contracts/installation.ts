/**
 * Contract installations: what was installed (code hash), by whom, with which capabilities, for
 * which participants, which callers beyond them may call (min_caller_trust in ppm), when, and which
 * version of which earlier installation it replaces.
 *
 * Signatures cover the canonical hash of the whole installation body (ICN signs only
 * `code_hash ‖ installed_at`, so a relay could add capabilities without breaking a signature).
 * Every participant signs; the deployer must be a participant. An upgrade (version > 1) is also
 * signed by every participant of the version it replaces.
 */
import type { CanonicalValue } from '../canonical/index.js';
import {
  canonicalCapabilities,
  capabilityToJson,
  parseCapabilities,
  type Capability,
} from '../ccl/index.js';
import { contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';
import { U64_MAX } from '../int-limits.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import { PPM } from '../trust/oracle.js';
import { codeHash, codeName, codeParticipants, type ContractCode } from './code.js';
import { reject, type Verdict } from './reasons.js';

export const INSTALLATION_FORMAT = 'icn-installation/v1';

export interface InstallationBody {
  readonly codeHash: Hash;
  readonly engine: 'ccl' | 'wasm';
  readonly name: string;
  /** The deployer's DID. */
  readonly installedBy: string;
  readonly capabilities: readonly Capability[];
  /** The participant set, sorted. */
  readonly participants: readonly string[];
  /** Non-participants may call when their trust (ppm) reaches this; null = participants only. */
  readonly minCallerTrustPpm: number | null;
  /** Milliseconds (u64), chosen by the deployer; part of what is signed. */
  readonly installedAt: bigint;
  readonly version: number;
  /** Code hash of the installation this version replaces (null for version 1). */
  readonly previous: Hash | null;
}

export interface InstallationSignature {
  readonly signer: string;
  readonly signature: string;
}

export interface Installation extends InstallationBody {
  /** Sorted by signer. */
  readonly signatures: readonly InstallationSignature[];
}

export interface NewInstallation {
  code: ContractCode;
  deployer: string;
  capabilities: readonly Capability[];
  minCallerTrustPpm?: number | null;
  installedAt: bigint;
  version?: number;
  previous?: Hash | null;
}

function sortStrings(xs: Iterable<string>): string[] {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The unsigned body for some code. */
export function installationBody(n: NewInstallation): InstallationBody {
  return {
    codeHash: codeHash(n.code),
    engine: n.code.engine,
    name: codeName(n.code),
    installedBy: Did.parse(n.deployer).toString(),
    capabilities: canonicalCapabilities(n.capabilities),
    participants: sortStrings(new Set(codeParticipants(n.code))),
    minCallerTrustPpm: n.minCallerTrustPpm ?? null,
    installedAt: n.installedAt,
    version: n.version ?? 1,
    previous: n.previous ?? null,
  };
}

export function installationBodyToJson(b: InstallationBody): CanonicalValue {
  return {
    format: INSTALLATION_FORMAT,
    codeHash: b.codeHash,
    engine: b.engine,
    name: b.name,
    installedBy: b.installedBy,
    capabilities: b.capabilities.map(capabilityToJson),
    participants: [...b.participants],
    minCallerTrustPpm: b.minCallerTrustPpm,
    installedAt: b.installedAt.toString(),
    version: b.version,
    previous: b.previous,
  };
}

/** The canonical hash every signer signs. */
export function installationHash(b: InstallationBody): Hash {
  return contentHash(DOMAIN.installation, installationBodyToJson(b));
}

/** What a signature covers: the installation hash, under the installation domain. */
function signedValue(b: InstallationBody): CanonicalValue {
  return { installation: installationHash(b) };
}

export function signInstallation(b: InstallationBody, kp: Keypair): InstallationSignature {
  return { signer: kp.did.toString(), signature: kp.sign(DOMAIN.installation, signedValue(b)) };
}

/** Attach signatures (sorted by signer; a later signature of the same signer replaces an earlier one). */
export function withSignatures(
  b: InstallationBody,
  sigs: readonly InstallationSignature[],
): Installation {
  const by = new Map<string, InstallationSignature>();
  for (const s of sigs) by.set(s.signer, s);
  return { ...stripSignatures(b), signatures: sortStrings(by.keys()).map((k) => by.get(k)!) };
}

export function stripSignatures(i: InstallationBody): InstallationBody {
  return {
    codeHash: i.codeHash,
    engine: i.engine,
    name: i.name,
    installedBy: i.installedBy,
    capabilities: i.capabilities,
    participants: i.participants,
    minCallerTrustPpm: i.minCallerTrustPpm,
    installedAt: i.installedAt,
    version: i.version,
    previous: i.previous,
  };
}

export function installationToJson(i: Installation): CanonicalValue {
  return {
    ...(installationBodyToJson(i) as Record<string, CanonicalValue>),
    signatures: i.signatures.map((s) => ({ signer: s.signer, signature: s.signature })),
  };
}

class Malformed extends Error {}

/** Parse an installation's JSON. Returns a verdict instead of throwing: malformed input is a rejection reason. */
export function installationFromJson(
  x: unknown,
  path = '$',
): { ok: true; value: Installation } | { ok: false; reason: 'malformed'; detail: string } {
  try {
    return { ok: true, value: parseInstallation(x, path) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, reason: 'malformed', detail: e.message };
    if (e instanceof Error && 'code' in e)
      return { ok: false, reason: 'malformed', detail: `${path}: ${e.message}` };
    throw e;
  }
}

const FIELDS = [
  'format',
  'codeHash',
  'engine',
  'name',
  'installedBy',
  'capabilities',
  'participants',
  'minCallerTrustPpm',
  'installedAt',
  'version',
  'previous',
  'signatures',
];

function parseInstallation(x: unknown, path: string): Installation {
  const bad = (field: string, why: string): never => {
    throw new Malformed(`${path}.${field}: ${why}`);
  };
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    throw new Malformed(`${path}: an installation is an object`);
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.includes(k)) bad(k, 'unknown field');
  for (const k of FIELDS) if (!(k in o)) bad(k, 'missing');
  if (o.format !== INSTALLATION_FORMAT)
    bad('format', `expected ${JSON.stringify(INSTALLATION_FORMAT)}`);
  if (!isHash(o.codeHash)) bad('codeHash', 'expected sha256:<hex>');
  if (o.engine !== 'ccl' && o.engine !== 'wasm') bad('engine', 'expected "ccl" or "wasm"');
  if (typeof o.name !== 'string') bad('name', 'expected a string');
  const did = (v: unknown, f: string) => {
    try {
      return Did.parse(v as string).toString();
    } catch (e) {
      return bad(f, (e as Error).message);
    }
  };
  const installedBy = did(o.installedBy, 'installedBy');
  if (!Array.isArray(o.participants)) bad('participants', 'expected an array of DIDs');
  const participants = (o.participants as unknown[]).map((p, i) => did(p, `participants[${i}]`));
  const sorted = sortStrings(new Set(participants));
  if (sorted.join() !== participants.join())
    bad('participants', 'must be sorted and without duplicates (canonical form)');
  const capabilities = parseCapabilities(o.capabilities, `${path}.capabilities`);
  const t = o.minCallerTrustPpm;
  if (t !== null && (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0 || t > PPM))
    bad(
      'minCallerTrustPpm',
      `null or an integer 0..${PPM} (parts per million; ICN's f64 0.0..1.0)`,
    );
  if (
    typeof o.installedAt !== 'string' ||
    !/^(0|[1-9][0-9]*)$/.test(o.installedAt) ||
    BigInt(o.installedAt) > U64_MAX
  )
    bad('installedAt', 'a u64 decimal string (milliseconds)');
  if (typeof o.version !== 'number' || !Number.isSafeInteger(o.version) || o.version < 1)
    bad('version', 'an integer ≥ 1');
  if (o.previous !== null && !isHash(o.previous)) bad('previous', 'null or sha256:<hex>');
  if (!Array.isArray(o.signatures)) bad('signatures', 'expected an array of {signer, signature}');
  const sigs = (o.signatures as unknown[]).map((s, i) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s))
      return bad(`signatures[${i}]`, 'expected {signer, signature}');
    const so = s as Record<string, unknown>;
    const keys = Object.keys(so).sort().join();
    if (keys !== 'signature,signer')
      bad(`signatures[${i}]`, 'exactly the fields signer and signature');
    if (typeof so.signature !== 'string')
      bad(`signatures[${i}].signature`, 'expected 128 hex characters');
    return { signer: did(so.signer, `signatures[${i}].signer`), signature: so.signature as string };
  });
  const signers = sigs.map((s) => s.signer);
  if (sortStrings(new Set(signers)).join() !== signers.join())
    bad('signatures', 'must be sorted by signer, one per signer');
  const capsJson = JSON.stringify((o.capabilities as unknown[]) ?? []);
  if (JSON.stringify(capabilities.map(capabilityToJson)) !== capsJson)
    bad(
      'capabilities',
      'must be in canonical form (lists sorted and deduplicated, capabilities sorted)',
    );
  return {
    codeHash: o.codeHash as Hash,
    engine: o.engine as 'ccl' | 'wasm',
    name: o.name as string,
    installedBy,
    capabilities,
    participants,
    minCallerTrustPpm: t as number | null,
    installedAt: BigInt(o.installedAt as string),
    version: o.version as number,
    previous: o.previous as Hash | null,
    signatures: sigs,
  };
}

/**
 * Check an installation against its code (recomputing the code hash) and, for an upgrade, the
 * installation it replaces. Checks: code hash, name, engine, participant set, deployer is a
 * participant, trust threshold range, version chain, and the signatures: exactly one valid
 * signature from each required signer and none from anyone else.
 */
export function verifyInstallation(
  inst: Installation,
  code: ContractCode,
  previous: Installation | null = null,
): Verdict {
  const recomputed = codeHash(code);
  if (recomputed !== inst.codeHash)
    return reject(
      'code_hash_mismatch',
      `installation says ${inst.codeHash}, the code hashes to ${recomputed}`,
    );
  if (inst.engine !== code.engine)
    return reject(
      'engine_mismatch',
      `installation engine ${inst.engine}, code engine ${code.engine}`,
    );
  if (inst.name !== codeName(code))
    return reject(
      'name_mismatch',
      `installation name ${JSON.stringify(inst.name)}, contract name ${JSON.stringify(codeName(code))}`,
    );
  const participants = sortStrings(new Set(codeParticipants(code)));
  if (participants.join() !== inst.participants.join())
    return reject(
      'participants_mismatch',
      "the installation's participants are not the contract's participants",
    );
  if (!inst.participants.includes(inst.installedBy))
    return reject('deployer_not_participant', `deployer ${inst.installedBy} is not a participant`);
  if (
    inst.minCallerTrustPpm !== null &&
    (!Number.isSafeInteger(inst.minCallerTrustPpm) ||
      inst.minCallerTrustPpm < 0 ||
      inst.minCallerTrustPpm > PPM)
  ) {
    return reject('malformed', `minCallerTrustPpm ${inst.minCallerTrustPpm} is outside 0..${PPM}`);
  }
  const required = new Set(inst.participants);
  if (inst.previous === null) {
    if (inst.version !== 1)
      return reject(
        'version_invalid',
        `version ${inst.version} without a previous installation (a first version is 1)`,
      );
    if (previous !== null)
      return reject('version_invalid', 'a first version names no previous installation');
  } else {
    if (previous === null || previous.codeHash !== inst.previous)
      return reject(
        'unknown_previous',
        `previous installation ${inst.previous} is not installed here`,
      );
    if (inst.version !== previous.version + 1)
      return reject(
        'version_invalid',
        `version ${inst.version} does not follow ${previous.version}`,
      );
    if (inst.name !== previous.name)
      return reject(
        'version_invalid',
        `an upgrade keeps the name (${JSON.stringify(previous.name)})`,
      );
    if (inst.engine !== previous.engine)
      return reject('version_invalid', 'an upgrade keeps the engine');
    for (const p of previous.participants) required.add(p);
  }
  const signers = new Set(inst.signatures.map((s) => s.signer));
  if (signers.size !== inst.signatures.length)
    return reject('malformed', 'two signatures from one signer');
  for (const s of inst.signatures)
    if (!required.has(s.signer))
      return reject(
        'unexpected_signer',
        `${s.signer} signed but is not a participant${inst.previous ? ' of this or the previous version' : ''}`,
      );
  for (const r of sortStrings(required))
    if (!signers.has(r)) return reject('missing_signature', `participant ${r} has not signed`);
  const value = signedValue(inst);
  for (const s of inst.signatures) {
    if (!verifySignature(Did.parse(s.signer), DOMAIN.installation, value, s.signature))
      return reject(
        'bad_signature',
        `the signature of ${s.signer} does not verify over installation ${installationHash(inst)}`,
      );
  }
  return { ok: true };
}
