/**
 * icn-node's contract routes: deploy (co-signed), execute (caller-signed calls), receipts; bad
 * input refused with a 4xx and a reason and no change of the state root; executions durable
 * across kill -9 (bin/icn-node.js runs dist/: `npm test` builds first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enc } from '../canonical/index.js';
import { parseCapabilities, valueFromJson, valueToJson } from '../ccl/index.js';
import {
  codeFromJson,
  codeHash,
  codeToJson,
  installationBody,
  outputHash,
  receiptFromJson,
  receiptHash,
  replayReceipt,
  signInstallation,
  verifyReceipt,
  witnessFromJson,
} from '../contracts/index.js';
import { Keypair } from '../identity/index.js';
import { callId, makeCall, signCall } from './contract-call.js';
import { DAEMON_CONTRACT_CONFIG } from './contract-service.js';
import { type GossipTuning, type RunningDaemon } from './daemon.js';
import { daemonFixture, http, seed, until, COUNTER, COUNTER_CAPS } from './daemon.fixtures.js';

const repo = resolve(import.meta.dirname, '../..');
const fx = daemonFixture('icn-contract-api-', { bodyLimit: 64 * 1024 });
const { tmp, children } = fx;
const key = (b: number) => Keypair.fromSeed(seed(b));
const did = (b: number) => key(b).did.toString();

const node = (
  b: number,
  peers: string[] = [],
  o: { clock?: 'system' | 'request'; gossipTuning?: GossipTuning } = {},
) => fx.start(b, peers, o);

const post = (d: RunningDaemon, path: string, body: unknown) =>
  http(d.httpPort, 'POST', path, JSON.stringify(body));

const contract = (file: string, participants: string[]) => {
  const json = JSON.parse(readFileSync(join(repo, 'contracts', `${file}.json`), 'utf8')) as object;
  return codeFromJson({ engine: 'ccl', contract: { ...json, participants } });
};
/** A call signed by `callerSeed`'s key naming the node of `executorSeed` (default: the caller's own node) as executor. */
const signed = (
  callerSeed: number,
  h: string,
  rule: string,
  args: unknown[],
  timestamp = BigInt(Date.now()),
  nonce = '',
  executorSeed = callerSeed,
) =>
  signCall(
    makeCall({
      codeHash: h as never,
      rule,
      args: args.map((a) => valueFromJson(a)),
      caller: did(callerSeed),
      executor: did(executorSeed),
      timestamp,
      nonce,
    }),
    key(callerSeed),
  );

describe('icn-node contract API', () => {
  it('deploy with a co-signature, install over gossip, execute with a signed call, receipts', async () => {
    const a = await node(31);
    const b = await node(32, [`127.0.0.1:${a.gossipPort}`]);
    await until(
      async () =>
        (await http(a.httpPort, 'GET', '/peers')).json.peers instanceof Array &&
        ((await http(a.httpPort, 'GET', '/peers')).json.peers as string[]).length === 1,
    );
    expect((await post(b, '/trust', { to: a.node.id, scorePpm: 600_000 })).status).toBe(200);
    // a deploys Calculator with b as co-participant: prepare, b co-signs, deploy
    const code = contract('calculator', [did(31), did(32)]);
    const prep = await post(a, '/contracts/prepare', {
      code: codeToJson(code),
      installedAt: '1700000000000',
    });
    expect(prep.status, prep.text).toBe(200);
    const body = installationBody({
      code,
      deployer: did(31),
      capabilities: [],
      installedAt: 1_700_000_000_000n,
    });
    expect(prep.json.hash).toBe((await import('../contracts/index.js')).installationHash(body));
    const dep = await post(a, '/contracts', {
      code: codeToJson(code),
      installedAt: '1700000000000',
      signatures: [signInstallation(body, key(32))],
    });
    expect(dep.status, dep.text).toBe(200);
    const h = codeHash(code);
    expect(dep.json.codeHash).toBe(h);
    await until(async () => (await http(b.httpPort, 'GET', `/contracts/${h}`)).status === 200);
    const listed = (await http(b.httpPort, 'GET', '/contracts')).json.contracts as {
      codeHash: string;
      name: string;
    }[];
    expect(listed.map((c) => [c.codeHash, c.name])).toEqual([[h, 'Calculator']]);
    // b executes add(5, 3) for caller a
    const call = signed(31, h, 'add', [{ Int: 5 }, { Int: 3 }], BigInt(Date.now()), '', 32);
    const ex = await post(b, `/contracts/${h}/execute`, call);
    expect(ex.status, ex.text).toBe(200);
    const receipt = receiptFromJson(ex.json.receipt);
    expect(verifyReceipt(receipt)).toBe(true);
    expect(receipt.executor).toBe(did(32));
    expect(receipt.outputHash).toBe(outputHash({ value: valueToJson(valueFromJson({ Int: 8 })) }));
    expect(ex.json.receiptHash).toBe(receiptHash(receipt));
    expect(ex.json.callId).toBe(callId(call.call));
    expect((await http(b.httpPort, 'GET', '/receipts')).json).toEqual({
      count: 1,
      receipts: [receiptHash(receipt)],
    });
    expect(
      (await http(b.httpPort, 'GET', `/receipts/${receiptHash(receipt)}`)).json.receipt,
    ).toEqual(ex.json.receipt);
    await until(() => a.node.stateRoot() === b.node.stateRoot());
  });

  it('bad input gets 4xx with a JSON reason and changes nothing', async () => {
    const a = await node(33);
    const code = contract('counter', [did(33)]);
    const h = codeHash(code);
    expect(
      (await post(a, '/contracts', { code: codeToJson(code), capabilities: COUNTER_CAPS })).status,
    ).toBe(200);
    const ok = await post(a, `/contracts/${h}/execute`, signed(33, h, 'bump', [{ Int: 2 }]));
    expect((ok.json.receipt as { outcome: unknown }).outcome).toEqual({ status: 'ok' });
    expect(ok.status, ok.text).toBe(200);
    const before = a.node.stateRoot();
    const receiptsBefore = (await http(a.httpPort, 'GET', '/receipts')).json;
    const other = codeHash(contract('calculator', [did(33)]));
    const good = signed(33, h, 'bump', [{ Int: 1 }]);
    const forged = { ...good, signature: key(34).sign('icn/contracts/call/v1', good.call) };
    const tampered = { call: { ...good.call, args: [{ Int: 1000 }] }, signature: good.signature };
    const calc = contract('calculator', [did(33), did(35)]);
    const cBody = installationBody({
      code: calc,
      deployer: did(33),
      capabilities: [],
      installedAt: 5n,
    });
    const huge = JSON.stringify({
      code: { engine: 'ccl', contract: { name: 'x'.repeat(70_000) } },
    });
    const cases: [string, string, string | undefined, number, string, string?][] = [
      ['POST', '/contracts', '{"code": ', 400, 'HTTP_BAD_JSON'],
      ['POST', '/contracts', huge, 413, 'HTTP_BODY_TOO_LARGE'],
      [
        'POST',
        '/contracts',
        JSON.stringify({ code: codeToJson(code) }),
        415,
        'HTTP_CONTENT_TYPE',
        'text/plain',
      ],
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify(good),
        415,
        'HTTP_CONTENT_TYPE',
        'application/x-www-form-urlencoded',
      ],
      ['GET', `/contracts/${h}/execute`, undefined, 405, 'HTTP_METHOD'],
      ['PUT', '/contracts', JSON.stringify({}), 405, 'HTTP_METHOD'],
      ['DELETE', `/contracts/${h}`, undefined, 405, 'HTTP_METHOD'],
      ['GET', `/contracts/${other}`, undefined, 404, 'CONTRACT_NOT_FOUND'],
      ['GET', '/contracts/sha256:zz', undefined, 400, 'HTTP_FIELD'],
      ['GET', `/receipts/${other}`, undefined, 404, 'RECEIPT_NOT_FOUND'],
      [
        'POST',
        `/contracts/${other}/execute`,
        JSON.stringify(signed(33, other, 'add', [{ Int: 1 }, { Int: 2 }])),
        404,
        'CONTRACT_NOT_FOUND',
      ],
      ['POST', `/contracts/${h}/execute`, JSON.stringify(forged), 401, 'CALL_BAD_SIGNATURE'],
      ['POST', `/contracts/${h}/execute`, JSON.stringify(tampered), 401, 'CALL_BAD_SIGNATURE'],
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify({ ...good, signature: 'ab' }),
        401,
        'CALL_BAD_SIGNATURE',
      ],
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify(signed(33, other, 'bump', [{ Int: 1 }])),
        400,
        'CALL_MALFORMED',
      ],
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify({ call: { ...good.call, extra: 1 }, signature: good.signature }),
        400,
        'CALL_MALFORMED',
      ],
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify({ call: { ...good.call, args: [{ Int: 1.5 }] }, signature: good.signature }),
        400,
        'HTTP_BAD_JSON',
      ], // a fraction is refused by the strict JSON reader itself
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify(signed(33, h, 'bump', [{ Int: 1 }], 1000n)),
        400,
        'CALL_STALE',
      ],
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify(signed(36, h, 'bump', [{ Int: 1 }], BigInt(Date.now()), '', 33)),
        403,
        'CONTRACT_UNAUTHORIZED',
      ],
      // a call naming another node as its executor, and a v1 call (which names none)
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify(signed(33, h, 'bump', [{ Int: 1 }], BigInt(Date.now()), '', 34)),
        421,
        'CALL_WRONG_EXECUTOR',
      ],
      [
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify({
          call: { ...good.call, format: 'icn-contract-call/v1' },
          signature: good.signature,
        }),
        400,
        'CALL_MALFORMED',
      ],
      [
        'POST',
        '/contracts',
        JSON.stringify({ code: { engine: 'ccl', contract: { name: 'Broken' } } }),
        400,
        'CCL_',
      ],
      [
        'POST',
        '/contracts',
        JSON.stringify({ code: codeToJson(code), bogus: 1 }),
        400,
        'HTTP_FIELD',
      ],
      [
        'POST',
        '/contracts',
        JSON.stringify({ code: codeToJson(code), minCallerTrustPpm: 2_000_000 }),
        400,
        'HTTP_FIELD',
      ],
      // a co-participant's signature made by the wrong key, and a missing co-signature
      [
        'POST',
        '/contracts',
        JSON.stringify({
          code: codeToJson(calc),
          installedAt: '5',
          signatures: [{ signer: did(35), signature: signInstallation(cBody, key(34)).signature }],
        }),
        422,
        'CONTRACT_REJECTED',
      ],
      [
        'POST',
        '/contracts',
        JSON.stringify({ code: codeToJson(calc), installedAt: '5' }),
        422,
        'CONTRACT_REJECTED',
      ],
      [
        'POST',
        '/contracts',
        JSON.stringify({
          code: codeToJson(calc),
          signatures: [{ signer: 'did:icn:zNOPE', signature: '00'.repeat(64) }],
        }),
        400,
        'DID_',
      ],
    ];
    for (const [m, p, body, status, code, ct] of cases) {
      const r = await http(a.httpPort, m, p, body, ct);
      expect([m, p, r.status, String(r.json.error).startsWith(code)], r.text).toEqual([
        m,
        p,
        status,
        true,
      ]);
      expect(String(r.json.reason).length, r.text).toBeGreaterThan(10);
    }
    expect(a.node.stateRoot()).toBe(before);
    expect((await http(a.httpPort, 'GET', '/receipts')).json).toEqual(receiptsBefore);
    // a replayed call: the same signed request a second time
    const once = signed(33, h, 'bump', [{ Int: 5 }], BigInt(Date.now()), 'n1');
    const first = await post(a, `/contracts/${h}/execute`, once);
    expect(first.status).toBe(200);
    const afterFirst = a.node.stateRoot();
    const again = await post(a, `/contracts/${h}/execute`, once);
    expect([again.status, again.json.error]).toEqual([409, 'CALL_REPLAYED']);
    expect(a.node.stateRoot()).toBe(afterFirst);
    expect(afterFirst).not.toBe(before); // the accepted call did change the contract's state
    expect(receiptsBefore.count).toBe(1);
    expect((await http(a.httpPort, 'GET', '/receipts')).json.count).toBe(2);
  });

  it('a refused request leaves the state root exactly as it was', async () => {
    const a = await node(37);
    const code = contract('calculator', [did(37), did(38)]);
    const before = a.node.stateRoot();
    for (const body of [
      { code: codeToJson(code) },
      { code: codeToJson(code), signatures: [{ signer: did(38), signature: '11'.repeat(64) }] },
    ]) {
      const r = await post(a, '/contracts', body);
      expect(r.status, r.text).toBe(422);
    }
    expect(a.node.stateRoot()).toBe(before);
    expect(((await http(a.httpPort, 'GET', '/contracts')).json.contracts as unknown[]).length).toBe(
      0,
    );
    expect(a.node.gossip.entries('contracts:deploy')).toHaveLength(0);
  });

  it('an execution whose record gossip refuses is answered 429 (quota, Retry-After) or 422 (too large) and changes nothing; its call is not spent', async () => {
    const windowMs = 3_600_000;
    // The records carry wall-clock timestamps: keep the three calls inside one quota window.
    const into = Date.now() % windowMs;
    if (into > windowMs - 10_000) await new Promise((r) => setTimeout(r, windowMs - into + 50));
    const quota = await node(42, [], {
      gossipTuning: { topics: { 'ledger:entries': { perAuthorPerWindow: 2, windowMs } } },
    });
    const small = await node(43, [], {
      gossipTuning: { topics: { 'ledger:entries': { maxDataBytes: 1024 } } },
    });
    for (const [d, b] of [
      [quota, 42],
      [small, 43],
    ] as const) {
      const code = contract('counter', [did(b)]);
      const h = codeHash(code);
      expect(
        (await post(d, '/contracts', { code: codeToJson(code), capabilities: COUNTER_CAPS }))
          .status,
      ).toBe(200);
      const ok = d === quota ? 2 : 0;
      for (let i = 0; i < ok; i++)
        expect(
          (
            await post(
              d,
              `/contracts/${h}/execute`,
              signed(b, h, 'bump', [{ Int: 1 }], BigInt(Date.now()), `ok${i}`),
            )
          ).status,
        ).toBe(200);
      const state = (await http(d.httpPort, 'GET', '/state')).json;
      const contractRoot = (await http(d.httpPort, 'GET', `/contracts/${h}`)).json.stateRoot;
      const receipts = (await http(d.httpPort, 'GET', '/receipts')).json;
      const records = d.node.gossip.entries('ledger:entries').length;
      const call = signed(b, h, 'bump', [{ Int: 5 }], BigInt(Date.now()), 'refused');
      for (let attempt = 0; attempt < 2; attempt++) {
        // Sent twice: a refused call is not remembered, so the second answer is the same refusal, not 409 CALL_REPLAYED.
        const r = await fetch(`http://127.0.0.1:${d.httpPort}/contracts/${h}/execute`, {
          method: 'POST',
          body: JSON.stringify(call),
          headers: { 'content-type': 'application/json' },
        });
        const body = (await r.json()) as Record<string, unknown>;
        if (d === quota) {
          expect([r.status, body.error, body.gossipReason]).toEqual([
            429,
            'NODE_PUBLISH_REFUSED',
            'rate_limited',
          ]);
          const retry = Number(r.headers.get('retry-after'));
          expect(retry).toBe(Math.ceil((body.retryAfterMs as number) / 1000));
          expect(retry).toBeGreaterThan(0);
          expect(retry).toBeLessThanOrEqual(windowMs / 1000);
        } else {
          expect([r.status, body.error, body.gossipReason, r.headers.get('retry-after')]).toEqual([
            422,
            'NODE_PUBLISH_REFUSED',
            'too_large',
            null,
          ]);
          expect(String(body.reason)).toMatch(/too_large: .*bytes > 1024/);
        }
        expect((await http(d.httpPort, 'GET', '/state')).json).toEqual(state);
        expect((await http(d.httpPort, 'GET', `/contracts/${h}`)).json.stateRoot).toBe(
          contractRoot,
        );
        expect((await http(d.httpPort, 'GET', '/receipts')).json).toEqual(receipts);
        expect(d.node.gossip.entries('ledger:entries')).toHaveLength(records);
      }
    }
    const metrics = await http(quota.httpPort, 'GET', '/metrics');
    expect(metrics.text).toMatch(
      /icn_contract_execution_records_total\{result="publish_refused",reason="rate_limited"\} 2/,
    );
    expect(metrics.text).toMatch(
      /icn_http_requests_total\{method="POST",route="\/contracts\/:hash\/execute",status="429"\} 2/,
    );
  });

  it('a deployment gossip refuses is answered 429 (quota, Retry-After) or 422 (too large) and installs nothing; the next window it is installed', async () => {
    // --clock request: the deployments' gossip timestamps are the requests' `at`, so the window is exact.
    const quota = await node(44, [], {
      clock: 'request',
      gossipTuning: { topics: { 'contracts:deploy': { perAuthorPerWindow: 2, windowMs: 60_000 } } },
    });
    const small = await node(45, [], {
      clock: 'request',
      gossipTuning: { topics: { 'contracts:deploy': { maxDataBytes: 1024 } } },
    });
    const counter = (name: string, b: number) =>
      codeToJson(
        codeFromJson({ engine: 'ccl', contract: { ...COUNTER, name, participants: [did(b)] } }),
      );
    for (const [i, name] of ['One', 'Two'].entries()) {
      const r = await post(quota, '/contracts', {
        code: counter(name, 44),
        capabilities: COUNTER_CAPS,
        at: 1_000_000 + i,
      });
      expect(r.status, r.text).toBe(200);
    }
    for (const [d, b] of [
      [quota, 44],
      [small, 45],
    ] as const) {
      const state = (await http(d.httpPort, 'GET', '/state')).json;
      const listed = (await http(d.httpPort, 'GET', '/contracts')).json;
      const entries = d.node.gossip.entries('contracts:deploy').length;
      for (let attempt = 0; attempt < 2; attempt++) {
        const r = await fetch(`http://127.0.0.1:${d.httpPort}/contracts`, {
          method: 'POST',
          body: JSON.stringify({
            code: counter('Three', b),
            capabilities: COUNTER_CAPS,
            at: 1_000_002,
          }),
          headers: { 'content-type': 'application/json' },
        });
        const body = (await r.json()) as Record<string, unknown>;
        if (d === quota) {
          // The window [960000, 1020000) ends 19998 ms after 1000002.
          expect([
            r.status,
            body.error,
            body.gossipReason,
            body.retryAfterMs,
            r.headers.get('retry-after'),
          ]).toEqual([429, 'NODE_PUBLISH_REFUSED', 'rate_limited', 19_998, '20']);
        } else {
          expect([r.status, body.error, body.gossipReason, r.headers.get('retry-after')]).toEqual([
            422,
            'NODE_PUBLISH_REFUSED',
            'too_large',
            null,
          ]);
          expect(String(body.reason)).toMatch(/too_large: .*bytes > 1024/);
        }
        expect((await http(d.httpPort, 'GET', '/state')).json).toEqual(state);
        expect((await http(d.httpPort, 'GET', '/contracts')).json).toEqual(listed);
        expect(d.node.gossip.entries('contracts:deploy')).toHaveLength(entries);
      }
    }
    const metrics = await http(quota.httpPort, 'GET', '/metrics');
    expect(metrics.text).toMatch(
      /icn_contract_deployments_publish_refused_total\{reason="rate_limited"\} 2/,
    );
    expect(metrics.text).toMatch(
      /icn_http_requests_total\{method="POST",route="\/contracts",status="429"\} 2/,
    );
    const later = await post(quota, '/contracts', {
      code: counter('Three', 44),
      capabilities: COUNTER_CAPS,
      at: 1_020_000,
    });
    expect(later.status, later.text).toBe(200);
    expect(
      ((await http(quota.httpPort, 'GET', '/contracts')).json.contracts as unknown[]).length,
    ).toBe(3);
    expect(quota.node.gossip.entries('contracts:deploy')).toHaveLength(3);
  });

  it('--clock request: a deployment is stamped with `at`; a call is judged against `at`', async () => {
    const a = await node(39, [], { clock: 'request' });
    const code = contract('calculator', [did(39)]);
    const dep = await post(a, '/contracts', { code: codeToJson(code), at: 1_000_000 });
    expect(dep.status, dep.text).toBe(200);
    expect(
      (dep.json.message as { installation: { installedAt: string } }).installation.installedAt,
    ).toBe('1000000');
    const h = codeHash(code);
    const ok = await post(a, `/contracts/${h}/execute`, {
      ...signed(39, h, 'add', [{ Int: 1 }, { Int: 2 }], 1_000_100n),
      at: 1_000_100,
    });
    expect(ok.status, ok.text).toBe(200);
    const stale = await post(a, `/contracts/${h}/execute`, {
      ...signed(39, h, 'add', [{ Int: 1 }, { Int: 2 }], 1_000_100n, 'x'),
      at: 2_000_000,
    });
    expect([stale.status, stale.json.error]).toEqual([400, 'CALL_STALE']);
  });

  it("the runtime keeps only a few witnesses in memory; every executed receipt's witness is served from the log and replays", async () => {
    const a = await node(33);
    const code = contract('counter', [did(33)]);
    const h = codeHash(code);
    const dep = await post(a, '/contracts', { code: codeToJson(code), capabilities: COUNTER_CAPS });
    expect(dep.status, dep.text).toBe(200);
    const n = DAEMON_CONTRACT_CONFIG.maxWitnesses + 4;
    const receipts: { hash: string; receipt: unknown }[] = [];
    for (let i = 0; i < n; i++) {
      const r = await post(
        a,
        `/contracts/${h}/execute`,
        signed(33, h, 'bump', [{ Int: 1 }], BigInt(Date.now()), `w-${i}`),
      );
      expect(r.status, r.text).toBe(200);
      receipts.push({ hash: r.json.receiptHash as string, receipt: r.json.receipt });
    }
    for (const { hash, receipt } of [receipts[0]!, receipts[n - 1]!]) {
      const w = await http(a.httpPort, 'GET', `/receipts/${hash}/witness`);
      expect(w.status, w.text).toBe(200);
      expect(
        (await replayReceipt(witnessFromJson(w.json.witness), receiptFromJson(receipt as never)))
          .ok,
      ).toBe(true);
    }
  });

  it('kill -9 and restart keeps every acknowledged execution (contract state and receipts)', async () => {
    const BIN = resolve(repo, 'bin/icn-node.js');
    const dataDir = tmp();
    const start = () => {
      const c = spawn(
        process.execPath,
        [
          BIN,
          '--data-dir',
          dataDir,
          '--key-seed',
          enc.bytes(seed(40)),
          '--gossip',
          '127.0.0.1:0',
          '--http',
          '127.0.0.1:0',
          '--tick-ms',
          '50',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(c);
      return new Promise<{ c: ChildProcess; port: number; out: () => string }>((res, rej) => {
        let out = '';
        c.stdout!.on('data', (d) => {
          out += d;
          const m = /listening .* http=127\.0\.0\.1:(\d+)/.exec(out);
          if (m) res({ c, port: Number(m[1]), out: () => out });
        });
        c.once('exit', (code) => rej(new Error(`icn-node exited ${code}: ${out}`)));
      });
    };
    const first = await start();
    const code = contract('counter', [did(40), did(41)]);
    const h = codeHash(code);
    const body = installationBody({
      code,
      deployer: did(40),
      capabilities: parseCapabilities(COUNTER_CAPS),
      installedAt: 7n,
    });
    const dep = await http(
      first.port,
      'POST',
      '/contracts',
      JSON.stringify({
        code: codeToJson(code),
        capabilities: COUNTER_CAPS,
        installedAt: '7',
        signatures: [signInstallation(body, key(41))],
      }),
    );
    expect(dep.status, dep.text).toBe(200);
    const hashes: string[] = [];
    const initial = (await http(first.port, 'GET', `/contracts/${h}`)).json.stateRoot;
    for (const n of [3, 4, 5]) {
      const r = await http(
        first.port,
        'POST',
        `/contracts/${h}/execute`,
        JSON.stringify(signed(41, h, 'bump', [{ Int: n }], BigInt(Date.now()), '', 40)),
      );
      expect(r.status, r.text).toBe(200);
      hashes.push(r.json.receiptHash as string);
    }
    const state = (await http(first.port, 'GET', '/state')).json;
    const contractState = (await http(first.port, 'GET', `/contracts/${h}`)).json.stateRoot;
    expect(contractState).not.toBe(initial);
    first.c.kill('SIGKILL');
    await new Promise((r) => first.c.once('exit', r));
    const second = await start();
    expect(second.out()).toMatch(/contracts: 3 logged execution\(s\) \(receipts\)\n/);
    expect((await http(second.port, 'GET', '/state')).json).toEqual(state);
    expect((await http(second.port, 'GET', `/contracts/${h}`)).json.stateRoot).toBe(contractState);
    expect((await http(second.port, 'GET', '/receipts')).json).toEqual({
      count: 3,
      receipts: hashes,
    });
    // the witnesses were logged with the receipts: an auditor can still replay them (icnctl receipt verify)
    for (const rh of hashes)
      expect((await http(second.port, 'GET', `/receipts/${rh}/witness`)).json.witness.rule).toBe(
        'bump',
      );
    second.c.kill('SIGTERM');
    expect(await new Promise((r) => second.c.once('exit', r))).toBe(0);
  });
});
