/**
 * Nasty specs (`nasties/<name>/<name>.json`, format `icn-nasty/v1`): which exports of which module
 * to call with which arguments, and what each profile must show.
 *
 *   raw      advisory: outputs are recorded; `divergences` lists what is known to differ between
 *            platforms (arches, V8 tiers, Node versions). `npm run xarch` checks that every listed
 *            divergence still appears: a nasty that stops detecting its divergence fails the run.
 *   dc       LC: `rejected` with a named violation code, or an output hash pinned in the spec.
 *   dc-float LC: an output hash pinned in the spec.
 *
 * Arguments are bit strings (`i32:0x…`, `i64:…`, `v128:0x…`, core/wasm/exec/values.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readJsonFile, UsageError } from '../../io/files.js';

export const NASTY_FORMAT = 'icn-nasty/v1';
export const PROFILES = ['raw', 'dc', 'dc-float'] as const;
export type Profile = (typeof PROFILES)[number];
export const TIERS = ['default', 'liftoff', 'turbofan'] as const;
export type Tier = (typeof TIERS)[number];
export const ARCHES = ['x64', 'arm64'] as const;

/** One platform axis along which a raw output is known to differ. */
export interface Divergence {
  /** What differs: between arches (same Node, same tier), tiers (same platform) or Node majors (same arch, same tier). */
  between: 'arch' | 'tier' | 'node';
  /** For `tier` and `node`: the arches where it shows (default both). */
  arches?: string[];
  /** For `arch` and `node`: the tiers compared (default all three). For `tier`: the tiers that must disagree (default all). */
  tiers?: Tier[];
  /** For `arch` and `tier`: the Node majors where it shows, e.g. ["22"] (default every version run). */
  nodes?: string[];
  /** The output key compared (default `returns`). */
  output?: string;
  /** Optional exact values per side: arch name (`between: arch`), tier name, or Node major. */
  values?: Record<string, string>;
  /** What it is, in words (reports, docs). */
  how: string;
}

export interface RawExpect {
  divergences?: Divergence[];
  /** Why no divergence is listed (a raw case with neither is a spec error). */
  none?: string;
}

export type DcExpect =
  | { rejected: string }
  | { outputHash: string | null; returns?: string[]; trap?: string; fuelUsed?: string };

export interface NastyCase {
  name: string;
  /** Module file in the nasty's folder (default: the nasty's `module`). */
  module?: string;
  invoke: string;
  args: string[];
  /** Which probe runs raw: `exec` (the executor) or `stack_depth` (native depth at RangeError). */
  probe?: 'exec' | 'stack_depth';
  /** dc/dc-float fuel limit (decimal; default the executor's). `exact` = find the used fuel, then
   * check that exactly that much completes and one unit less traps with out_of_fuel. */
  fuel?: string;
  /** icn.timestamp (task created_at), decimal i64 (default 0). */
  createdAt?: string;
  /** Profiles this case runs under (default all three). */
  profiles?: Profile[];
  /** Tiers this case runs under (default all three). */
  tiers?: Tier[];
  raw?: RawExpect;
  dc?: DcExpect;
  'dc-float'?: DcExpect;
  /** Free text for docs/nasties.md. */
  note?: string;
}

export interface NastySpec {
  format: typeof NASTY_FORMAT;
  name: string;
  /** What source of nondeterminism it targets. */
  targets: string;
  module: string;
  /** Defaults for every case, overridden per case. */
  defaults?: Partial<Pick<NastyCase, 'raw' | 'dc' | 'dc-float' | 'profiles' | 'tiers'>>;
  cases: NastyCase[];
}

export interface LoadedNasty {
  spec: NastySpec;
  /** Folder, relative to the repo (`nasties/nan_payload`). */
  dir: string;
  /** Spec file, relative to the repo. */
  file: string;
}

const NAME = /^[a-z0-9][a-z0-9_]*$/;
const CASE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function bad(file: string, path: string, why: string): UsageError {
  return new UsageError('NASTY_SPEC', `${file}: ${path}: ${why}`);
}

/** The effective expectation of a case for a profile (case overrides the nasty's defaults). */
export function caseExpect(spec: NastySpec, c: NastyCase, profile: Profile): RawExpect | DcExpect | undefined {
  return (c[profile] ?? spec.defaults?.[profile]) as RawExpect | DcExpect | undefined;
}

export function caseProfiles(spec: NastySpec, c: NastyCase): Profile[] {
  return c.profiles ?? spec.defaults?.profiles ?? [...PROFILES];
}

export function caseTiers(spec: NastySpec, c: NastyCase): Tier[] {
  return c.tiers ?? spec.defaults?.tiers ?? [...TIERS];
}

export function caseModule(spec: NastySpec, c: NastyCase): string {
  return c.module ?? spec.module;
}

function checkDivergence(file: string, p: string, d: Divergence): void {
  if (!['arch', 'tier', 'node'].includes(d.between)) throw bad(file, `${p}.between`, 'must be arch, tier or node');
  if (typeof d.how !== 'string' || d.how.length === 0) throw bad(file, `${p}.how`, 'say what differs and how');
  for (const t of d.tiers ?? []) if (!(TIERS as readonly string[]).includes(t)) throw bad(file, `${p}.tiers`, `unknown tier ${t}`);
  for (const a of d.arches ?? []) if (!(ARCHES as readonly string[]).includes(a)) throw bad(file, `${p}.arches`, `unknown arch ${a}`);
  for (const n of d.nodes ?? []) if (!/^[0-9]+$/.test(n)) throw bad(file, `${p}.nodes`, `${n} is not a Node major version`);
}

/** Validate a parsed spec; throws UsageError naming the file and JSON path. */
export function checkSpec(data: unknown, file: string): NastySpec {
  const s = data as Partial<NastySpec>;
  if (s === null || typeof s !== 'object' || s.format !== NASTY_FORMAT) throw bad(file, '$.format', `expected "${NASTY_FORMAT}"`);
  if (typeof s.name !== 'string' || !NAME.test(s.name)) throw bad(file, '$.name', 'must be [a-z0-9_]+');
  if (typeof s.targets !== 'string' || !s.targets) throw bad(file, '$.targets', 'say what it targets');
  if (typeof s.module !== 'string' || !s.module) throw bad(file, '$.module', 'name the module file');
  if (!Array.isArray(s.cases) || s.cases.length === 0) throw bad(file, '$.cases', 'needs at least one case');
  const names = new Set<string>();
  s.cases.forEach((c, i) => {
    const p = `$.cases[${i}]`;
    if (typeof c?.name !== 'string' || !CASE_NAME.test(c.name)) throw bad(file, `${p}.name`, 'must be [A-Za-z0-9_.-]+');
    if (names.has(c.name)) throw bad(file, `${p}.name`, `duplicate case ${c.name}`);
    names.add(c.name);
    if (typeof c.invoke !== 'string') throw bad(file, `${p}.invoke`, 'name the export to call');
    if (!Array.isArray(c.args) || c.args.some((a) => typeof a !== 'string')) throw bad(file, `${p}.args`, 'must be bit strings like "i32:0x7fc00000"');
    const profiles = caseProfiles(s as NastySpec, c);
    for (const pr of profiles) if (!(PROFILES as readonly string[]).includes(pr)) throw bad(file, `${p}.profiles`, `unknown profile ${pr}`);
    for (const t of caseTiers(s as NastySpec, c)) if (!(TIERS as readonly string[]).includes(t)) throw bad(file, `${p}.tiers`, `unknown tier ${t}`);
    if (profiles.includes('raw')) {
      const raw = caseExpect(s as NastySpec, c, 'raw') as RawExpect | undefined;
      if (!raw || (!raw.divergences?.length && !raw.none)) throw bad(file, `${p}.raw`, 'list the known divergences, or say why there are none ("none")');
      raw.divergences?.forEach((d, j) => checkDivergence(file, `${p}.raw.divergences[${j}]`, d));
    }
    for (const pr of ['dc', 'dc-float'] as const) {
      if (!profiles.includes(pr)) continue;
      const e = caseExpect(s as NastySpec, c, pr) as DcExpect | undefined;
      if (!e || (!('rejected' in e) && !('outputHash' in e))) throw bad(file, `${p}.${pr}`, 'needs {"rejected": "<violation>"} or {"outputHash": "<hash>" | null}');
    }
    if (c.fuel !== undefined && c.fuel !== 'exact' && !/^[0-9]+$/.test(c.fuel)) throw bad(file, `${p}.fuel`, 'decimal or "exact"');
    if (c.createdAt !== undefined && !/^-?[0-9]+$/.test(c.createdAt)) throw bad(file, `${p}.createdAt`, 'decimal i64');
  });
  return s as NastySpec;
}

/** Every nasty under `<repo>/nasties/*\/*.json`, sorted by name. */
export function loadNasties(repoRoot: string): LoadedNasty[] {
  const root = join(repoRoot, 'nasties');
  const out: LoadedNasty[] = [];
  let dirs: string[];
  try {
    dirs = readdirSync(root).sort();
  } catch {
    return [];
  }
  for (const d of dirs) {
    const dir = join(root, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.json')) continue;
      const path = join(dir, f);
      const rel = relative(repoRoot, path).split(sep).join('/');
      const spec = checkSpec(readJsonFile(path), rel);
      if (out.some((n) => n.spec.name === spec.name)) throw bad(rel, '$.name', `duplicate nasty ${spec.name}`);
      out.push({ spec, dir: relative(repoRoot, dir).split(sep).join('/'), file: rel });
    }
  }
  return out.sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0));
}

/** The manifest id of one nasty case run: `nasties/<nasty>::<case>/<profile>/<tier>`. */
export function entryId(nasty: string, c: string, profile: Profile, tier: Tier): string {
  return `nasties/${nasty}::${c}/${profile}/${tier}`;
}

export function parseEntryId(id: string): { nasty: string; case: string; profile: Profile; tier: Tier } | undefined {
  const m = /^nasties\/([a-z0-9_]+)::(.+)\/(raw|dc|dc-float)\/(default|liftoff|turbofan)$/.exec(id);
  if (!m) return undefined;
  return { nasty: m[1]!, case: m[2]!, profile: m[3] as Profile, tier: m[4] as Tier };
}
