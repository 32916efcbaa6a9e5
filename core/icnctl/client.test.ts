/**
 * icnctl's client and files against a stand-in HTTP server (what no real node does on purpose:
 * a receipt without its witness, a 500, an answer that is not JSON) and key files on disk.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseStrictJson } from '../canonical/index.js';
import { loadContract, parseArgs } from '../ccl/index.js';
import { ContractActor, InMemoryLedger, keyFromByte, receiptHash, receiptToJson, TableTrust } from '../contracts/index.js';
import { ManualClock } from '../runtime/index.js';
import { NodeClient } from './client.js';
import { CtlError, EXIT } from './errors.js';
import { loadKey, newKey } from './keyfile.js';
import { fetchReceipt, verifyFetched } from './receipts.js';

const repo = resolve(import.meta.dirname, '../..');
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function serve(routes: Record<string, [number, string]>): Promise<string> {
  const s = createServer((req, res) => {
    const [status, body] = routes[req.url ?? ''] ?? [404, JSON.stringify({ error: 'HTTP_NOT_FOUND', reason: `no route ${req.url}` })];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

/** Calculator.add(5, 3), signed by key 0x01, with its witness. */
async function calculatorRun() {
  const alice = keyFromByte(1);
  const code = { engine: 'ccl' as const, contract: loadContract(parseStrictJson(readFileSync(join(repo, 'contracts/calculator.json'), 'utf8'), 'calculator')) };
  const actor = new ContractActor({ identity: alice, trust: new TableTrust(), ledger: new InMemoryLedger(), clock: new ManualClock(1_000), config: {} });
  const d = actor.deploy(code, { capabilities: [], minCallerTrustPpm: null, installedAt: 1n, previous: null, signatures: [] });
  if (!d.result.accepted) throw new Error('not deployed');
  const receipt = await actor.execute({ codeHash: d.result.codeHash, rule: 'add', args: parseArgs([5, 3]), caller: alice.did.toString(), timestamp: 2n });
  return { receipt: receiptToJson(receipt), hash: receiptHash(receipt), witness: actor.runtime.witness(receipt.witness)! };
}

const failure = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as CtlError);

describe('icnctl client', () => {
  it('a node that serves a receipt without its witness: fetch works, verification is a clear error', async () => {
    const run = await calculatorRun();
    const url = await serve({
      [`/receipts/${run.hash}`]: [200, JSON.stringify({ receiptHash: run.hash, source: 'executed', witnessAvailable: false, receipt: run.receipt })],
    });
    const client = new NodeClient(url);
    expect((await fetchReceipt(client, run.hash, false)).witness).toBeNull();
    const e = await failure(fetchReceipt(client, run.hash, true));
    expect([e?.code, e?.exit, e?.message]).toEqual(['CTL_NO_WITNESS', EXIT.usage, `${url} serves receipt ${run.hash} without its witness bundle: it cannot be re-executed (ask the node that executed it)`]);
  });

  it('verifies what a node hands over: REPRODUCED, and MISMATCH for a receipt the witness does not give', async () => {
    const run = await calculatorRun();
    const good = { receiptHash: run.hash, source: 'executed', receipt: run.receipt, witness: run.witness as never };
    expect(await verifyFetched(good)).toEqual({ verdict: 'REPRODUCED', receiptHash: run.hash, mismatches: [], value: { Int: '8' } });
    const other = { ...run.witness, args: [{ Int: '6' }, { Int: '3' }] };
    const bad = await verifyFetched({ ...good, witness: other as never });
    expect(bad.verdict).toBe('MISMATCH');
    expect(bad.mismatches.map((m) => m.field)).toContain('witness');
    // a node answering for one hash with another receipt is caught before anything is trusted
    const url = await serve({ [`/receipts/sha256:${'a'.repeat(64)}`]: [200, JSON.stringify({ receipt: run.receipt })] });
    expect((await failure(fetchReceipt(new NodeClient(url), `sha256:${'a'.repeat(64)}`, false)))?.code).toBe('CTL_RECEIPT_HASH');
  });

  it("names the URL and what failed: the node's code and reason, a 5xx as a fault, an answer that is not icn-node's", async () => {
    const url = await serve({
      '/contracts': [500, JSON.stringify({ error: 'INTERNAL', reason: 'internal error (logged)' })],
      '/status': [200, '<html>hello</html>'],
      '/health': [200, JSON.stringify({ status: 'ok', links: 3 })],
    });
    const c = new NodeClient(`${url}/`);
    const e404 = await failure(c.get('/nope'));
    expect([e404?.exit, e404?.message]).toEqual([EXIT.usage, `GET ${url}/nope: HTTP 404 HTTP_NOT_FOUND: no route /nope`]);
    expect((await failure(c.get('/contracts')))?.exit).toBe(EXIT.fault);
    expect((await failure(c.get('/status')))?.message).toBe(`${url}/status: HTTP 200, and the answer is not JSON: is ${url} an icn-node HTTP API?`);
    // another JSON service: its answer lacks what icn-node answers
    expect((await failure(c.get('/health', { did: 'string' })))?.message).toBe(`${url}/health: the answer has no string "did" (undefined): is ${url} an icn-node HTTP API of this version?`);
    expect((await failure(c.get('/health', { status: 'string', links: 'array' })))?.code).toBe('CTL_NOT_A_NODE');
    expect(await c.get('/health', { status: 'string', links: 'number' })).toEqual({ status: 'ok', links: 3 });
    expect(() => new NodeClient('ftp://x')).toThrow(/expected an http/);
  });
});

describe('icnctl key files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'icnctl-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('new writes 0600 atomically and never replaces without force; load round-trips', () => {
    const f = join(dir, 'sub', 'k.json');
    const kp = newKey(f, false);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(loadKey(f).did.toString()).toBe(kp.did.toString());
    const before = readFileSync(f, 'utf8');
    expect(() => newKey(f, false)).toThrow(/already exists \(pass --force/);
    expect(readFileSync(f, 'utf8')).toBe(before);
    const replaced = newKey(f, true);
    expect(replaced.did.toString()).not.toBe(kp.did.toString());
    expect(loadKey(f).did.toString()).toBe(replaced.did.toString());
    expect(readdirSync(join(dir, 'sub'))).toEqual(['k.json']); // no temp file left behind
  });

  it('refuses what is not ours, each with one line', () => {
    const bad = (name: string, text: string, mode = 0o600) => {
      const p = join(dir, name);
      writeFileSync(p, text, { mode });
      const e = (() => {
        try {
          loadKey(p);
        } catch (x) {
          return x as CtlError;
        }
      })();
      expect([e?.code, e?.exit, e?.message.includes('\n')]).toEqual(['CTL_KEY', EXIT.usage, false]);
      return e!.message;
    };
    expect(bad('a.json', 'not json')).toMatch(/not an icnctl key file \(not JSON/);
    expect(bad('b.json', '{"format":"icn-key/v1","did":"x","seed":"zz"}')).toMatch(/"seed" must be 64 lowercase hex/);
    expect(bad('c.json', `{"format":"icn-key/v1","did":"x","seed":"${'11'.repeat(32)}"}`)).toMatch(/the seed gives did:icn:\S+, not the DID the file names/);
    expect(bad('d.json', '{"format":"icn-key/v1"}', 0o640)).toMatch(/permissions 640 let others read the key; chmod 600/);
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
    expect(() => loadKey(join(dir, 'none.json'))).toThrow(/no such file/);
  });
});
