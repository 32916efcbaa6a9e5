/**
 * Where the daemon's memory per execution goes: the daemon's pieces in-process (FileKvStore, IcnNode,
 * NodeContracts, DaemonContracts; no HTTP), 1,200 executions, then each structure cleared in turn and
 * the heap drop after a full GC reported per execution. Reads private fields (a probe, not an API):
 * a step whose field no longer exists prints n/a.
 *   npm run build && node --expose-gc bench/soak-memory-probe.mjs
 */
const D = new URL('../dist/core', import.meta.url).pathname;
const { mkdtempSync, readFileSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { Keypair } = await import(`${D}/identity/index.js`);
const { IcnNode, NodeContracts } = await import(`${D}/node/index.js`);
const { Rng } = await import(`${D}/runtime/index.js`);
const { FileKvStore } = await import(`${D}/daemon/file-kv-store.js`);
const { DaemonContracts, DAEMON_CONTRACT_CONFIG } = await import(`${D}/daemon/contract-service.js`);
const { makeCall, signCall } = await import(`${D}/daemon/contract-call.js`);
const { valueFromJson } = await import(`${D}/ccl/index.js`);
const { codeFromJson, codeHash, codeToJson } = await import(`${D}/contracts/index.js`);
const kp = Keypair.fromSeed(new Uint8Array(32).fill(77));
const fkv = new FileKvStore(join(mkdtempSync(join(tmpdir(), 'memprobe-')), 'state.log'));
const node = new IcnNode({
  keypair: kp,
  clock: { nowMs: () => Date.now() },
  rng: Rng.root(1n),
  transport: { send() {} },
  storage: fkv,
  restore: true,
  gossip: { topics: { 'ledger:entries': { perAuthorPerWindow: 0 } } },
});
const nc = new NodeContracts(node, { config: DAEMON_CONTRACT_CONFIG ?? {} });
const dc = new DaemonContracts(node, nc, fkv);
const routes = dc.routes((_b, f) => f());
const route = (m, p) => routes.find((r) => r.method === m && r.pattern === p);
const code = codeFromJson({
  engine: 'ccl',
  contract: {
    ...JSON.parse(readFileSync(new URL('../contracts/counter.json', import.meta.url), 'utf8')),
    participants: [kp.did.toString()],
  },
});
const h = codeHash(code);
await route('POST', '/contracts').handler({
  body: JSON.parse(
    JSON.stringify({
      code: codeToJson(code),
      capabilities: [{ ReadState: { keys: ['count'] } }, { WriteState: { keys: ['count'] } }],
    }),
  ),
});
const ex = route('POST', '/contracts/:hash/execute');
const now = BigInt(Date.now());
let i = 0;
async function run(n) {
  for (let k = 0; k < n; k++, i++)
    await ex.handler({
      params: { hash: h },
      body: JSON.parse(
        JSON.stringify(
          signCall(
            makeCall({
              codeHash: h,
              rule: 'bump',
              args: [valueFromJson({ Int: 1 })],
              caller: kp.did.toString(),
              executor: kp.did.toString(),
              timestamp: now,
              nonce: `m-${i}`,
            }),
            kp,
          ),
        ),
      ),
    });
}
const heap = () => {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed / 1024;
};
await run(200);
const h1 = heap();
await run(1000);
const h2 = heap();
console.log(
  `heap KB per execution (1000): ${((h2 - h1) / 1000).toFixed(1)}; rss MB ${(process.memoryUsage().rss / 1048576).toFixed(0)}`,
);
const steps = [
  [
    'AppendLog.items (storage log records)',
    () => {
      fkv.log.items.length = 0;
    },
  ],
  ['FileKvStore.live (key -> value strings)', () => fkv.live.clear()],
  [
    'gossip ledger:entries store',
    () => {
      const s = node.gossip.stores['ledger:entries'];
      s.byHash.clear();
      s.ordered.length = 0;
      s.buckets.clear();
    },
  ],
  ['ContractRuntime.witnesses (witness bundles)', () => nc.actor.runtime.witnesses.clear()],
  ['ContractExecutions.adopted', () => nc.executions.adopted.clear()],
  ['ContractExecutions.outcomes', () => nc.executions.outcomes.clear()],
  [
    'DaemonContracts receipts + order + callIds',
    () => {
      dc.receipts.clear();
      dc.order.length = 0;
      dc.callIds.clear();
    },
  ],
];
let prev = heap();
for (const [name, f] of steps) {
  try {
    f();
  } catch {
    console.log(`${name}: n/a`);
    continue;
  }
  const now2 = heap();
  console.log(`${name}: ${((prev - now2) / 1200).toFixed(1)} KB per execution`);
  prev = now2;
}
console.log(`left: ${(prev / 1024).toFixed(1)} MB heap`);
