/**
 * icnctl's client and files against a stand-in HTTP server (what no real node does on purpose:
 * a receipt without its witness, a 500, an answer that is not JSON) and key files on disk.
 */
import { createServer, type Server } from 'node:http';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseStrictJson } from '../canonical/index.js';
import { loadContract, parseArgs } from '../ccl/index.js';
import {
  ContractActor,
  InMemoryLedger,
  keyFromByte,
  receiptHash,
  receiptToJson,
  TableTrust,
} from '../contracts/index.js';
import { ManualClock } from '../runtime/index.js';
import { NodeClient } from './client.js';
import { CtlError, EXIT, exitFor } from './errors.js';
import { loadKey, newKey } from './keyfile.js';
import { fetchReceipt, verifyFetched } from './receipts.js';
import { readCode } from './deploy.js';
import { main } from './main.js';

const repo = resolve(import.meta.dirname, '../..');
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function serve(routes: Record<string, [number, string]>): Promise<string> {
  const s = createServer((req, res) => {
    const [status, body] = routes[req.url ?? ''] ?? [
      404,
      JSON.stringify({ error: 'HTTP_NOT_FOUND', reason: `no route ${req.url}` }),
    ];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

/** Calculator.add(5, 3), signed by key 0x01, with its witness. */
async function calculatorRun() {
  const alice = keyFromByte(1);
  const code = {
    engine: 'ccl' as const,
    contract: loadContract(
      parseStrictJson(readFileSync(join(repo, 'contracts/calculator.json'), 'utf8'), 'calculator'),
    ),
  };
  const actor = new ContractActor({
    identity: alice,
    trust: new TableTrust(),
    ledger: new InMemoryLedger(),
    clock: new ManualClock(1_000),
    config: {},
  });
  const d = actor.deploy(code, {
    capabilities: [],
    minCallerTrustPpm: null,
    installedAt: 1n,
    previous: null,
    signatures: [],
  });
  if (!d.result.accepted) throw new Error('not deployed');
  const receipt = await actor.execute({
    codeHash: d.result.codeHash,
    rule: 'add',
    args: parseArgs([5, 3]),
    caller: alice.did.toString(),
    timestamp: 2n,
  });
  return {
    receipt: receiptToJson(receipt),
    hash: receiptHash(receipt),
    witness: actor.runtime.witness(receipt.witness)!,
  };
}

const failure = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as CtlError,
  );

describe('icnctl client', () => {
  it('a node that serves a receipt without its witness: fetch works, verification is a clear error', async () => {
    const run = await calculatorRun();
    const url = await serve({
      [`/receipts/${run.hash}`]: [
        200,
        JSON.stringify({
          receiptHash: run.hash,
          source: 'executed',
          witnessAvailable: false,
          receipt: run.receipt,
        }),
      ],
    });
    const client = new NodeClient(url);
    expect((await fetchReceipt(client, run.hash, false)).witness).toBeNull();
    const e = await failure(fetchReceipt(client, run.hash, true));
    expect([e?.code, e && exitFor(e), e?.message]).toEqual([
      'CTL_NO_WITNESS',
      EXIT.usage,
      `${url} serves receipt ${run.hash} without its witness bundle: it cannot be re-executed (ask the node that executed it)`,
    ]);
  });

  it('verifies what a node hands over: REPRODUCED, and MISMATCH for a receipt the witness does not give', async () => {
    const run = await calculatorRun();
    const good = {
      receiptHash: run.hash,
      source: 'executed',
      receipt: run.receipt,
      witness: run.witness as never,
    };
    expect(await verifyFetched(good)).toEqual({
      verdict: 'REPRODUCED',
      receiptHash: run.hash,
      mismatches: [],
      value: { Int: '8' },
    });
    const other = { ...run.witness, args: [{ Int: '6' }, { Int: '3' }] };
    const bad = await verifyFetched({ ...good, witness: other as never });
    expect(bad.verdict).toBe('MISMATCH');
    expect(bad.mismatches.map((m) => m.field)).toContain('witness');
    // a node answering for one hash with another receipt is caught before anything is trusted
    const url = await serve({
      [`/receipts/sha256:${'a'.repeat(64)}`]: [200, JSON.stringify({ receipt: run.receipt })],
    });
    expect(
      (await failure(fetchReceipt(new NodeClient(url), `sha256:${'a'.repeat(64)}`, false)))?.code,
    ).toBe('CTL_RECEIPT_HASH');
  });

  it("names the URL and what failed: the node's code and reason, a 5xx as a fault, an answer that is not icn-node's", async () => {
    const url = await serve({
      '/contracts': [500, JSON.stringify({ error: 'INTERNAL', reason: 'internal error (logged)' })],
      '/status': [200, '<html>hello</html>'],
      '/health': [200, JSON.stringify({ status: 'ok', links: 3 })],
    });
    const c = new NodeClient(`${url}/`);
    const e404 = await failure(c.get('/nope'));
    expect([e404 && exitFor(e404), e404?.message]).toEqual([
      EXIT.usage,
      `GET ${url}/nope: HTTP 404 HTTP_NOT_FOUND: no route /nope`,
    ]);
    expect(exitFor(await failure(c.get('/contracts')))).toBe(EXIT.fault);
    expect((await failure(c.get('/status')))?.message).toBe(
      `${url}/status: HTTP 200, and the answer is not JSON: is ${url} an icn-node HTTP API?`,
    );
    // another JSON service: its answer lacks what icn-node answers
    expect((await failure(c.get('/health', { did: 'string' })))?.message).toBe(
      `${url}/health: the answer has no string "did" (undefined): is ${url} an icn-node HTTP API of this version?`,
    );
    expect((await failure(c.get('/health', { status: 'string', links: 'array' })))?.code).toBe(
      'CTL_NOT_A_NODE',
    );
    expect(await c.get('/health', { status: 'string', links: 'number' })).toEqual({
      status: 'ok',
      links: 3,
    });
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
      expect([e?.code, e && exitFor(e), e?.message.includes('\n')]).toEqual([
        'CTL_KEY',
        EXIT.usage,
        false,
      ]);
      return e!.message;
    };
    expect(bad('a.json', 'not json')).toMatch(/not an icnctl key file \(not JSON/);
    expect(bad('b.json', '{"format":"icn-key/v1","did":"x","seed":"zz"}')).toMatch(
      /"seed" must be 64 lowercase hex/,
    );
    expect(bad('c.json', `{"format":"icn-key/v1","did":"x","seed":"${'11'.repeat(32)}"}`)).toMatch(
      /the seed gives did:icn:\S+, not the DID the file names/,
    );
    expect(bad('d.json', '{"format":"icn-key/v1"}', 0o640)).toMatch(
      /permissions 640 let others read the key; chmod 600/,
    );
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
    expect(() => loadKey(join(dir, 'none.json'))).toThrow(/no such file/);
  });
});

/** Ports fetch() refuses as "bad ports" (X11, IRC, Amanda): the first one free here. */
async function badPortServer(): Promise<string | null> {
  for (const port of [6000, 6665, 6666, 6667, 6668, 6669, 10080]) {
    const s = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ did: 'did:icn:x' })),
    );
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.listen(port, '127.0.0.1', () => r(true));
    });
    if (ok) {
      servers.push(s);
      return `http://127.0.0.1:${port}`;
    }
  }
  return null;
}

/** icnctl in this process: its exit code and what it wrote. */
async function icnctl(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c) => ((stdout += String(c)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c) => ((stderr += String(c)), true));
  const before = process.exitCode;
  try {
    await main(['node', 'icnctl', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

describe('icnctl review fixes', () => {
  it('talks to a node on a port fetch() refuses (6000, 6665-6669, 10080)', async () => {
    const url = await badPortServer();
    expect(url, 'no bad port free on this machine').not.toBeNull();
    expect(await new NodeClient(url!).get('/status', { did: 'string' })).toEqual({
      did: 'did:icn:x',
    });
  });

  it('https:// against a plain HTTP port: one line saying the answer is not TLS', async () => {
    const url = await serve({ '/status': [200, '{}'] });
    const e = await failure(new NodeClient(url.replace('http:', 'https:')).get('/status'));
    expect([e?.code, e && exitFor(e)]).toEqual(['CTL_NODE_UNREACHABLE', EXIT.usage]);
    expect(e?.message).toMatch(
      /^cannot reach the node at https:\/\/127\.0\.0\.1:\d+: the node answered something that is not TLS \(use http:\/\/\)/,
    );
    expect(e?.message).not.toMatch(/SSL routines|\n/);
  });

  it('--key DIR says it is a directory, not a permission problem', () => {
    const d = mkdtempSync(join(tmpdir(), 'icnctl-dir-'));
    try {
      expect(() => loadKey(d)).toThrow(new RegExp(`key file ${d}: is a directory, not a key file`));
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('--json: an error is also one JSON document on stdout; stderr and the exit code stay', async () => {
    const r = await icnctl(
      '--json',
      'key',
      'show',
      '--key',
      join(tmpdir(), 'icnctl-no-such-key.json'),
    );
    expect(r.code).toBe(EXIT.usage);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'CTL_KEY',
        message: expect.stringMatching(/icnctl-no-such-key\.json: no such file/),
      },
    });
    expect(r.stderr).toMatch(/^icnctl key show: error: key file \S+: no such file[^\n]*\n$/);
    const usage = await icnctl('--json', 'contract', 'execute', 'sha256:x');
    expect([usage.code, JSON.parse(usage.stdout)]).toEqual([
      EXIT.usage,
      { error: { code: 'CTL_USAGE', message: "missing required argument 'rule'" } },
    ]);
  });

  it('execute --executor DID signs a call for that node; a node that is not it refuses: one line naming the executor, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'icnctl-exec-'));
    const keyFile = join(dir, 'k.json');
    newKey(keyFile, false);
    const first = keyFromByte(7).did.toString();
    const self = keyFromByte(8).did.toString();
    const seen: string[] = [];
    const bodies: string[] = [];
    const s = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.url === '/status') return res.writeHead(200).end(JSON.stringify({ did: self }));
        bodies.push(body);
        const ex = JSON.parse(body).call.executor as string;
        seen.push(ex);
        res.writeHead(421).end(
          JSON.stringify({
            error: 'CALL_WRONG_EXECUTOR',
            reason: `call sha256:… names ${ex} as its executor, this node is ${self}; send it there`,
          }),
        );
      });
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
    try {
      const r = await icnctl(
        '--node',
        url,
        'contract',
        'execute',
        `sha256:${'b'.repeat(64)}`,
        'bump',
        '[1]',
        '--key',
        keyFile,
        '--nonce',
        'r1',
        '--timestamp',
        '1000',
        '--executor',
        first,
        '--call-out',
        join(dir, 'call.json'),
      );
      expect(seen).toEqual([first]);
      // --call resends the saved call byte for byte (no key needed); another contract or rule is refused here
      const again = await icnctl(
        '--node',
        url,
        'contract',
        'execute',
        `sha256:${'b'.repeat(64)}`,
        'bump',
        '--call',
        join(dir, 'call.json'),
      );
      expect([again.code, bodies.length, bodies[1]]).toEqual([EXIT.usage, 2, bodies[0]]);
      expect(
        (
          await icnctl(
            '--node',
            url,
            'contract',
            'execute',
            `sha256:${'b'.repeat(64)}`,
            'add',
            '--call',
            join(dir, 'call.json'),
          )
        ).stderr,
      ).toMatch(/call file \S+ is a call of bump on sha256:b+, not of add on/);
      writeFileSync(
        join(dir, 'bad.json'),
        JSON.stringify({ ...JSON.parse(bodies[0]!), signature: '00'.repeat(64) }),
      );
      expect(
        (
          await icnctl(
            '--node',
            url,
            'contract',
            'execute',
            `sha256:${'b'.repeat(64)}`,
            'bump',
            '--call',
            join(dir, 'bad.json'),
          )
        ).stderr,
      ).toMatch(/^icnctl contract execute: error: call file \S+bad\.json: /);
      expect(bodies.length).toBe(2);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toBe(
        `icnctl contract execute: error: ${url} refused the call: it is not this node's call (it names ${first} as its executor; only that node may run it)\n`,
      );
      expect(
        (
          await icnctl(
            '--node',
            url,
            'contract',
            'execute',
            `sha256:${'b'.repeat(64)}`,
            'bump',
            '[1]',
            '--key',
            keyFile,
            '--executor',
            'nobody',
          )
        ).stderr,
      ).toMatch(/--executor "nobody": not a DID/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("deploy --participant replaces the file's participants before the code is hashed", () => {
    const file = join(repo, 'contracts/calculator.json');
    const self = keyFromByte(9).did.toString();
    const original = readCode(file);
    const mine = readCode(file, [self]);
    expect(mine.engine === 'ccl' && mine.contract.participants).toEqual([self]);
    expect(original.engine === 'ccl' && original.contract.participants).toEqual([
      'did:icn:zAKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9',
    ]);
  });
});
