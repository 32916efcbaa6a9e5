#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm ci builds dist/ through the `prepare` script).
import { existsSync } from 'node:fs';

// A closed pipe (`icn-harness list | head`) is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const main = new URL('../dist/harness/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'icn-harness: dist/ is missing: run `npm run build` (npm ci does it for you)\n',
  );
  process.exit(3);
}
const { main: run } = await import(main.href);
await run(process.argv);
