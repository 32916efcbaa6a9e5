#!/usr/bin/env node
/**
 * npm run check:workflows: what actionlint cannot know. For every `run:` step of
 * .github/workflows/*.yml and of the composite action action.yml that calls icn-harness, an npm
 * script or a script of this repository, check against this repository (the built CLI, package.json,
 * the files) that:
 *   - the icn-harness verb exists and takes every `--flag` given (also flags inside `${X:+--flag …}`),
 *   - `npm run X` names a script of package.json; flags after `--` are ones the script's command takes
 *     (an icn-harness verb's options, or the options a zx script documents in its doc comment),
 *   - `node FILE` and every path the command names in a tracked folder (vectors/, scripts/, docs/…)
 *     exist, and so does every file given to `hashFiles(…)`.
 * A renamed flag, script or file then breaks `npm test` (which runs this check), not a release.
 *
 * Usage: node scripts/check-workflows.mjs [FILE…]   (default: the workflows and action.yml)
 * Needs dist/ (npm run build). Exit 0: no problem; 1: one line per problem (file:line: what).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { YAML } from 'zx';
import { docComment } from './lib/options.mjs';

const ROOT = resolve(import.meta.dirname, '..');
/** Folders that hold run outputs, never inputs: paths in them are not checked. */
const GENERATED = new Set([
  'out',
  'reports',
  'manifests',
  'shards',
  'dist',
  'node_modules',
  '.cache',
]);

/** The CLI's verbs and each verb's long options, from the built program. */
async function cliSpec(root) {
  const main = join(root, 'dist', 'harness', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const { buildProgram } = await import(pathToFileURL(main).href);
  const verbs = new Map();
  for (const c of buildProgram().commands)
    verbs.set(c.name(), new Set(['--help', ...c.options.map((o) => o.long).filter(Boolean)]));
  return verbs;
}

/** Shell commands of a `run:` text: continuations joined, comments dropped, split at ; && || |. */
function commands(text) {
  const joined = text.replace(/\\\n/g, ' ');
  const out = [];
  for (const line of joined.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    for (const part of line.split(/&&|\|\||;|\|/)) if (part.trim()) out.push(part.trim());
  }
  return out;
}

const tokens = (cmd) =>
  (cmd.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((t) => t.replace(/^["']|["']$/g, ''));
const flagsIn = (words) =>
  [...words.join(' ').matchAll(/(?:^|[\s(+])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]);

export async function checkWorkflows(files, root = ROOT) {
  const verbs = await cliSpec(root);
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts ?? {};
  const tracked = new Set(
    readdirSync(root).filter((n) => statSync(join(root, n)).isDirectory() && !GENERATED.has(n)),
  );
  const problems = [];

  const checkPath = (p, say) => {
    const clean = p.replace(/^\.\//, '').replace(/^\$\{?GITHUB_ACTION_PATH\}?\//, '');
    if (/[$*{}]/.test(clean) || !/^[\w.-]+(\/[\w.-]+)+$/.test(clean)) return;
    if (!tracked.has(clean.split('/')[0])) return;
    if (!existsSync(join(root, clean))) say(`${clean}: no such file in this repository`);
  };

  const checkHarness = (words, say) => {
    const verb = words[0];
    if (!verbs.has(verb))
      return say(
        `icn-harness has no verb ${JSON.stringify(verb ?? '')} (verbs: ${[...verbs.keys()].join(', ')})`,
      );
    for (const f of flagsIn(words.slice(1)))
      if (!verbs.get(verb).has(f)) say(`icn-harness ${verb} has no option ${f}`);
    for (const w of words.slice(1)) checkPath(w, say);
  };

  /** Flags passed to an npm script (after `--`): what its own command accepts. */
  const checkScriptFlags = (name, flags, say) => {
    const body = scripts[name];
    const harness = /bin\/icn-harness\.js\s+([a-z-]+)/.exec(body);
    const zx = /node\s+(scripts\/[\w.-]+\.mjs)/.exec(body);
    for (const f of flags) {
      if (harness && verbs.get(harness[1])?.has(f)) continue;
      if (
        zx &&
        existsSync(join(root, zx[1])) &&
        new RegExp(`${f}(?![\\w-])`).test(docComment(join(root, zx[1])))
      )
        continue;
      say(
        `npm run ${name} -- ${f}: ${harness ? `icn-harness ${harness[1]}` : zx ? zx[1] : 'the script'} takes no ${f}`,
      );
    }
  };

  const checkCommand = (cmd, say, seen = new Set()) => {
    const t = tokens(cmd);
    const at = t.findIndex((w) => w === 'icn-harness' || w.endsWith('bin/icn-harness.js'));
    if (at >= 0) {
      if (t[at] !== 'icn-harness') checkPath(t[at], say);
      return checkHarness(t.slice(at + 1), say);
    }
    if (t[0] === 'node' && t[1] && !t[1].startsWith('-')) {
      checkPath(t[1], say);
      const file = join(root, t[1].replace(/^\$\{?GITHUB_ACTION_PATH\}?\//, ''));
      if (/\.mjs$/.test(file) && existsSync(file)) {
        const doc = docComment(file);
        for (const f of flagsIn(t.slice(2)))
          if (f !== '--help' && !new RegExp(`${f}(?![\\w-])`).test(doc))
            say(`${t[1]} documents no option ${f}`);
      }
      return;
    }
    if (t[0] !== 'npm') return;
    const sub = t[1];
    let name;
    if (sub === 'test' || sub === 't') name = 'test';
    else if (sub === 'run' || sub === 'run-script')
      name = t.slice(2).find((w) => !w.startsWith('-'));
    else return; // npm ci, npm install…
    if (!name || !(name in scripts))
      return say(`npm run ${name ?? ''}: no such script in package.json`);
    const dash = t.indexOf('--');
    if (dash >= 0) checkScriptFlags(name, flagsIn(t.slice(dash + 1)), say);
    // The script's own commands call icn-harness too (e.g. conformance): checked once each.
    if (!seen.has(name)) {
      seen.add(name);
      for (const c of commands(scripts[name]))
        checkCommand(c, (m) => say(`(in npm script ${name}) ${m}`), seen);
    }
  };

  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const doc = YAML.parse(text) ?? {};
    const steps = doc.runs?.steps ?? Object.values(doc.jobs ?? {}).flatMap((j) => j?.steps ?? []);
    for (const step of steps) {
      if (typeof step?.run !== 'string') continue;
      const first = step.run.split('\n').find((l) => l.trim()) ?? '';
      const line = lines.findIndex((l) => l.includes(first.trim())) + 1;
      for (const cmd of commands(step.run))
        checkCommand(cmd, (m) => problems.push(`${file}:${line}: ${m}`));
    }
    for (const m of text.matchAll(/hashFiles\('([^']+)'\)/g)) {
      const line = text.slice(0, m.index).split('\n').length;
      if (!existsSync(join(root, m[1])))
        problems.push(`${file}:${line}: hashFiles('${m[1]}'): no such file in this repository`);
    }
  }
  return [...new Set(problems)];
}

export function defaultFiles(root = ROOT) {
  const dir = join(root, '.github', 'workflows');
  const wf = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(dir, f))
    : [];
  return existsSync(join(root, 'action.yml')) ? [...wf, join(root, 'action.yml')] : wf;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(docComment(new URL(import.meta.url).pathname));
    process.exit(0);
  }
  const files = args.length ? args.map((a) => resolve(a)) : defaultFiles();
  const problems = await checkWorkflows(files);
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stdout.write(`workflow check: ${files.length} files, ${problems.length} problems\n`);
  process.exit(problems.length ? 1 : 0);
}
