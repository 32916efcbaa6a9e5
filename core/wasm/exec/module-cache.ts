/**
 * The executor's per-process cache of prepared modules: validated and instrumented bytes, exports
 * and import plan, keyed by (module hash, profile hash, cost-table hash). A process that runs the
 * same module many times (the nasties' tier children, `exec` in a loop, a replay) decodes,
 * validates and instruments it once. A rejection is cached as well: it is as deterministic as an
 * acceptance. Entries hold copies, so a caller that reuses its buffer cannot change a cached module.
 * A process may add a second level (`setPreparedStore`: the CLI's on-disk cache for `exec`).
 */
import { bytesHash, DOMAIN, type Hash } from '../../hash/index.js';
import { costTableHash } from '../cost-table.js';
import { getProfile, profileHash } from '../profiles.js';
import { decodeModule } from '../binary/decode.js';
import { readExports, type ExportInfo } from './exports.js';
import { importPlan, type ImportPlan } from './imports.js';
import { prepare, WasmRejected, type Prepared, type ProfileName } from './profile.js';

export interface LoadedModule {
  moduleHash: Hash;
  prepared: Prepared;
  exports: ExportInfo[];
  links: ImportPlan;
}

/** Modules kept per process (oldest dropped first): the nasties corpus has ~40, a spec script fewer. */
export const MODULE_CACHE_SIZE = 128;

/** Where a prepared module is looked up by its key parts (the CLI's on-disk cache). */
export interface PreparedKey {
  moduleHash: Hash;
  profileHash: Hash;
  costTableHash: string;
}

/**
 * A second level below the per-process cache: consulted on a miss, given every module built. It
 * must verify what it returns against the key (a store is never trusted blindly).
 */
export interface PreparedStore {
  get(key: PreparedKey): LoadedModule | WasmRejected | undefined;
  put(key: PreparedKey, value: LoadedModule | WasmRejected): void;
}

let store: PreparedStore | undefined;

/** Install (or remove, with undefined) the second-level store for this process. */
export function setPreparedStore(s: PreparedStore | undefined): void {
  store = s;
}

const cache = new Map<string, LoadedModule | WasmRejected>();
const costHashes = new Map<ProfileName, string>();
let hits = 0;
let misses = 0;

function costHashOf(name: ProfileName): string {
  let h = costHashes.get(name);
  if (h === undefined) {
    const t = getProfile(name).costTable;
    h = t ? costTableHash(t) : 'none';
    costHashes.set(name, h);
  }
  return h;
}

function build(bytes: Uint8Array, name: ProfileName, moduleHash: Hash): LoadedModule {
  const prepared = prepare(bytes, name); // dc, dc-float: throws WasmRejected with every violation
  try {
    return {
      moduleHash,
      prepared,
      exports: readExports(bytes),
      links: importPlan(decodeModule(bytes)),
    };
  } catch (e) {
    throw new WasmRejected(`module cannot be decoded: ${(e as Error).message}`, []);
  }
}

function buildOrReject(
  bytes: Uint8Array,
  name: ProfileName,
  moduleHash: Hash,
): LoadedModule | WasmRejected {
  try {
    return build(bytes, name, moduleHash);
  } catch (e) {
    if (!(e instanceof WasmRejected)) throw e;
    return e;
  }
}

/** The key of a module under a profile (the CLI's on-disk cache keys `check` by it too). */
export function preparedKey(module: Uint8Array, name: ProfileName): PreparedKey {
  return {
    moduleHash: bytesHash(DOMAIN.wasmModule, module),
    profileHash: profileHash(name),
    costTableHash: costHashOf(name),
  };
}

/** The module prepared for a profile, from the cache or built now. Throws WasmRejected. */
export function loadModule(module: Uint8Array, name: ProfileName): LoadedModule {
  const parts = preparedKey(module, name);
  const key = `${parts.moduleHash}|${parts.profileHash}|${parts.costTableHash}`;
  let hit = cache.get(key);
  if (hit !== undefined) {
    hits++;
    cache.delete(key); // most recently used last
    cache.set(key, hit);
  } else {
    misses++;
    hit = store?.get(parts);
    if (hit === undefined) {
      hit = buildOrReject(module.slice(), name, parts.moduleHash);
      store?.put(parts, hit);
    }
    cache.set(key, hit);
    if (cache.size > MODULE_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  if (hit instanceof WasmRejected) throw hit;
  return hit;
}

/** Hits and misses since the process started (tests, benchmarks). */
export function moduleCacheStats(): { hits: number; misses: number; size: number } {
  return { hits, misses, size: cache.size };
}

export function clearModuleCache(): void {
  cache.clear();
}
