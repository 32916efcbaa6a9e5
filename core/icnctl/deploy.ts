/**
 * Deployment through a node: prepare (the node returns the installation body it would sign as
 * deployer), collect the co-participants' signatures over that body (--co-sign with their key
 * files here, or --signature files they made with `icnctl contract sign-installation`), then
 * deploy. The body is re-hashed here (core's installationHash), so nobody signs what a node claims
 * without checking it. Without every co-signature nothing is deployed: --prepare-out writes the
 * request for the co-participants.
 */
import type { CanonicalValue } from '../canonical/index.js';
import { parseCapabilities } from '../ccl/index.js';
import {
  codeFromJson,
  codeHash,
  codeToJson,
  installationFromJson,
  installationHash,
  signInstallation,
  stripSignatures,
  type InstallationBody,
  type InstallationSignature,
} from '../contracts/index.js';
import { IcnError } from '../errors.js';
import { isHash } from '../hash/index.js';
import { Did, type Keypair } from '../identity/index.js';
import type { NodeClient } from './client.js';
import { CtlError } from './errors.js';
import { readJson, writeAtomic } from './files.js';

export const REQUEST_FORMAT = 'icn-installation-request/v1';
export const SIGNATURE_FORMAT = 'icn-installation-signature/v1';

export interface DeployFlags {
  capabilities?: string;
  minCallerTrust?: string;
  installedAt?: string;
  previous?: string;
  signature: string[];
  prepareOut?: string;
  /** --participant: DIDs, or `self` for the node's DID (from /status), replacing the file's. */
  participant?: string[];
}

/** --participant values as DIDs: `self` is the deploying node (asked only when used). */
async function participantsArg(node: NodeClient, list: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of list) {
    let did: string;
    if (p === 'self') did = (await node.get<{ did: string }>('/status', { did: 'string' })).did;
    else {
      try {
        did = Did.parse(p).toString();
      } catch (e) {
        throw new CtlError(
          'CTL_ARGS',
          `--participant ${JSON.stringify(p.slice(0, 80))}: not a DID or "self" (${(e as Error).message})`,
        );
      }
    }
    if (!out.includes(did)) out.push(did);
  }
  return out;
}

/**
 * A contract file: a CCL contract (`{name, participants, rules, …}`) or code JSON (`{engine, …}`).
 * `participants`, when given, replaces the file's before anything is hashed: the participants are
 * part of the code, and the deploying node must be one of them (it signs the installation).
 */
export function readCode(file: string, participants?: readonly string[]) {
  const doc = readJson(file, 'contract file') as Record<string, unknown>;
  let json =
    doc && typeof doc === 'object' && 'engine' in doc ? doc : { engine: 'ccl', contract: doc };
  if (participants && participants.length > 0) {
    const ccl = json.engine === 'ccl' && json.contract && typeof json.contract === 'object';
    json = ccl
      ? { ...json, contract: { ...(json.contract as object), participants } }
      : { ...json, participants };
  }
  try {
    return codeFromJson(json, file);
  } catch (e) {
    if (e instanceof IcnError)
      throw new CtlError('CTL_CONTRACT', `contract file ${file}: ${e.message}`);
    throw e;
  }
}

function capabilitiesArg(text: string | undefined): CanonicalValue {
  if (text === undefined) return [];
  const src = text.startsWith('@')
    ? JSON.stringify(readJson(text.slice(1), 'capabilities file'))
    : text;
  let x: unknown;
  try {
    x = JSON.parse(src);
  } catch (e) {
    throw new CtlError(
      'CTL_ARGS',
      `--capabilities: not JSON (${(e as Error).message}); expected e.g. '[{"ReadState": {"keys": ["count"]}}]' or @FILE`,
    );
  }
  try {
    parseCapabilities(x, '--capabilities');
  } catch (e) {
    if (e instanceof IcnError) throw new CtlError('CTL_ARGS', e.message);
    throw e;
  }
  return x as CanonicalValue;
}

/** The body JSON (from a request file, a bare body or the node's prepare answer) as core's InstallationBody. */
export function parseBody(x: unknown, where: string): InstallationBody {
  const r = installationFromJson({ ...(x as Record<string, unknown>), signatures: [] }, where);
  if (!r.ok)
    throw new CtlError('CTL_INSTALLATION', `${where}: not an installation body: ${r.detail}`);
  return stripSignatures(r.value);
}

/** `icnctl contract sign-installation`: a co-participant's signature over a body, checked by its hash. */
export function signBody(file: string, key: Keypair): Record<string, string> {
  const doc = readJson(file, 'installation request') as Record<string, unknown>;
  const body = parseBody(doc?.format === REQUEST_FORMAT ? doc.body : doc, file);
  if (!body.participants.includes(key.did.toString()))
    throw new CtlError(
      'CTL_NOT_PARTICIPANT',
      `${key.did.toString()} is not a participant of ${body.name} (${body.participants.join(', ')}): its signature is not needed`,
    );
  const s = signInstallation(body, key);
  return {
    format: SIGNATURE_FORMAT,
    installationHash: installationHash(body),
    signer: s.signer,
    signature: s.signature,
  };
}

function readSignature(file: string, hash: string): InstallationSignature {
  const s = readJson(file, 'signature file') as Record<string, unknown>;
  if (
    s?.format !== SIGNATURE_FORMAT ||
    typeof s.signer !== 'string' ||
    typeof s.signature !== 'string'
  )
    throw new CtlError(
      'CTL_SIGNATURE',
      `signature file ${file}: expected the output of \`icnctl contract sign-installation\` ("format": "${SIGNATURE_FORMAT}")`,
    );
  if (s.installationHash !== hash)
    throw new CtlError(
      'CTL_SIGNATURE',
      `signature file ${file} signs installation ${String(s.installationHash)}, this deployment's is ${hash} (same --installed-at and flags as the prepared request?)`,
    );
  return { signer: s.signer, signature: s.signature };
}

export type DeployOutcome =
  | {
      deployed: true;
      codeHash: string;
      duplicate: boolean;
      entry: string | null;
      installationHash: string;
    }
  | {
      deployed: false;
      missing: string[];
      installationHash: string;
      installedAt: string;
      requestFile: string | null;
    };

export async function deploy(
  node: NodeClient,
  file: string,
  f: DeployFlags,
  coSigners: readonly Keypair[],
  nowMs: number,
): Promise<DeployOutcome> {
  const code = readCode(
    file,
    f.participant?.length ? await participantsArg(node, f.participant) : undefined,
  );
  let minCallerTrustPpm: number | null = null;
  if (f.minCallerTrust !== undefined) {
    if (!/^(0|[1-9][0-9]{0,6})$/.test(f.minCallerTrust) || Number(f.minCallerTrust) > 1_000_000)
      throw new CtlError(
        'CTL_ARGS',
        `--min-caller-trust ${JSON.stringify(f.minCallerTrust)}: an integer from 0 to 1000000 (ppm)`,
      );
    minCallerTrustPpm = Number(f.minCallerTrust);
  }
  const installedAt = f.installedAt ?? String(nowMs);
  if (!/^(0|[1-9][0-9]{0,19})$/.test(installedAt))
    throw new CtlError(
      'CTL_ARGS',
      `--installed-at ${JSON.stringify(installedAt)}: milliseconds, a decimal integer`,
    );
  if (f.previous !== undefined && !isHash(f.previous))
    throw new CtlError(
      'CTL_ARGS',
      `--previous ${JSON.stringify(f.previous)}: the code hash of the version replaced (sha256:…)`,
    );
  const request = {
    code: codeToJson(code),
    capabilities: capabilitiesArg(f.capabilities),
    minCallerTrustPpm,
    installedAt,
    previous: f.previous ?? null,
  };
  const prep = await node.post<{ body: unknown; hash: string }>('/contracts/prepare', request, {
    body: 'object',
    hash: 'string',
  });
  const body = parseBody(prep.body, `${node.base}/contracts/prepare`);
  const hash = installationHash(body);
  if (hash !== prep.hash || body.codeHash !== codeHash(code))
    throw new CtlError(
      'CTL_INSTALLATION',
      `${node.base} prepared an installation that is not this contract's (hash ${prep.hash}, recomputed ${hash})`,
    );
  const sigs = new Map<string, InstallationSignature>();
  for (const k of coSigners) sigs.set(k.did.toString(), signInstallation(body, k));
  for (const s of f.signature) {
    const sig = readSignature(s, hash);
    sigs.set(sig.signer, sig);
  }
  const missing = body.participants.filter((p) => p !== body.installedBy && !sigs.has(p));
  if (missing.length > 0) {
    if (!f.prepareOut)
      throw new CtlError(
        'CTL_COSIGNATURES',
        `${body.name} needs the signature of ${missing.join(', ')} (participants other than the deploying node ${body.installedBy}): rerun with --prepare-out FILE and have each run \`icnctl contract sign-installation FILE --key KEY --out SIG\`, or pass --co-sign KEY`,
      );
    writeAtomic(
      f.prepareOut,
      `${JSON.stringify({ format: REQUEST_FORMAT, node: node.base, installationHash: hash, body: prep.body, request, missing }, null, 2)}\n`,
      { replace: true, what: 'installation request' },
    );
    return {
      deployed: false,
      missing,
      installationHash: hash,
      installedAt,
      requestFile: f.prepareOut,
    };
  }
  const signatures = [...sigs.values()].filter(
    (s) => body.participants.includes(s.signer) && s.signer !== body.installedBy,
  );
  const r = await node.post<{ codeHash: string; duplicate: boolean; entry: string | null }>(
    '/contracts',
    { ...request, signatures },
    { codeHash: 'string' },
  );
  return {
    deployed: true,
    codeHash: r.codeHash,
    duplicate: r.duplicate,
    entry: r.entry,
    installationHash: hash,
  };
}
