/**
 * Contract benchmarks (tinybench), reported as ratios against baselines measured in the same run;
 * never asserted. Run `npm run bench:contracts` (add `-- --quick` for a short run).
 *
 *  1. interpreter: a 1,000-iteration summing loop in CCL (9,006 fuel) vs the same loop in plain JS
 *     over bigint (baseline: what checked i64 arithmetic costs at least);
 *  2. Calculator.add(5,3) through the interpreter alone, and as a full signed receipt
 *     (execution + state roots + witness hash + Ed25519 signature) vs one Ed25519 signature;
 *  3. verifying a signed deployment message (parse, validate, code hash, 2 signatures) vs one
 *     Ed25519 verification.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bench, type Task } from 'tinybench';
import {
  execute,
  initialState,
  loadContract,
  parseArgs,
  parseCapabilities,
} from '../core/ccl/index.js';
import { DOMAIN } from '../core/hash/index.js';
import { verifySignature } from '../core/identity/index.js';
import {
  ContractActor,
  DeploymentMessage,
  InMemoryLedger,
  installationBody,
  runExecution,
  signInstallation,
  signReceipt,
  verifyDeployment,
  withSignatures,
  keyFromByte,
  TableTrust,
  type ContractCode,
} from '../core/contracts/index.js';
import { ManualClock } from '../core/runtime/index.js';

const quick = process.argv.includes('--quick');
const TIME = quick ? 200 : 1000;
const ROOT = join(import.meta.dirname, '..', '..');
const ALICE = keyFromByte(1);
const BOB = keyFromByte(2);
const EXECUTOR = keyFromByte(5);
const CALLER = ALICE.did.toString();
const EXECUTOR_DID = EXECUTOR.did.toString();

function meanMs(t: Task | undefined): number {
  const r = t?.result;
  if (!r || r.state !== 'completed')
    throw new Error(`task ${t?.name} did not complete (${r?.state})`);
  return r.latency.mean;
}
const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(2)} µs`);
const example = (n: string) =>
  loadContract(JSON.parse(readFileSync(join(ROOT, 'contracts', `${n}.json`), 'utf8')));

const loop = loadContract({
  name: 'Loop',
  participants: [ALICE.did.toString()],
  rules: [
    {
      name: 'sum',
      params: [{ name: 'xs' }],
      body: [
        { Assign: { name: 's', value: { Literal: { Int: 0 } } } },
        {
          For: {
            var: 'x',
            iterable: { Var: 'xs' },
            body: [
              {
                Assign: {
                  name: 's',
                  value: { BinOp: { op: 'Add', left: { Var: 's' }, right: { Var: 'x' } } },
                },
              },
            ],
          },
        },
        { Return: { value: { Var: 's' } } },
      ],
    },
  ],
});
const xs = parseArgs([{ List: Array.from({ length: 1000 }, (_, i) => ({ Int: i })) }]);
const nums = Array.from({ length: 1000 }, (_, i) => BigInt(i));
const calc = example('calculator');
const transfer = example('transfer');
const caps = parseCapabilities([]);
const calcCode: ContractCode = { engine: 'ccl', contract: calc };
const calcBody = installationBody({
  code: calcCode,
  deployer: ALICE.did.toString(),
  capabilities: [],
  installedAt: 1n,
});
const calcInst = withSignatures(calcBody, [signInstallation(calcBody, ALICE)]);
const transferCode: ContractCode = { engine: 'ccl', contract: transfer };
const sender = new ContractActor({
  identity: ALICE,
  trust: new TableTrust(),
  ledger: new InMemoryLedger(),
  clock: new ManualClock(0),
});
const tBody = sender.prepare(transferCode, { capabilities: [], installedAt: 1n });
const message = DeploymentMessage.fromWire(
  sender
    .deploy(transferCode, {
      capabilities: [],
      installedAt: 1n,
      signatures: [signInstallation(tBody, BOB)],
    })
    .message.toWire(),
);
const sig = ALICE.sign(DOMAIN.test, { x: 1 });

const bench = new Bench({ time: TIME, warmup: true });
bench
  .add('baseline: JS bigint loop of 1,000 checked adds', () => {
    let s = 0n;
    for (const n of nums) {
      s += n;
      if (s > 9223372036854775807n) throw new Error('overflow');
    }
    return s;
  })
  .add('CCL: 1,000-iteration sum loop', () =>
    execute({
      contract: loop,
      rule: 'sum',
      args: xs,
      caller: CALLER,
      state: new Map(),
      capabilities: caps,
      fuelLimit: 100_000,
    }),
  )
  .add('CCL: Calculator.add(5,3)', () =>
    execute({
      contract: calc,
      rule: 'add',
      args: parseArgs([5, 3]),
      caller: CALLER,
      state: initialState(calc),
      capabilities: caps,
    }),
  )
  .add('baseline: one Ed25519 signature', () => ALICE.sign(DOMAIN.test, { x: 1 }))
  .add('receipt: Calculator.add(5,3) executed and signed', async () => {
    const out = await runExecution(
      {
        code: calcCode,
        installation: calcInst,
        rule: 'add',
        args: parseArgs([5, 3]),
        caller: CALLER,
        timestamp: 1n,
        fuelLimit: 1000,
        state: new Map(),
      },
      new InMemoryLedger(),
      EXECUTOR_DID,
    );
    return signReceipt(out.body, EXECUTOR);
  })
  .add('baseline: one Ed25519 verification', () =>
    verifySignature(ALICE.did, DOMAIN.test, { x: 1 }, sig),
  )
  .add('deployment: verify a 2-participant Transfer message', () => {
    const v = verifyDeployment(message);
    if (!v.ok) throw new Error(v.detail);
  });

await bench.run();
const m = Object.fromEntries(bench.tasks.map((t) => [t.name, meanMs(t)]));
const row = (name: string, base: string) =>
  `${name.padEnd(56)} ${fmt(m[name]!).padStart(10)}   ${(m[name]! / m[base]!).toPrecision(3)}× ${base.replace('baseline: ', '')}`;
console.log(`contracts bench (${quick ? 'quick' : 'full'}, Node ${process.version})`);
console.log(row('CCL: 1,000-iteration sum loop', 'baseline: JS bigint loop of 1,000 checked adds'));
console.log(
  `${'  per fuel unit (9,006 fuel)'.padEnd(56)} ${fmt(m['CCL: 1,000-iteration sum loop']! / 9006).padStart(10)}`,
);
console.log(row('CCL: Calculator.add(5,3)', 'baseline: one Ed25519 signature'));
console.log(
  row('receipt: Calculator.add(5,3) executed and signed', 'baseline: one Ed25519 signature'),
);
console.log(
  row('deployment: verify a 2-participant Transfer message', 'baseline: one Ed25519 verification'),
);
