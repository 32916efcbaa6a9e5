/** Reading and writing manifests: schema-checked, hashes recomputed, written atomically. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UsageError, readJsonFile, writeFileAtomic } from '../io/files.js';
import { sealed } from './build.js';
import { verifyManifest } from './integrity.js';
import type { Manifest } from './types.js';
import schema from './manifest.schema.json' with { type: 'json' };

const ajv = new Ajv2020({ allErrors: false, strict: true });
const validate = ajv.compile(schema);

export interface LoadedManifest {
  path: string;
  manifest: Manifest;
}

/**
 * Read a manifest: strict JSON, strict schema (unknown fields rejected), then the integrity check
 * (integrity.ts): every entry hash, trace root, suite root, root, count and the seal recomputed;
 * any mismatch is bad input naming the field, stored vs computed.
 */
export function readManifest(path: string): LoadedManifest {
  // _volatile holds timings and benchmark ratios: the one place fractions are data
  return {
    path,
    manifest: parseManifest(
      readJsonFile(path, { fractionsAt: (p) => p.startsWith('$._volatile') }),
      path,
    ),
  };
}

/** A parsed JSON value checked as a manifest (schema, then integrity); `where` names it in errors. */
export function parseManifest(data: unknown, path: string): Manifest {
  if (!validate(data)) {
    const first = validate.errors?.[0];
    const where = first?.instancePath
      ? `$${first.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`
      : '$';
    const extra =
      first?.keyword === 'additionalProperties'
        ? ` (${JSON.stringify((first.params as { additionalProperty: string }).additionalProperty)})`
        : '';
    throw new UsageError(
      'MANIFEST_SCHEMA',
      `${path}: not an icn-manifest/v1: ${where} ${first?.message ?? 'invalid'}${extra}`,
      { path },
    );
  }
  const m = data as unknown as Manifest;
  verifyManifest(m, path);
  return m;
}

/** Pretty JSON (2-space) with a trailing newline, sealed; key order as built (entries sorted by id). */
export function manifestText(m: Manifest): string {
  return `${JSON.stringify(sealed(m), null, 2)}\n`;
}

export function writeManifest(path: string, m: Manifest): void {
  writeFileAtomic(path, manifestText(m));
}
