#!/usr/bin/env node
// icnctl: the client for a running icn-node; runs the compiled CLI (npm ci builds dist/).
import { existsSync } from 'node:fs';

// A closed pipe (`icnctl contract list | head`) is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const main = new URL('../dist/core/icnctl/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('icnctl: dist/ is missing: run `npm run build` (npm ci does it for you)\n');
  process.exit(3);
}
const { main: run } = await import(main.href);
await run(process.argv);
