/**
 * The routes icnctl needs: GET /status, a receipt's witness (own executions: from the execution
 * log, so it survives a restart; executions adopted from gossip: from the record), and ledger
 * entries by id.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { valueFromJson } from '../ccl/index.js';
import {
  codeFromJson,
  codeHash,
  codeToJson,
  receiptFromJson,
  replayReceipt,
  witnessFromJson,
} from '../contracts/index.js';
import { TOPICS } from '../gossip/index.js';
import { Keypair } from '../identity/index.js';
import { checkEntry } from '../ledger/index.js';
import { makeCall, signCall } from './contract-call.js';
import { daemonFixture, http, seed, until, COUNTER, COUNTER_CAPS } from './daemon.fixtures.js';
import { NODE_VERSION } from './version.js';

const repo = resolve(import.meta.dirname, '../..');
const fx = daemonFixture('icn-operator-api-', { bodyLimit: 64 * 1024 });
const did = (b: number) => Keypair.fromSeed(seed(b)).did.toString();
describe('icn-node operator routes', () => {
  it('NODE_VERSION is package.json version', () => {
    expect(NODE_VERSION).toBe(
      JSON.parse(readFileSync(resolve(repo, 'package.json'), 'utf8')).version,
    );
  });

  it('/status, witnesses of own and adopted executions, ledger entries by id', async () => {
    const a = await fx.start(51);
    const b = await fx.start(52, [`127.0.0.1:${a.gossipPort}`]);
    await until(
      async () => ((await http(a.httpPort, 'GET', '/status')).json.links as unknown[]).length === 1,
    );
    const st = (await http(b.httpPort, 'GET', '/status')).json;
    expect(st).toMatchObject({
      did: did(52),
      version: NODE_VERSION,
      stateRoot: b.node.stateRoot(),
      dialing: [`127.0.0.1:${a.gossipPort}`],
      contracts: 0,
      receipts: 0,
      ledger: { entries: 0, heads: [] },
    });
    expect(st.links).toEqual([
      expect.objectContaining({
        did: did(51),
        direction: 'dialed',
        address: `127.0.0.1:${a.gossipPort}`,
        blocked: false,
      }),
    ]);
    expect(Object.keys(st.topics)).toEqual([...TOPICS]);
    expect(st.components.contracts).toMatch(/^sha256:/);
    for (const [x, y] of [
      [a, 52],
      [b, 51],
    ] as const)
      expect(
        (
          await http(
            x.httpPort,
            'POST',
            '/trust',
            JSON.stringify({ to: did(y), scorePpm: 600_000 }),
          )
        ).status,
      ).toBe(200);

    const code = codeFromJson({ engine: 'ccl', contract: { ...COUNTER, participants: [did(51)] } });
    const h = codeHash(code);
    expect(
      (
        await http(
          a.httpPort,
          'POST',
          '/contracts',
          JSON.stringify({
            code: codeToJson(code),
            capabilities: COUNTER_CAPS,
            minCallerTrustPpm: 0,
          }),
        )
      ).status,
    ).toBe(200);
    await until(async () => (await http(b.httpPort, 'GET', `/contracts/${h}`)).status === 200);
    const caller = Keypair.fromSeed(seed(53));
    // (a variable, not a literal: with a call format that names its executor, b's DID goes in)
    const fields = {
      codeHash: h,
      rule: 'bump',
      args: [valueFromJson({ Int: 4 })],
      caller: caller.did.toString(),
      executor: did(52),
      timestamp: BigInt(Date.now()),
    };
    const call = signCall(makeCall(fields), caller);
    const ex = await http(b.httpPort, 'POST', `/contracts/${h}/execute`, JSON.stringify(call));
    expect(ex.status, ex.text).toBe(200);
    const rh = ex.json.receiptHash as string;
    // b executed it: the receipt and the witness it names, which re-executes to the receipt
    const own = await http(b.httpPort, 'GET', `/receipts/${rh}`);
    expect([own.json.source, own.json.witnessAvailable]).toEqual(['executed', true]);
    const w = (await http(b.httpPort, 'GET', `/receipts/${rh}/witness`)).json.witness;
    expect((await replayReceipt(witnessFromJson(w), receiptFromJson(own.json.receipt))).ok).toBe(
      true,
    );
    // a adopted it from gossip: the same receipt and witness
    await until(async () => (await http(a.httpPort, 'GET', `/receipts/${rh}`)).status === 200);
    const adopted = await http(a.httpPort, 'GET', `/receipts/${rh}`);
    expect([adopted.json.source, adopted.json.receipt]).toEqual(['adopted', own.json.receipt]);
    expect((await http(a.httpPort, 'GET', `/receipts/${rh}/witness`)).json.witness).toEqual(w);
    expect((await http(a.httpPort, 'GET', '/status')).json.receipts).toBe(0); // none executed on a

    const zero = `sha256:${'0'.repeat(64)}`;
    for (const [p, status, code] of [
      [`/receipts/${zero}/witness`, 404, 'RECEIPT_NOT_FOUND'],
      [`/ledger/entries/${zero}`, 404, 'LEDGER_ENTRY_NOT_FOUND'],
      ['/ledger/entries/nope', 400, 'HTTP_FIELD'],
      ['/receipts/nope/witness', 400, 'HTTP_FIELD'],
    ] as const) {
      const r = await http(a.httpPort, 'GET', p);
      expect([p, r.status, r.json.error]).toEqual([p, status, code]);
    }
    const entry = await http(
      a.httpPort,
      'POST',
      '/ledger/entries',
      JSON.stringify({
        accounts: [
          { account_id: did(51), currency: 'hours', debit: '0', credit: null },
          { account_id: did(52), currency: 'hours', debit: null, credit: '0' },
        ],
      }),
    );
    expect(entry.status, entry.text).toBe(200);
    const id = checkEntry(entry.json, false).id;
    const got = await http(a.httpPort, 'GET', `/ledger/entries/${id}`);
    expect([got.status, got.json.id, got.json.entry]).toEqual([200, id, entry.json]);
    expect((await http(a.httpPort, 'GET', '/ledger/heads')).json.heads).toContain(id);
  });
});
