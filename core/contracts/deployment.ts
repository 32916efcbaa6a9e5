/**
 * Deployment messages: what a deployer publishes on the `contracts:deploy` topic.
 *
 *   { format, codeHash, code, installation, deployerSignature }
 *
 * `deployerSignature` is the installation's deployer signing the canonical message without it
 * (DOMAIN.deploymentMessage). The receiver trusts nothing in it: it re-parses and re-validates the
 * code, recomputes the code hash, checks the deployer's signature and every installation
 * signature. Wire form = canonical JSON text; fromWire is strict (duplicate keys, unknown fields).
 */
import { canonicalString, parseStrictJson, type CanonicalValue } from '../canonical/index.js';
import { CclError } from '../ccl/errors.js';
import { IcnError } from '../errors.js';
import { DOMAIN, isHash, type Hash } from '../hash/index.js';
import { Did, verifySignature, type Keypair } from '../identity/index.js';
import { codeFromJson, codeHash, codeHashOfText, codeToJson, type ContractCode } from './code.js';
import {
  installationFromJson,
  installationToJson,
  verifyInstallation,
  type Installation,
} from './installation.js';
import { reject, type Verdict } from './reasons.js';
import { validateModule } from '../wasm/validate/validate.js';
import { WASM_CONTRACT_PROFILE } from './execution.js';

export const DEPLOYMENT_FORMAT = 'icn-deployment/v1';
/** Canonical code size limit by default: 256 KiB. */
export const DEFAULT_MAX_CODE_BYTES = 256 * 1024;

export class DeploymentMessage {
  private constructor(
    readonly codeHash: string,
    /** The code as sent (JSON), parsed only when verified. */
    readonly code: CanonicalValue,
    readonly installation: CanonicalValue,
    readonly deployerSignature: string,
  ) {}

  /** Build and sign a message for code and its (already co-signed) installation. */
  static create(
    code: ContractCode,
    installation: Installation,
    deployer: Keypair,
  ): DeploymentMessage {
    if (deployer.did.toString() !== installation.installedBy)
      throw new IcnError(
        'DEPLOYMENT_SIGNER',
        `the installation names ${installation.installedBy} as deployer, not ${deployer.did.toString()}`,
      );
    const unsigned = {
      codeHash: codeHash(code),
      code: codeToJson(code),
      installation: installationToJson(installation),
    };
    const body = { format: DEPLOYMENT_FORMAT, ...unsigned };
    return new DeploymentMessage(
      unsigned.codeHash,
      unsigned.code,
      unsigned.installation,
      deployer.sign(DOMAIN.deploymentMessage, body),
    );
  }

  /** The signed part: everything but the signature. */
  body(): CanonicalValue {
    return {
      format: DEPLOYMENT_FORMAT,
      codeHash: this.codeHash,
      code: this.code,
      installation: this.installation,
    };
  }

  toJson(): CanonicalValue {
    return {
      ...(this.body() as Record<string, CanonicalValue>),
      deployerSignature: this.deployerSignature,
    };
  }

  /** Canonical JSON text. */
  toWire(): string {
    return canonicalString(this.toJson());
  }

  /** Parse the wire form. Throws IcnError DEPLOYMENT_MALFORMED (with the path) on anything but a well-shaped message. */
  static fromWire(text: string): DeploymentMessage {
    let x: unknown;
    try {
      x = parseStrictJson(text, 'deployment message');
    } catch (e) {
      throw new IcnError('DEPLOYMENT_MALFORMED', (e as Error).message, { path: '$' });
    }
    return DeploymentMessage.fromJson(x);
  }

  static fromJson(x: unknown): DeploymentMessage {
    const bad = (path: string, why: string): never => {
      throw new IcnError('DEPLOYMENT_MALFORMED', `${path}: ${why}`, { path });
    };
    if (typeof x !== 'object' || x === null || Array.isArray(x))
      return bad('$', 'a deployment message is an object');
    const o = x as Record<string, unknown>;
    const fields = ['format', 'codeHash', 'code', 'installation', 'deployerSignature'];
    for (const k of Object.keys(o)) if (!fields.includes(k)) bad(`$.${k}`, 'unknown field');
    for (const k of fields) if (!(k in o)) bad(`$.${k}`, 'missing');
    if (o.format !== DEPLOYMENT_FORMAT)
      bad('$.format', `expected ${JSON.stringify(DEPLOYMENT_FORMAT)}`);
    if (!isHash(o.codeHash)) bad('$.codeHash', 'expected sha256:<64 hex>');
    if (typeof o.deployerSignature !== 'string')
      bad('$.deployerSignature', 'expected 128 hex characters');
    try {
      canonicalString(o.code);
      canonicalString(o.installation);
    } catch (e) {
      bad('$', (e as Error).message);
    }
    return new DeploymentMessage(
      o.codeHash as string,
      o.code as CanonicalValue,
      o.installation as CanonicalValue,
      o.deployerSignature as string,
    );
  }
}

export type VerifiedDeployment =
  | { ok: true; code: ContractCode; codeHash: Hash; installation: Installation }
  | (Verdict & { ok: false });

/**
 * Everything that can be checked without node state except the previous version: size, code,
 * code hash (recomputed), deployer signature, installation (see verifyInstallation).
 * `previousOf` looks up the installation an upgrade replaces.
 */
export function verifyDeployment(
  msg: DeploymentMessage,
  opts: { maxCodeBytes?: number; previousOf?: (h: Hash) => Installation | null } = {},
): VerifiedDeployment {
  const max = opts.maxCodeBytes ?? DEFAULT_MAX_CODE_BYTES;
  // The code's canonical text, encoded once: its UTF-8 length is the size limit's measure, it is
  // compared with the re-encoding below, and CCL code hashes exactly it (codeHashOfText).
  const codeText = canonicalString(msg.code);
  const size = Buffer.byteLength(codeText, 'utf8');
  if (size > max)
    return reject('too_large', `canonical code is ${size} bytes, the limit is ${max}`);
  let code: ContractCode;
  try {
    code = codeFromJson(msg.code, '$.code');
  } catch (e) {
    if (e instanceof CclError || e instanceof IcnError)
      return reject('invalid_contract', e.message);
    throw e;
  }
  if (code.engine === 'wasm') {
    // Fail closed: a module the ICN-DC profile would refuse is refused at deployment, not at first call.
    const v = validateModule(code.module, WASM_CONTRACT_PROFILE);
    if (!v.ok)
      return reject(
        'invalid_contract',
        `the module is not admitted by the ${WASM_CONTRACT_PROFILE} profile: ${v.violations
          .slice(0, 3)
          .map((x) => `${x.code} at ${x.offset}`)
          .join(', ')}${v.violations.length > 3 ? ', …' : ''}`,
      );
  }
  // The canonical re-encoding must be what was sent: a relay cannot slip in a second spelling.
  if (canonicalString(codeToJson(code)) !== codeText)
    return reject('invalid_contract', 'the code is not in canonical form');
  const recomputed = codeHashOfText(code, codeText);
  if (recomputed !== msg.codeHash)
    return reject(
      'code_hash_mismatch',
      `the message says ${msg.codeHash}, the code hashes to ${recomputed}`,
    );
  const parsed = installationFromJson(msg.installation, '$.installation');
  if (!parsed.ok) return reject('malformed', parsed.detail);
  const inst = parsed.value;
  if (
    !verifySignature(
      Did.parse(inst.installedBy),
      DOMAIN.deploymentMessage,
      msg.body(),
      msg.deployerSignature,
    )
  ) {
    return reject(
      'bad_deployer_signature',
      `the deployer signature (by ${inst.installedBy}) does not verify over the message`,
    );
  }
  const previous = inst.previous === null ? null : (opts.previousOf?.(inst.previous) ?? null);
  const v = verifyInstallation(inst, code, previous);
  if (!v.ok) return v;
  return { ok: true, code, codeHash: recomputed, installation: inst };
}
