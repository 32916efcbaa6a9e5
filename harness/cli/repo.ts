/** Locating the repository root (vectors/, nasties/, scenarios/) from the installed harness. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root: ICN_HARNESS_ROOT, else the nearest ancestor of this file holding package.json + vectors/. */
export function repoRoot(): string {
  if (process.env.ICN_HARNESS_ROOT) return resolve(process.env.ICN_HARNESS_ROOT);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'vectors'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
