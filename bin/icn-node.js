#!/usr/bin/env node
// icn-node: runs the compiled daemon (npm ci builds dist/ through the `prepare` script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/core/daemon/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'icn-node: dist/ is missing: run `npm run build` (npm ci does it for you)\n',
  );
  process.exit(3);
}
const { main: run } = await import(main.href);
await run(process.argv);
