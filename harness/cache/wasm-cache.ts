/**
 * The CLI's on-disk cache for `check` and `exec` (docs/cli.md, "The module cache"): what a module
 * is under a profile (check's verdict, violations and import plan; exec's instrumented bytes,
 * exports and import plan, or its rejection) keyed by (module hash, profile hash, cost-table hash,
 * format version). The format version names this file's CACHE_FORMAT and a digest of the compiled
 * core/wasm code, so an entry written by another build is never read.
 *
 * Where: `--cache-dir`, else $ICN_CACHE_DIR, else $XDG_CACHE_HOME/icn-harness, else
 * ~/.cache/icn-harness. Off: `--no-cache` or ICN_CACHE=off. Bound: $ICN_CACHE_MAX_MB (default 256).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hash } from '../../core/hash/index.js';
import type { ExportInfo } from '../../core/wasm/exec/exports.js';
import type { ImportPlan } from '../../core/wasm/exec/imports.js';
import type {
  LoadedModule,
  PreparedKey,
  PreparedStore,
} from '../../core/wasm/exec/module-cache.js';
import { WasmRejected } from '../../core/wasm/exec/profile.js';
import type { Violation } from '../../core/wasm/validate/validate.js';
import { DiskCache, type CacheKey } from './disk-cache.js';

/** Bumped when an entry's payload changes shape. */
export const CACHE_FORMAT = 1;
export const DEFAULT_CACHE_MAX_MB = 256;

export interface CacheFlags {
  /** commander's `--no-cache`: false turns the cache off. */
  cache?: boolean;
  cacheDir?: string;
}

/** The cache this invocation uses, or undefined when it is turned off. */
export function openWasmCache(
  flags: CacheFlags,
  env: NodeJS.ProcessEnv = process.env,
): DiskCache | undefined {
  if (flags.cache === false || env.ICN_CACHE === 'off') return undefined;
  const base =
    flags.cacheDir ??
    env.ICN_CACHE_DIR ??
    join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'icn-harness');
  const mb = Number(env.ICN_CACHE_MAX_MB ?? DEFAULT_CACHE_MAX_MB);
  const maxBytes = (Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_CACHE_MAX_MB) * 1024 * 1024;
  return new DiskCache(join(base, `wasm-v${CACHE_FORMAT}`), maxBytes);
}

let fingerprint: string | undefined;

/** A digest of the code that decides what a module is under a profile (core/wasm, as loaded). */
export function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const root = fileURLToPath(new URL('../../core/wasm/', import.meta.url));
  const h = createHash('sha256');
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${rel}${name}/`);
      else if (/\.(js|ts)$/.test(name) && !/\.(test|d)\.ts$/.test(name))
        h.update(`${rel}${name}\n`).update(readFileSync(path)).update('\n');
    }
  };
  walk(root, '');
  fingerprint = h.digest('hex').slice(0, 32);
  return fingerprint;
}

/** The key of one (verb, module, profile, cost table) in this format and build. */
export function cacheKey(verb: 'check' | 'exec', k: PreparedKey): CacheKey {
  return {
    verb,
    moduleHash: k.moduleHash,
    profileHash: k.profileHash,
    costTableHash: k.costTableHash,
    format: `${CACHE_FORMAT}/${codeFingerprint()}`,
  };
}

/** What `check` prints, apart from the file name: a function of the module and the profile. */
export interface CheckVerdict {
  accepted: boolean;
  imports: ImportPlan | null;
  violations: Violation[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function readCheckVerdict(cache: DiskCache, key: PreparedKey): CheckVerdict | undefined {
  const p = cache.get(cacheKey('check', key));
  if (
    !isObject(p) ||
    typeof p.accepted !== 'boolean' ||
    !Array.isArray(p.violations) ||
    !(p.imports === null || isObject(p.imports))
  )
    return undefined;
  return p as unknown as CheckVerdict;
}

export function writeCheckVerdict(cache: DiskCache, key: PreparedKey, v: CheckVerdict): void {
  cache.put(cacheKey('check', key), v);
}

type StoredPrepared =
  | { rejected: { message: string; violations: Violation[] } }
  | {
      bytes: string;
      profileHash: Hash;
      instrumented: boolean;
      exports: ExportInfo[];
      links: ImportPlan;
    };

function decodePrepared(p: unknown, key: PreparedKey): LoadedModule | WasmRejected | undefined {
  if (!isObject(p)) return undefined;
  if (isObject(p.rejected)) {
    const r = p.rejected;
    return typeof r.message === 'string' && Array.isArray(r.violations)
      ? new WasmRejected(r.message, r.violations as Violation[])
      : undefined;
  }
  if (
    typeof p.bytes !== 'string' ||
    p.profileHash !== key.profileHash ||
    typeof p.instrumented !== 'boolean' ||
    !Array.isArray(p.exports) ||
    !isObject(p.links)
  )
    return undefined;
  const bytes = new Uint8Array(Buffer.from(p.bytes, 'base64'));
  return {
    moduleHash: key.moduleHash,
    prepared: { bytes, profileHash: key.profileHash, instrumented: p.instrumented },
    exports: p.exports as ExportInfo[],
    links: p.links as unknown as ImportPlan,
  };
}

function encodePrepared(v: LoadedModule | WasmRejected): StoredPrepared {
  if (v instanceof WasmRejected)
    return { rejected: { message: v.message, violations: v.violations } };
  const { prepared: pr } = v;
  return {
    bytes: Buffer.from(pr.bytes).toString('base64'),
    profileHash: pr.profileHash,
    instrumented: pr.instrumented,
    exports: v.exports,
    links: v.links,
  };
}

/** The executor's second-level store (core/wasm/exec/module-cache.ts) on this disk cache. */
export function preparedStore(cache: DiskCache): PreparedStore {
  return {
    get: (key) => decodePrepared(cache.get(cacheKey('exec', key)), key),
    put: (key, value) => cache.put(cacheKey('exec', key), encodePrepared(value)),
  };
}
