/**
 * Where `run --out` writes: a `.json` path is the manifest itself; anything else is a directory that
 * receives manifest.json and every report derived from it (junit.xml, summary.md, report.html), and
 * tiers/<tier>.json for the other tiers of `--tiers`.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.js';
import { writeManifest } from '../manifest/io.js';
import type { Manifest } from '../manifest/types.js';
import { annotations } from '../reports/annotations.js';
import { htmlReport } from '../reports/html.js';
import { junitXml } from '../reports/junit.js';
import { markdownSummary } from '../reports/markdown.js';

export function writeReports(dir: string, m: Manifest): string[] {
  const files = ['junit.xml', 'summary.md', 'report.html'];
  writeFileAtomic(join(dir, 'junit.xml'), junitXml(m));
  writeFileAtomic(join(dir, 'summary.md'), markdownSummary(m));
  writeFileAtomic(join(dir, 'report.html'), htmlReport(m));
  return files;
}

export function writeRunOutputs(
  out: string,
  m: Manifest,
  tierManifests: readonly Manifest[] = [],
): void {
  if (out.endsWith('.json')) {
    writeManifest(out, m);
    for (const t of tierManifests)
      writeManifest(out.replace(/\.json$/, `.${t.platform.tier}.json`), t);
    return;
  }
  writeManifest(join(out, 'manifest.json'), m);
  for (const t of tierManifests) writeManifest(join(out, 'tiers', `${t.platform.tier}.json`), t);
  writeReports(out, m);
}

/** On GitHub Actions: annotations for failures on stdout, the summary into the step summary. */
export function publishToGitHub(m: Manifest, env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  for (const line of annotations(m)) process.stdout.write(`${line}\n`);
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      appendFileSync(env.GITHUB_STEP_SUMMARY, markdownSummary(m));
    } catch (e) {
      process.stderr.write(`warning: cannot write $GITHUB_STEP_SUMMARY: ${(e as Error).message}\n`);
    }
  }
}
