/**
 * The executor's per-process cache of prepared modules: validated and instrumented bytes, exports
 * and import plan, keyed by (module hash, profile hash, cost-table hash). A process that runs the
 * same module many times (the nasties' tier children, `exec` in a loop, a replay) decodes,
 * validates and instruments it once. A rejection is cached as well: it is as deterministic as an
 * acceptance. Entries hold copies, so a caller that reuses its buffer cannot change a cached module.
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
    return { moduleHash, prepared, exports: readExports(bytes), links: importPlan(decodeModule(bytes)) };
  } catch (e) {
    throw new WasmRejected(`module cannot be decoded: ${(e as Error).message}`, []);
  }
}

/** The module prepared for a profile, from the cache or built now. Throws WasmRejected. */
export function loadModule(module: Uint8Array, name: ProfileName): LoadedModule {
  const moduleHash = bytesHash(DOMAIN.wasmModule, module);
  const key = `${moduleHash}|${profileHash(name)}|${costHashOf(name)}`;
  let hit = cache.get(key);
  if (hit !== undefined) {
    hits++;
    cache.delete(key); // most recently used last
    cache.set(key, hit);
  } else {
    misses++;
    try {
      hit = build(module.slice(), name, moduleHash);
    } catch (e) {
      if (!(e instanceof WasmRejected)) throw e;
      hit = e;
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
