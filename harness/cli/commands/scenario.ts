import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';
import { parsePositiveInt, parseSeed } from '../options.js';

interface ScenarioFlags {
  seed: string;
  seeds?: string;
  nodes?: string;
  faults?: string;
  checkDeterminism?: boolean;
  list?: boolean;
  json?: boolean;
  quiet?: boolean;
  backend: string;
}

export function register(program: Command): void {
  program
    .command('scenario')
    .description('run a multi-node scenario in the deterministic simulator: prints the run header (every fault parameter), the checks, each node\'s state root and the trace root. Exit 0 all checks passed (and runs identical with --check-determinism), 1 a check failed or the runs diverged, 2 usage')
    .argument('[name]', 'scenario name (scenarios/<name>.json); --list shows them')
    .option('--seed <n>', 'root seed (one seed reproduces everything)', '1')
    .option('--seeds <k>', 'run seeds seed..seed+k-1 and summarise')
    .option('--nodes <n>', 'override the node count')
    .option('--faults <spec>', "faults on top of the scenario's: none | random | loss=P,dup=P,delay=MIN-MAX,tail=P:MS,skew=MS,storage-loss=P,partition=sym|asym:START-END:A|B,crash=NODE:AT[-RESTART] (P: 20% or 200000ppm)")
    .option('--check-determinism', 'run each seed twice (the second perturbed: reversed construction and peer order) and stop at the first differing step')
    .option('--list', 'list the scenarios and exit')
    .option('--json', 'print results as JSON')
    .option('--quiet', 'only failures and the summary')
    .option('--backend <name>', 'sim | process (icn-node daemons on loopback; final roots compared with the sim\'s) | containers', 'sim')
    .action(
      action('scenario', async (name: string | undefined, o: ScenarioFlags) => {
        const { repoRoot } = await import('../repo.js');
        const { loadScenarios, loadScenario } = await import('../../suites/scenarios/load.js');
        const { runScenario } = await import('../../sim/scenario.js');
        const { checkDeterminism } = await import('../../sim/determinism.js');
        const { UsageError } = await import('../../io/files.js');
        const root = repoRoot();
        if (o.list) {
          for (const d of loadScenarios(root)) process.stdout.write(`${d.name.padEnd(24)} ${d.nodes} nodes  ${d.description}\n`);
          return EXIT.ok;
        }
        if (!name) throw new UsageError('USAGE_ARGS', 'scenario needs a NAME (icn-harness scenario --list shows them)');
        const def = loadScenario(root, name);
        const seed0 = parseSeed(o.seed);
        const count = o.seeds === undefined ? 1 : parsePositiveInt('--seeds', o.seeds, 100_000);
        const nodes = o.nodes === undefined ? undefined : parsePositiveInt('--nodes', o.nodes, 100_000);
        const out = (s: string) => process.stdout.write(`${s}\n`);
        if (!['sim', 'process', 'containers'].includes(o.backend)) throw new UsageError('USAGE_ARGS', `--backend ${o.backend}: sim, process or containers`);
        if (o.backend !== 'sim') {
          if (o.checkDeterminism) throw new UsageError('USAGE_ARGS', '--check-determinism is a simulator check (--backend sim)');
          const { runBackend } = await import('../../backends/command.js');
          const seeds = Array.from({ length: count }, (_, k) => seed0 + BigInt(k));
          return runBackend(o.backend as 'process' | 'containers', { def, repoRoot: root, seeds, ...(nodes ? { nodes } : {}), ...(o.faults ? { faults: o.faults } : {}), ...(o.json ? { json: true } : {}), out });
        }
        const results: unknown[] = [];
        let failed = 0;
        for (let k = 0; k < count; k++) {
          const seed = seed0 + BigInt(k);
          const opts = { seed, repoRoot: root, ...(nodes ? { nodes } : {}), ...(o.faults ? { faults: o.faults } : {}) };
          if (o.checkDeterminism) {
            const d = await checkDeterminism(def, opts);
            results.push({ seed: seed.toString(), determinism: d });
            if (!d.ok) {
              failed++;
              out(`seed ${seed}: NONDETERMINISTIC: runs diverge at step ${d.divergence!.step}`);
              out(`  first run:  ${d.divergence!.first}`);
              out(`  second run: ${d.divergence!.second}`);
              out(`  reproduce: icn-harness scenario ${def.name} --seed ${seed}${nodes ? ` --nodes ${nodes}` : ''}${o.faults ? ` --faults '${o.faults}'` : ''} --check-determinism`);
            } else if (!o.quiet && !o.json) out(`seed ${seed}: deterministic: ${d.steps} steps identical in both runs, trace root ${d.traceRoots[0]}`);
            continue;
          }
          const r = await runScenario(def, opts);
          results.push({ seed: seed.toString(), ok: r.ok, checks: r.checks, convergedAtMs: r.convergedAtMs, stateRoots: r.stateRoots, trace: { root: r.trace.root, steps: r.trace.steps }, stats: r.stats, reproduce: r.reproduce });
          if (!r.ok) failed++;
          if (o.json) continue;
          if (!o.quiet || !r.ok) {
            for (const l of r.header) out(l);
            for (const c of r.checks) out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`);
            const distinct = [...new Set(r.stateRoots.map((h) => h ?? 'down'))];
            out(`  state roots: ${distinct.length === 1 ? `all ${r.nodes} nodes ${distinct[0]}` : r.stateRoots.map((h, i) => `${i}:${h ?? 'down'}`).join(' ')}`);
            out(`  converged at: ${r.convergedAtMs === null ? 'never' : `${r.convergedAtMs}ms`}; ${r.stats.steps} steps; messages sent ${r.stats.sent}, delivered ${r.stats.delivered}, lost ${r.stats.lost}, duplicated ${r.stats.duplicated}, cut by partitions ${r.stats.blockedByPartition}`);
            out(`  trace root: ${r.trace.root}`);
          }
          if (!r.ok) out(`  reproduce: ${r.reproduce}`);
        }
        if (o.json) out(JSON.stringify(results, null, 2));
        else if (count > 1 || o.checkDeterminism) out(`${def.name}: ${count - failed}/${count} seeds ${o.checkDeterminism ? 'deterministic' : 'passed'}`);
        return failed ? EXIT.negative : EXIT.ok;
      }),
    );
}
