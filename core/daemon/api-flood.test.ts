/**
 * A bounded flood of requests on loopback against one daemon: valid reads and executions mixed
 * with every kind of bad input, many in flight at once. The daemon must answer each one (no 5xx,
 * no dropped connection), stay healthy, and end with the state the valid requests alone give.
 * Throughput is printed as a figure, never asserted (DEVELOPERS.md: no timed assertions).
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { valueFromJson } from '../ccl/index.js';
import { codeFromJson, codeHash, codeToJson, stateRoot } from '../contracts/index.js';
import { Keypair } from '../identity/index.js';
import { makeCall, signCall } from './contract-call.js';
import { startDaemon, type RunningDaemon } from './daemon.js';
import { COUNTER } from './daemon.fixtures.js';

/** Valid executions stay under gossip's per-author quota on ledger:entries (256 per 60 s): each one is a record. */
const TOTAL = 2000;
const IN_FLIGHT = 64;
const BODY_LIMIT = 16 * 1024;

let d: RunningDaemon | undefined;
afterAll(async () => d?.stop());

/** One request over a fresh connection (node:http, so oversize bodies really are sent). */
function send(
  port: number,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers:
          body === undefined
            ? {}
            : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(-1));
      },
    );
    // The server may answer 413 and close before the whole oversize body is written: the status counts.
    req.on('error', () => resolve(-1));
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

describe('icn-node API under a bounded flood', () => {
  it(`${TOTAL} mixed requests, ${IN_FLIGHT} in flight: every one answered, no 5xx, state as the valid ones leave it`, async () => {
    const kp = Keypair.fromSeed(new Uint8Array(32).fill(51));
    d = await startDaemon({
      dataDir: mkdtempSync(join(tmpdir(), 'icn-flood-')),
      keySeed: new Uint8Array(32).fill(51),
      gossip: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      peers: [],
      tickMs: 50,
      bodyLimit: BODY_LIMIT,
    });
    const port = d.httpPort;
    const counter = codeFromJson({
      engine: 'ccl',
      contract: { ...COUNTER, participants: [kp.did.toString()] },
    });
    const h = codeHash(counter);
    expect(
      await send(
        port,
        'POST',
        '/contracts',
        JSON.stringify({
          code: codeToJson(counter),
          capabilities: [{ ReadState: { keys: ['count'] } }, { WriteState: { keys: ['count'] } }],
        }),
      ),
    ).toBe(200);
    const now = BigInt(Date.now());
    const missing = `sha256:${'0'.repeat(64)}` as typeof h;
    const call = (i: number, on = h) =>
      JSON.stringify(
        signCall(
          makeCall({
            codeHash: on,
            rule: 'bump',
            args: [valueFromJson({ Int: 1 })],
            caller: kp.did.toString(),
            executor: kp.did.toString(),
            timestamp: now,
            nonce: `flood-${i}`,
          }),
          kp,
        ),
      );
    const forged = (i: number) => {
      const c = JSON.parse(call(i)) as { call: { nonce: string }; signature: string };
      c.call.nonce = `forged-${i}`;
      return JSON.stringify(c);
    };
    const huge = JSON.stringify({ code: 'x'.repeat(BODY_LIMIT + 10) });
    const validExecs = new Set<number>();
    const kinds = [
      (_i: number) => send(port, 'GET', '/state'),
      (_i: number) => send(port, 'GET', '/health'),
      (i: number) => {
        validExecs.add(i);
        return send(port, 'POST', `/contracts/${h}/execute`, call(i));
      },
      (_i: number) => send(port, 'POST', '/contracts', '{"code": [1, 2'),
      (_i: number) => send(port, 'POST', '/contracts', huge),
      (i: number) => send(port, 'POST', `/contracts/${h}/execute`, forged(i)),
      (i: number) => send(port, 'POST', `/contracts/${missing}/execute`, call(i, missing)),
      (_i: number) => send(port, 'POST', '/trust', '{"to": 1}', 'text/plain'),
      (_i: number) => send(port, 'DELETE', '/state'),
      (_i: number) => send(port, 'GET', '/%zz/nope'),
      (_i: number) => send(port, 'GET', '/metrics'),
    ];
    const statuses = new Map<number, number>();
    let next = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < TOTAL) {
          const i = next++;
          const s = await kinds[i % kinds.length]!(i);
          statuses.set(s, (statuses.get(s) ?? 0) + 1);
        }
      }),
    );
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const figure = [...statuses.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    console.log(
      `api flood: ${TOTAL} requests, ${IN_FLIGHT} in flight, ${ms.toFixed(0)} ms, ${((TOTAL * 1000) / ms).toFixed(0)} requests/s; statuses ${figure}`,
    );

    expect(
      [...statuses.keys()].filter((s) => s >= 500 || s <= 0),
      figure,
    ).toEqual([]);
    const per = TOTAL / kinds.length;
    // every bad request got its 4xx; every valid one its 200
    for (const [s, min] of [
      [400, per - 1],
      [413, per - 1],
      [401, per - 1],
      [404, 2 * per - 2],
      [415, per - 1],
      [405, per - 1],
    ] as const)
      expect(statuses.get(s) ?? 0, `${s} in ${figure}`).toBeGreaterThanOrEqual(min);
    expect(statuses.get(200), figure).toBe(
      4 * Math.floor(TOTAL / kinds.length) +
        [0, 1, 2, 10].filter((k) => k < TOTAL % kinds.length).length,
    );
    // the daemon is healthy and the counter holds exactly the valid executions
    expect(await send(port, 'GET', '/health')).toBe(200);
    const receipts = (await (await fetch(`http://127.0.0.1:${port}/receipts`)).json()) as {
      count: number;
    };
    expect(receipts.count).toBe(validExecs.size);
    // the contract's state is exactly the acknowledged executions' (1 each), nothing from a refused request
    const c = (await (await fetch(`http://127.0.0.1:${port}/contracts/${h}`)).json()) as {
      stateRoot: string;
    };
    expect(c.stateRoot).toBe(
      stateRoot(h, new Map([['count', valueFromJson({ Int: validExecs.size })]])),
    );
    const state = d.node.stateRoot();
    const again = await send(port, 'POST', `/contracts/${h}/execute`, call(2));
    expect(again).toBe(409); // a replay of an executed call changes nothing
    expect(d.node.stateRoot()).toBe(state);
  }, 120_000);
});
