#!/usr/bin/env node
/**
 * npm run scenarios:process | scenarios:containers | scenarios:containers:bounded
 *
 * Runs the real-network scenario plans of harness/backends/plans.ts (scenarios over icn-node
 * daemons, each daemon's final state root checked against the simulator's) and prints one line
 * per run and a summary. Exit 0 when every run's roots equal the simulator's, 1 when one does
 * not, 2 when the backend is unavailable (containers without an engine), 3 on a harness fault.
 *
 *   --backend process|containers   (default process)
 *   --bounded                      the bounded containers plan (a few minutes)
 *   --seed N                       root seed (default 1)
 *   --only NAME                    one entry of the plan
 *
 * The containers backend first makes sure an engine is there: with neither DOCKER_HOST nor
 * /var/run/docker.sock it runs scripts/containers-setup.mjs (podman; idempotent, ~1 s when done).
 * Needs dist/ (the npm scripts build first).
 */
import { existsSync } from 'node:fs';
import { argv, echo, path } from 'zx';
import { checkOptions } from './lib/options.mjs';

checkOptions(import.meta.url, argv, ['backend', 'bounded', 'seed', 'only']);

const repo = path.resolve(import.meta.dirname, '..');
const backend = String(argv.backend ?? 'process');
if (!['process', 'containers'].includes(backend)) {
  echo(`scenarios-real: error: --backend ${backend}: process or containers`);
  process.exit(2);
}
const seed = BigInt(argv.seed ?? 1);

if (backend === 'containers' && !process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) {
  const { spawnSync } = await import('node:child_process');
  echo('no Docker engine here: npm run containers:setup (podman)…');
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'containers-setup.mjs')], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    echo(
      `unavailable: containers:setup failed (exit ${r.status}); the containers backend needs podman or Docker`,
    );
    process.exit(2);
  }
}

const { runBackend } = await import(path.join(repo, 'dist', 'harness', 'backends', 'command.js'));
const plans = await import(path.join(repo, 'dist', 'harness', 'backends', 'plans.js'));
const { loadScenario } = await import(
  path.join(repo, 'dist', 'harness', 'suites', 'scenarios', 'load.js')
);
let plan =
  backend === 'process'
    ? plans.PROCESS_PLAN
    : argv.bounded
      ? plans.CONTAINERS_BOUNDED_PLAN
      : plans.CONTAINERS_PLAN;
const nameOf = (e) => (typeof e.scenario === 'string' ? e.scenario : e.scenario.name);
if (argv.only) plan = plan.filter((e) => nameOf(e) === argv.only);
if (plan.length === 0) {
  echo(
    `scenarios-real: error: nothing to run${argv.only ? ` (no entry ${argv.only} in the ${backend} plan)` : ''}`,
  );
  process.exit(2);
}

const t00 = Date.now();
const rows = [];
const codes = [];
echo(
  `${backend} backend, seed ${seed}: ${plan.length} run(s)${argv.bounded ? ' (bounded plan)' : ''}; left out: ${Object.entries(
    plans.LEFT_OUT,
  )
    .map(([k, v]) => `${k} (${v})`)
    .join('; ')}`,
);
for (const e of plan) {
  const def = typeof e.scenario === 'string' ? loadScenario(repo, e.scenario) : e.scenario;
  const label = `${def.name}${e.nodes ? ` --nodes ${e.nodes}` : ''}${e.faults ? ` --faults '${e.faults}'` : ''}`;
  echo(`\n== ${label}: ${e.why}`);
  const t0 = Date.now();
  let code;
  try {
    code = await runBackend(backend, {
      def,
      repoRoot: repo,
      seeds: [seed],
      ...(e.nodes ? { nodes: e.nodes } : {}),
      ...(e.faults ? { faults: e.faults } : {}),
      out: (l) => echo(l),
    });
  } catch (err) {
    echo(`harness fault: ${err?.stack ?? err}`);
    code = 3;
  }
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  rows.push(
    `${code === 0 ? 'ok  ' : code === 2 ? 'n/a ' : 'FAIL'}  ${label} (${s} s${code === 0 ? '' : `, exit ${code}`})`,
  );
  codes.push(code);
  if (code === 2) break; // unavailable: the rest would say the same
}
echo(`\n== ${backend} backend summary (${((Date.now() - t00) / 1000).toFixed(1)} s)`);
for (const r of rows) echo(r);
const ok = rows.filter((r) => r.startsWith('ok')).length;
echo(`${ok} of ${plan.length} with roots equal to the simulator's`);
// unavailable (2) first, then a harness fault (3), then a difference (1)
process.exit(codes.includes(2) ? 2 : codes.includes(3) ? 3 : ok === plan.length ? 0 : 1);
