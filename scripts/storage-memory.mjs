#!/usr/bin/env node
// Memory a FileKvStore holds for what it stores (issue 14): N values of SIZE bytes written and
// synced, then the store reopened (a restart). Prints heap+external bytes retained after a full GC.
// Usage: node --expose-gc scripts/storage-memory.mjs [--module dist/core/daemon/file-kv-store.js] [--n 2000] [--size 5000]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    module: { type: 'string', default: 'dist/core/daemon/file-kv-store.js' },
    n: { type: 'string', default: '2000' },
    size: { type: 'string', default: '5000' },
  },
});
if (typeof globalThis.gc !== 'function') {
  process.stderr.write('storage-memory: run with node --expose-gc\n');
  process.exit(2);
}
const { FileKvStore } = await import(pathToFileURL(resolve(a.module)).href);
const n = Number(a.n);
const size = Number(a.size);
const retained = () => {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};
const dir = mkdtempSync(join(tmpdir(), 'icn-storage-memory-'));
const path = join(dir, 'state.log');
const base = retained();
let kv = new FileKvStore(path);
for (let i = 0; i < n; i++) {
  kv.put(
    `gossip/ledger:entries/${String(i).padStart(8, '0')}`,
    JSON.stringify({ i, pad: 'x'.repeat(size) }),
  );
  if (i % 10 === 9) kv.sync();
}
kv.sync();
const written = retained() - base;
kv.close();
kv = null;
const base2 = retained();
kv = new FileKvStore(path);
const reopened = retained() - base2;
const logBytes = statSync(path).size;
kv.close();
rmSync(dir, { recursive: true, force: true });
const mb = (x) => `${(x / 1048576).toFixed(1)} MB`;
process.stdout.write(
  `${a.module}: ${n} values of ${size} bytes (log ${mb(logBytes)}): retained after writing ${mb(written)}, after reopening ${mb(reopened)}\n`,
);
