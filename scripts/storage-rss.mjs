#!/usr/bin/env node
// RSS of one icn-node daemon after N publishes of SIZE-byte data on ledger:entries (quota off),
// and again after a restart over the same data dir (issue 14: storage keeps an index, not a copy).
// Usage: npm run build && node scripts/storage-rss.mjs [--dist dist] [--n 2000] [--size 5000]
// (--dist: another build's dist/ to compare with, e.g. one of the previous commit.)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    n: { type: 'string', default: '2000' },
    size: { type: 'string', default: '5000' },
  },
});
const main = resolve(a.dist, 'core/daemon/main.js');
const [n, size] = [Number(a.n), Number(a.size)];
const dir = mkdtempSync(join(tmpdir(), 'icn-storage-rss-'));
const cfg = JSON.stringify({
  topics: { 'ledger:entries': { perAuthorPerWindow: 0, maxDataBytes: 65536 } },
});

async function start() {
  const script = `import(${JSON.stringify(main)}).then((m) => m.main(['node', 'icn-node', ...process.argv.slice(1)]))`;
  const c = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      '--',
      '--data-dir',
      dir,
      '--key-seed',
      '22'.repeat(32),
      '--http',
      '127.0.0.1:0',
      '--gossip',
      '127.0.0.1:0',
      '--gossip-config',
      cfg,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const url = await new Promise((r, j) => {
    c.stdout.on('data', (b) => {
      out += b;
      const m = /listening .* http=(\S+)/.exec(out);
      if (m) r(`http://${m[1]}`);
    });
    c.once('close', (code) => j(new Error(`icn-node exited ${code}: ${out}`)));
  });
  return { c, url };
}
const rssMb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const stop = async (c) => {
  c.kill('SIGTERM');
  await new Promise((r) => c.once('close', r));
};
const settle = () => new Promise((r) => setTimeout(r, 2000));

let d = await start();
const before = rssMb(d.c.pid);
for (let i = 0; i < n; i++) {
  const r = await fetch(`${d.url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      topic: 'ledger:entries',
      data: { i: String(i), pad: 'x'.repeat(size) },
    }),
  });
  if (r.status !== 200) throw new Error(`publish ${i}: HTTP ${r.status} ${await r.text()}`);
}
await settle();
const after = rssMb(d.c.pid);
await stop(d.c);
d = await start();
await settle();
const restarted = rssMb(d.c.pid);
await stop(d.c);
rmSync(dir, { recursive: true, force: true });
console.log(
  `${a.dist}: ${n} publishes of ${size} B: RSS at start ${before.toFixed(0)} MB, after them ${after.toFixed(0)} MB, after a restart ${restarted.toFixed(0)} MB`,
);
