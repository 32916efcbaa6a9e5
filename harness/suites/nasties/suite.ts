/**
 * The `nasties` suite: every nasty × case × profile × tier, each tier in its own child Node
 * (tier-runner.ts), plus the iteration-order nasties of the core (iteration-order.ts).
 *
 * Entries: `nasties/<nasty>::<case>/<profile>/<tier>`. `raw` entries are advisory: their outputs
 * are recorded and compared across platforms by `npm run xarch` (divergences.ts checks that each
 * divergence a spec lists still shows). `dc` and `dc-float` entries are LC: they pass only when the
 * run matches the spec (rejected with the named violation, or the pinned output hash), and they must
 * be identical on every platform and tier.
 *
 * Runner `--tiers` is orthogonal: it re-runs this parent under another tier, while the nasty
 * children are always pinned to the tier in their entry id.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IcnError } from '../../../core/errors.js';
import { bytesHash, contentHash, DOMAIN, type Hash } from '../../../core/hash/index.js';
import { watToWasm } from '../../../core/wasm/wat.js';
import type { CaseOutcome, CaseSpec, Suite, SuiteContext } from '../types.js';
import type { ChildJob } from './jobs.js';
import type { ProbeResult } from './probe.js';
import { caseExpect, caseModule, caseProfiles, caseTiers, entryId, loadNasties, parseEntryId, TIERS, type DcExpect, type LoadedNasty, type NastyCase, type Profile, type Tier } from './spec.js';
import { runTierChild } from './tier-runner.js';
import { ITERATION_ORDER_COMPONENTS, runIterationOrder, ITERATION_ORDER_ID_PREFIX } from './iteration-order.js';

/** The pool batch of every tier-child case (harness/runner/pool.ts). */
export const NASTIES_TIER_BATCH = 'nasties:tier-children';

interface Located {
  nasty: LoadedNasty;
  c: NastyCase;
  profile: Profile;
  tier: Tier;
}

/** Compare a dc / dc-float run with its spec expectation. */
export function judgeDc(expect: DcExpect | undefined, r: ProbeResult): { ok: boolean; reason?: string } {
  if (!expect) return { ok: false, reason: 'the spec has no expectation for this profile' };
  if ('rejected' in expect) {
    if (r.outcome !== 'rejected') return { ok: false, reason: `expected rejection (${expect.rejected}), got ${r.outcome}` };
    const codes = (r.outputs.violations ?? '').split(' ');
    return codes.includes(expect.rejected) ? { ok: true } : { ok: false, reason: `expected violation ${expect.rejected}, got ${r.outputs.violations}` };
  }
  if (r.outcome === 'rejected') return { ok: false, reason: `rejected (${r.outputs.violations}) but the spec pins an output` };
  for (const k of ['trap', 'fuelUsed'] as const) {
    if (expect[k] !== undefined && r.outputs[k] !== expect[k]) return { ok: false, reason: `${k}: expected ${expect[k]}, got ${r.outputs[k] ?? '(none)'}` };
  }
  if (expect.returns !== undefined && r.outputs.returns !== expect.returns.join(' ')) return { ok: false, reason: `returns: expected ${expect.returns.join(' ')}, got ${r.outputs.returns}` };
  if (expect.outputHash === null) return { ok: false, reason: `no pinned outputHash in the spec yet (observed ${r.outputs.outputHash})` };
  if (r.outputs.outputHash !== expect.outputHash) return { ok: false, reason: `outputHash: pinned ${expect.outputHash}, got ${r.outputs.outputHash}` };
  return { ok: true };
}

/** Every tier-child case (one pool batch), then the iteration-order cases of the core. */
function listNasties(index: Map<string, Located>): CaseSpec[] {
  const wasm = [...index.entries()].map(([id, l]) => ({
    id,
    suite: 'nasties',
    class: l.profile === 'raw' ? ('advisory' as const) : ('lc' as const),
    tags: ['nasties', l.nasty.spec.name, l.profile, l.tier],
    // one worker runs them all: the tier children start once per run, not once per worker
    batch: NASTIES_TIER_BATCH,
  }));
  const core = ITERATION_ORDER_COMPONENTS.map((name) => ({ id: `${ITERATION_ORDER_ID_PREFIX}${name}`, suite: 'nasties', class: 'lc' as const, tags: ['nasties', 'iteration_order'] }));
  return [...wasm, ...core];
}

/** The entry's inputs hash: what the case runs, never how or where. */
function caseInputs(l: Located, bytes: Uint8Array): Hash {
  return contentHash(DOMAIN.manifestInputs, {
    nasty: l.nasty.spec.name,
    case: l.c.name,
    module: bytesHash(DOMAIN.wasmModule, bytes),
    invoke: l.c.invoke,
    args: l.c.args,
    profile: l.profile,
    probe: l.profile === 'raw' ? (l.c.probe ?? 'exec') : 'exec',
    fuel: l.c.fuel ?? null,
    createdAt: l.c.createdAt ?? '0',
  });
}

/** raw: recorded as advisory; dc, dc-float: judged against the spec's expectation. */
function outcomeOf(id: string, l: Located, inputs: Hash, r: ProbeResult): CaseOutcome {
  const out: CaseOutcome = { inputs, outputs: r.outputs, status: 'pass', reproduce: `icn-harness run --filter '${id}'` };
  if (l.profile === 'raw') return out; // advisory: recorded; divergences are checked across platforms
  const verdict = judgeDc(caseExpect(l.nasty.spec, l.c, l.profile) as DcExpect | undefined, r);
  if (!verdict.ok) {
    out.status = 'fail';
    out.reason = verdict.reason ?? 'expectation not met';
  }
  return out;
}

export function createNastiesSuite(): Suite {
  let index: Map<string, Located> | undefined;
  const modules = new Map<string, Promise<Uint8Array>>();
  const tierRuns = new Map<Tier, Promise<Map<string, ProbeResult>>>();

  const load = (ctx: SuiteContext): Map<string, Located> => {
    if (index) return index;
    index = new Map();
    for (const nasty of loadNasties(ctx.repoRoot)) {
      for (const c of nasty.spec.cases) {
        for (const profile of caseProfiles(nasty.spec, c)) {
          for (const tier of caseTiers(nasty.spec, c)) index.set(entryId(nasty.spec.name, c.name, profile, tier), { nasty, c, profile, tier });
        }
      }
    }
    return index;
  };

  const moduleBytes = (ctx: SuiteContext, nasty: LoadedNasty, c: NastyCase): Promise<Uint8Array> => {
    const file = `${nasty.dir}/${caseModule(nasty.spec, c)}`;
    let p = modules.get(file);
    if (!p) {
      p = (async () => {
        const path = join(ctx.repoRoot, file);
        if (path.endsWith('.wasm')) return Uint8Array.from(readFileSync(path));
        return watToWasm(readFileSync(path, 'utf8'), { filename: file });
      })();
      modules.set(file, p);
    }
    return p;
  };

  /** All jobs of one tier, run in one child on first use. */
  const tierResults = (ctx: SuiteContext, tier: Tier): Promise<Map<string, ProbeResult>> => {
    let p = tierRuns.get(tier);
    if (!p) {
      p = (async () => {
        const jobs: ChildJob[] = [];
        for (const [id, l] of load(ctx)) {
          if (l.tier !== tier) continue;
          jobs.push({ key: id, module: Buffer.from(await moduleBytes(ctx, l.nasty, l.c)).toString('hex'), case: l.c, profile: l.profile });
        }
        const reply = await runTierChild(tier, jobs, ctx.repoRoot);
        return new Map(Object.entries(reply.results));
      })();
      p.catch(() => tierRuns.delete(tier)); // a failed child is retried by the next case
      tierRuns.set(tier, p);
    }
    return p;
  };

  /** Start every tier's child at once (they are independent; on 2 cores this halves the wall time). */
  const allTiers = (ctx: SuiteContext, first: Tier): Promise<Map<string, ProbeResult>> => {
    const wanted = new Set([...load(ctx).values()].map((l) => l.tier));
    for (const t of TIERS) if (t !== first && wanted.has(t) && !tierRuns.has(t)) tierResults(ctx, t).catch(() => undefined);
    return tierResults(ctx, first);
  };

  return {
    name: 'nasties',
    description: 'Every known source of nondeterminism, shown detected (raw) and neutralized (dc, dc-float)',
    async list(ctx): Promise<CaseSpec[]> {
      return listNasties(load(ctx));
    },
    async run(spec, ctx): Promise<CaseOutcome> {
      if (spec.id.startsWith(ITERATION_ORDER_ID_PREFIX)) return runIterationOrder(spec.id.slice(ITERATION_ORDER_ID_PREFIX.length), ctx);
      const l = load(ctx).get(spec.id);
      const parsed = parseEntryId(spec.id);
      if (!l || !parsed || !(TIERS as readonly string[]).includes(parsed.tier)) throw new IcnError('CASE_UNKNOWN', `no nasty case ${spec.id}`);
      const bytes = await moduleBytes(ctx, l.nasty, l.c);
      const inputs = caseInputs(l, bytes);
      const r = (await allTiers(ctx, l.tier)).get(spec.id);
      if (!r) throw new IcnError('HARNESS_FAULT', `the ${l.tier} child returned no result for ${spec.id}`);
      if (r.outcome === 'fault') throw new IcnError('HARNESS_FAULT', r.fault ?? 'probe fault');
      return outcomeOf(spec.id, l, inputs, r);
    },
  };
}
