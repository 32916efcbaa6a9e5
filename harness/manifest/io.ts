/** Reading and writing manifests: schema-checked, hashes recomputed, written atomically. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UsageError, readJsonFile, writeFileAtomic } from '../io/files.js';
import { entryHash, computeRoot } from './build.js';
import type { Manifest } from './types.js';
import schema from './manifest.schema.json' with { type: 'json' };

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

export interface LoadedManifest {
  path: string;
  manifest: Manifest;
  /** Entries whose stored hash does not match their content (edited by hand, or corrupted). */
  staleHashes: string[];
}

/**
 * Read a manifest: strict JSON, schema-valid, then every entry hash and root recomputed from the
 * content. Comparisons use the recomputed hashes; stale stored ones are reported, not trusted.
 */
export function readManifest(path: string): LoadedManifest {
  const data = readJsonFile(path);
  if (!validate(data)) {
    const first = validate.errors?.[0];
    const where = first?.instancePath ? `$${first.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}` : '$';
    throw new UsageError('MANIFEST_SCHEMA', `${path}: not an icn-manifest/v1: ${where} ${first?.message ?? 'invalid'}`, { path });
  }
  const m = data as unknown as Manifest;
  const staleHashes: string[] = [];
  const seen = new Set<string>();
  for (const e of m.entries) {
    if (seen.has(e.id)) throw new UsageError('MANIFEST_DUPLICATE', `${path}: duplicate entry id ${e.id}`, { path });
    seen.add(e.id);
    const h = entryHash(e);
    if (h !== e.hash) {
      staleHashes.push(e.id);
      e.hash = h;
    }
  }
  m.root = computeRoot(m.entries, m.corpus);
  return { path, manifest: m, staleHashes };
}

/** Pretty JSON (2-space) with a trailing newline; key order as built (entries sorted by id). */
export function manifestText(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

export function writeManifest(path: string, m: Manifest): void {
  writeFileAtomic(path, manifestText(m));
}
