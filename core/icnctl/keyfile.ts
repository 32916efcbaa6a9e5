/**
 * Identity files: `{format: "icn-key/v1", did, seed}`, the 32-byte Ed25519 seed as hex and the
 * DID it gives (a check against damage and edits). Written 0600, atomically, never replacing a
 * file unless asked. Loading refuses anything else with one line: not JSON, another format, a
 * seed that does not give the DID, a file others can read.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { dec, enc } from '../canonical/index.js';
import { Keypair } from '../identity/index.js';
import { CtlError } from './errors.js';
import { readJson, writeAtomic } from './files.js';

export const KEY_FORMAT = 'icn-key/v1';
/** `--key` default when neither the flag nor $ICN_KEY is given. */
export const DEFAULT_KEY_FILE = 'icn-key.json';

export function keyPath(flag: string | undefined): string {
  return flag ?? process.env.ICN_KEY ?? DEFAULT_KEY_FILE;
}

export function newKey(path: string, force: boolean): Keypair {
  const seed = new Uint8Array(randomBytes(32));
  const kp = Keypair.fromSeed(seed);
  writeAtomic(
    path,
    `${JSON.stringify({ format: KEY_FORMAT, did: kp.did.toString(), seed: enc.bytes(seed) }, null, 2)}\n`,
    { mode: 0o600, replace: force, what: 'key file' },
  );
  return kp;
}

export function loadKey(path: string): Keypair {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CtlError(
      'CTL_KEY',
      `key file ${path}: ${code === 'ENOENT' ? 'no such file (create one with `icnctl key new --out FILE`, or pass --key / $ICN_KEY)' : (e as Error).message}`,
    );
  }
  if ((mode & 0o170000) === 0o040000)
    throw new CtlError(
      'CTL_KEY',
      `key file ${path}: is a directory, not a key file (pass the file, e.g. ${path.replace(/\/+$/, '')}/${DEFAULT_KEY_FILE})`,
    );
  if ((mode & 0o077) !== 0)
    throw new CtlError(
      'CTL_KEY',
      `key file ${path}: permissions ${(mode & 0o777).toString(8)} let others read the key; chmod 600 it`,
    );
  const bad = (why: string): never => {
    throw new CtlError('CTL_KEY', `key file ${path}: ${why}`);
  };
  let doc: unknown;
  try {
    doc = readJson(path, 'key file');
  } catch {
    return bad(
      `not an icnctl key file (not JSON; expected {"format": "${KEY_FORMAT}", "did", "seed"})`,
    );
  }
  const o = doc as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || o.format !== KEY_FORMAT)
    return bad(`not an icnctl key file (expected "format": "${KEY_FORMAT}")`);
  const extra = Object.keys(o).filter((k) => !['format', 'did', 'seed'].includes(k));
  if (extra.length > 0) bad(`unknown field ${JSON.stringify(extra[0])}`);
  if (typeof o.seed !== 'string' || !/^[0-9a-f]{64}$/.test(o.seed))
    bad('"seed" must be 64 lowercase hex characters');
  const kp = Keypair.fromSeed(dec.bytes(o.seed as string));
  if (kp.did.toString() !== o.did)
    bad(
      `the seed gives ${kp.did.toString()}, not the DID the file names (${String(o.did).slice(0, 80)}): damaged or edited`,
    );
  return kp;
}
