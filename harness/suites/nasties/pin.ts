/**
 * `npm run nasties:pin [-- --repin] [-- nasty…]`: run the dc / dc-float cases of the nasties on
 * every tier and write the observed output into the specs, where the spec says `"outputHash": null`
 * (or everywhere with --repin). A case is pinned only when all three tiers agree; a pin is then
 * checked on every other platform by `npm run xarch` (LC entries must be identical everywhere).
 * Rejections (`{"rejected": …}`) are never touched: they are written by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/files.js';
import { createNastiesSuite } from './suite.js';
import { loadNasties, parseEntryId, type DcExpect, type NastySpec } from './spec.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const repin = args.includes('--repin');
  const only = args.filter((a) => !a.startsWith('--'));
  const repoRoot = process.env.ICN_HARNESS_ROOT ?? process.cwd();
  const ctx = { repoRoot, seed: 0n, tiers: ['default'] };
  const suite = createNastiesSuite();
  const specs = await suite.list(ctx);
  type Seen = { outputs: Record<string, string>; tiers: string[] };
  const seen = new Map<string, Seen[]>();
  for (const s of specs) {
    const p = parseEntryId(s.id);
    if (!p || p.profile === 'raw' || (only.length && !only.includes(p.nasty))) continue;
    let o;
    try {
      o = await suite.run(s, ctx);
    } catch (e) {
      process.stderr.write(`${s.id}: harness fault: ${(e as Error).message}\n`);
      continue;
    }
    const key = `${p.nasty}\0${p.case}\0${p.profile}`;
    const list = seen.get(key) ?? [];
    const same = list.find((x) => x.outputs.outputHash === o.outputs.outputHash);
    if (same) same.tiers.push(p.tier);
    else list.push({ outputs: o.outputs, tiers: [p.tier] });
    seen.set(key, list);
  }
  let pinned = 0;
  let problems = 0;
  for (const n of loadNasties(repoRoot)) {
    const path = join(repoRoot, n.file);
    const spec = JSON.parse(readFileSync(path, 'utf8')) as NastySpec;
    let changed = false;
    for (const c of spec.cases) {
      for (const profile of ['dc', 'dc-float'] as const) {
        const runs = seen.get(`${spec.name}\0${c.name}\0${profile}`);
        if (!runs) continue;
        const current = (c[profile] ?? spec.defaults?.[profile]) as DcExpect | undefined;
        if (!current || 'rejected' in current) continue;
        if (current.outputHash !== null && !repin) continue;
        if (runs.length !== 1) {
          problems++;
          process.stderr.write(`${spec.name}::${c.name}/${profile}: tiers disagree (${runs.map((r) => `${r.tiers.join('+')}: ${r.outputs.outputHash}`).join('; ')}): not pinned\n`);
          continue;
        }
        const o = runs[0]!.outputs;
        if (!o.outputHash) {
          problems++;
          process.stderr.write(`${spec.name}::${c.name}/${profile}: no output (${o.outcome ?? 'nothing'}${o.violations ? `: ${o.violations}` : ''}): not pinned\n`);
          continue;
        }
        const next: DcExpect = { outputHash: o.outputHash, returns: o.returns ? o.returns.split(' ') : [], fuelUsed: o.fuelUsed! };
        if (o.trap) next.trap = o.trap;
        c[profile] = next;
        changed = true;
        pinned++;
      }
    }
    if (changed) writeFileAtomic(path, `${JSON.stringify(spec, null, 2)}\n`);
  }
  process.stdout.write(`nasties:pin: ${pinned} expectation(s) pinned${problems ? `, ${problems} not pinned (see above)` : ''}\n`);
  return problems ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`nasties:pin: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(3);
  },
);
