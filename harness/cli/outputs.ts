/** Where `run --out` writes: a `.json` path is the manifest itself; anything else is a directory. */
import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.js';
import { writeManifest } from '../manifest/io.js';
import type { Manifest } from '../manifest/types.js';
import { markdownSummary } from '../reports/markdown.js';

export function writeRunOutputs(out: string, m: Manifest): void {
  if (out.endsWith('.json')) {
    writeManifest(out, m);
    return;
  }
  writeManifest(join(out, 'manifest.json'), m);
  writeFileAtomic(join(out, 'summary.md'), markdownSummary(m));
}
