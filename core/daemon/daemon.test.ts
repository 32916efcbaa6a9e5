import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Keypair } from '../identity/index.js';
import { startDaemon, type RunningDaemon } from './daemon.js';
import { daemonFixture, http, seed, until } from './daemon.fixtures.js';

const fx = daemonFixture('icn-daemon-', { bodyLimit: 4096 });
const { tmp, children } = fx;
const daemon = (b: number, peers: string[] = []) => fx.start(b, peers);

describe('icn-node daemon', () => {
  it('two daemons over TCP converge to one state root after a trust attestation', async () => {
    const a = await daemon(1);
    const b = await daemon(2, [`127.0.0.1:${a.gossipPort}`]);
    await until(async () => (await http(a.httpPort, 'GET', '/health')).json.peers.length === 1);
    const did2 = Keypair.fromSeed(seed(2)).did.toString();
    const r = await http(
      a.httpPort,
      'POST',
      '/trust',
      JSON.stringify({ to: did2, scorePpm: 600_000 }),
    );
    expect(r.status, r.text).toBe(200);
    await until(
      async () =>
        (await http(b.httpPort, 'GET', '/state')).json.root ===
          (await http(a.httpPort, 'GET', '/state')).json.root && b.node.trust.root() !== undefined,
    );
    expect(b.node.stateRoot()).toBe(a.node.stateRoot());
    const metrics = await http(b.httpPort, 'GET', '/metrics');
    expect(metrics.text).toMatch(
      /icn_gossip_entries_accepted_total\{topic="trust:attestations"\} 1/,
    );
  });

  it('bad input gets 4xx with a reason and changes nothing; a flood does not crash it', async () => {
    const a = await daemon(3);
    const before = a.node.stateRoot();
    const cases: [string, string, string | undefined, number, string][] = [
      ['POST', '/trust', '{"to": ', 400, 'HTTP_BAD_JSON'],
      ['POST', '/trust', JSON.stringify({ to: 'x'.repeat(5000) }), 413, 'HTTP_BODY_TOO_LARGE'],
      ['GET', '/nope', undefined, 404, 'HTTP_NOT_FOUND'],
      ['GET', '/trust', undefined, 405, 'HTTP_METHOD'],
      ['POST', '/trust', JSON.stringify({ to: 'did:icn:zNOPE', scorePpm: 1 }), 422, 'DID_SYNTAX'],
      [
        'POST',
        '/trust',
        JSON.stringify({ to: Keypair.fromSeed(seed(4)).did.toString(), scorePpm: 'high' }),
        400,
        'HTTP_FIELD',
      ],
      [
        'POST',
        '/ledger/entries',
        JSON.stringify({ accounts: [{ account_id: 'a', currency: 'h', debit: 5 }] }),
        400,
        'HTTP_FIELD',
      ],
      ['POST', '/trust', '{"a":1,"a":2}', 400, 'HTTP_BAD_JSON'],
    ];
    for (const [m, p, body, status, code] of cases) {
      const r = await http(a.httpPort, m, p, body);
      expect([p, r.status, r.json.error]).toEqual([p, status, code]);
      expect(r.json.reason.length).toBeGreaterThan(5);
    }
    expect(a.node.stateRoot()).toBe(before);
    // bounded flood on loopback: 400 requests, half malformed, 50 at a time
    const statuses: number[] = [];
    for (let wave = 0; wave < 8; wave++) {
      const rs = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 2 ? http(a.httpPort, 'GET', '/state') : http(a.httpPort, 'POST', '/trust', '{bad'),
        ),
      );
      statuses.push(...rs.map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 200).length).toBe(200);
    expect(statuses.filter((s) => s === 400).length).toBe(200);
    expect((await http(a.httpPort, 'GET', '/health')).status).toBe(200);
    expect(a.node.stateRoot()).toBe(before);
  });

  it('a port in use is a typed error naming the flag (exit 2 from the CLI), and nothing stays open', async () => {
    const a = await daemon(3);
    // the library form: the gossip port taken, then the HTTP port taken
    await expect(
      fx.start(4, [], { gossip: { host: '127.0.0.1', port: a.gossipPort } }),
    ).rejects.toMatchObject({
      code: 'DAEMON_LISTEN',
      message: expect.stringContaining(
        `--gossip 127.0.0.1:${a.gossipPort}: cannot listen: the address is already in use (EADDRINUSE)`,
      ),
    });
    const dataDir = tmp();
    await expect(
      startDaemon({
        dataDir,
        keySeed: seed(4),
        gossip: { host: '127.0.0.1', port: 0 },
        http: { host: '127.0.0.1', port: a.httpPort },
        peers: [],
        tickMs: 50,
        bodyLimit: 4096,
      }),
    ).rejects.toMatchObject({
      code: 'DAEMON_LISTEN',
      message: expect.stringContaining(`--http 127.0.0.1:${a.httpPort}`),
    });
    // the storage was closed: the same data dir opens again
    const again = await startDaemon({
      dataDir,
      keySeed: seed(4),
      gossip: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      peers: [],
      tickMs: 50,
      bodyLimit: 4096,
    });
    await again.stop();
    // the CLI: one line on stderr, exit 2
    const BIN = resolve(import.meta.dirname, '../../bin/icn-node.js');
    const c = spawn(
      process.execPath,
      [BIN, '--data-dir', tmp(), '--gossip', `127.0.0.1:${a.gossipPort}`, '--http', '127.0.0.1:0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(c);
    let err = '';
    c.stderr!.on('data', (d) => (err += d));
    const code = await new Promise((r) => c.once('close', r));
    expect([code, err.trim()]).toEqual([
      2,
      `icn-node: error: --gossip 127.0.0.1:${a.gossipPort}: cannot listen: the address is already in use (EADDRINUSE)`,
    ]);
  });

  it('an attestation past the quota is answered 429 NODE_PUBLISH_REFUSED with Retry-After, and changes nothing', async () => {
    const a = await fx.start(5, [], {
      clock: 'request',
      gossipTuning: {
        topics: { 'trust:attestations': { perAuthorPerWindow: 1, windowMs: 60_000 } },
      },
    });
    const to = (b: number) => Keypair.fromSeed(seed(b)).did.toString();
    const ok = await http(
      a.httpPort,
      'POST',
      '/trust',
      JSON.stringify({ to: to(6), scorePpm: 500_000, at: 1_000 }),
    );
    expect(ok.status, ok.text).toBe(200);
    const root = a.node.stateRoot();
    const r = await http(
      a.httpPort,
      'POST',
      '/trust',
      JSON.stringify({ to: to(7), scorePpm: 500_000, at: 2_000 }),
    );
    expect([
      r.status,
      r.json.error,
      r.json.gossipReason,
      r.json.retryAfterMs,
      r.headers.get('retry-after'),
    ]).toEqual([429, 'NODE_PUBLISH_REFUSED', 'rate_limited', 58_000, '58']);
    expect(a.node.stateRoot()).toBe(root);
    // the next window takes it
    expect(
      (
        await http(
          a.httpPort,
          'POST',
          '/trust',
          JSON.stringify({ to: to(7), scorePpm: 500_000, at: 60_000 }),
        )
      ).status,
    ).toBe(200);
  });

  it('kill -9 and restart loses no acknowledged entry', async () => {
    const BIN = resolve(import.meta.dirname, '../../bin/icn-node.js');
    const dataDir = tmp();
    const start = () => {
      const c = spawn(
        process.execPath,
        [
          BIN,
          '--data-dir',
          dataDir,
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
      return new Promise<{ c: ChildProcess; port: number }>((res, rej) => {
        let out = '';
        c.stdout!.on('data', (d) => {
          out += d;
          const m = /listening .* http=127\.0\.0\.1:(\d+)/.exec(out);
          if (m) res({ c, port: Number(m[1]) });
        });
        c.once('exit', (code) => rej(new Error(`icn-node exited ${code}: ${out}`)));
      });
    };
    const first = await start();
    const acked: string[] = [];
    for (let i = 5; i < 10; i++) {
      const r = await http(
        first.port,
        'POST',
        '/trust',
        JSON.stringify({
          to: Keypair.fromSeed(seed(i)).did.toString(),
          scorePpm: 100_000 * (i - 4),
        }),
      );
      expect(r.status, r.text).toBe(200);
      acked.push(r.text);
    }
    const rootBefore = (await http(first.port, 'GET', '/state')).json.root;
    const didBefore = (await http(first.port, 'GET', '/health')).json.did;
    first.c.kill('SIGKILL');
    await new Promise((r) => first.c.once('exit', r));
    const second = await start();
    expect((await http(second.port, 'GET', '/state')).json.root).toBe(rootBefore);
    // the identity created on first start (dataDir/identity.seed) is the one that comes back
    expect((await http(second.port, 'GET', '/health')).json.did).toBe(didBefore);
    expect(acked).toHaveLength(5);
    second.c.kill('SIGTERM');
    const code = await new Promise((r) => second.c.once('exit', r));
    expect(code).toBe(0);
  });
});

describe('icn-node daemon: scenario driver routes', () => {
  const node = (
    b: number,
    o: { clock?: 'system' | 'request'; admin?: boolean; defaultCreditLimit?: bigint } = {},
    peers: string[] = [],
  ) => fx.start(b, peers, o);
  const did = (b: number) => Keypair.fromSeed(seed(b)).did.toString();
  const post = (d: RunningDaemon, path: string, body: unknown) =>
    http(d.httpPort, 'POST', path, JSON.stringify(body));

  it('--clock request stamps what a step signs with its `at`; bad or backwards `at` changes nothing', async () => {
    const a = await node(11, { clock: 'request' });
    const t = 1_700_000_001_000;
    const att = await post(a, '/trust', { to: did(12), scorePpm: 500_000, at: t });
    expect(att.status, att.text).toBe(200);
    expect(JSON.stringify(att.json)).toContain(String(t));
    const e = await post(a, '/ledger/entries', {
      at: t + 5,
      accounts: [
        { account_id: a.node.id, currency: 'h', debit: '2' },
        { account_id: did(12), currency: 'h', credit: '2' },
      ],
    });
    expect(e.status, e.text).toBe(200);
    expect(e.json.timestamp).toBe(t + 5);
    const before = a.node.stateRoot();
    const bad: [unknown, number, string][] = [
      [{ to: did(13), scorePpm: 1, at: t }, 409, 'HTTP_CLOCK_BACKWARDS'],
      [{ to: did(13), scorePpm: 1 }, 400, 'HTTP_FIELD'],
      [{ to: did(13), scorePpm: 1, at: '1' }, 400, 'HTTP_FIELD'],
      // a fraction is not JSON ICN reads (strict reader: exact integer literals only)
      [{ to: did(13), scorePpm: 1, at: 1.5 }, 400, 'HTTP_BAD_JSON'],
    ];
    for (const [body, status, code] of bad) {
      const r = await post(a, '/trust', body);
      expect([r.status, r.json.error]).toEqual([status, code]);
    }
    expect(a.node.stateRoot()).toBe(before);
    // a step at the same ms as the previous one is fine (attest_all stamps many at one time)
    expect((await post(a, '/trust', { to: did(13), scorePpm: 1, at: t + 5 })).status).toBe(200);
    // the system clock refuses `at`
    const s = await node(14);
    const r = await post(s, '/trust', { to: did(13), scorePpm: 1, at: t });
    expect([r.status, r.json.error]).toEqual([400, 'HTTP_FIELD']);
  });

  it('explicit parents, /publish and /ledger/entries/:id; bad input is refused without a change', async () => {
    const a = await node(15, { clock: 'request', defaultCreditLimit: 10n });
    const first = await post(a, '/ledger/entries', {
      at: 10,
      accounts: [
        { account_id: a.node.id, currency: 'h', debit: '1' },
        { account_id: did(16), currency: 'h', credit: '1' },
      ],
      parents: [],
    });
    expect(first.status, first.text).toBe(200);
    const id = a.node.ledger.heads()[0]!;
    expect((await http(a.httpPort, 'GET', `/ledger/entries/${id}`)).json.present).toBe(true);
    // an id that is not a hash, and one this node does not hold
    expect((await http(a.httpPort, 'GET', '/ledger/entries/sha256:00')).json.error).toBe(
      'HTTP_FIELD',
    );
    const absent = await http(a.httpPort, 'GET', `/ledger/entries/sha256:${'0'.repeat(64)}`);
    expect([absent.status, absent.json.error]).toEqual([404, 'LEDGER_ENTRY_NOT_FOUND']);
    const second = await post(a, '/ledger/entries', {
      at: 20,
      accounts: [
        { account_id: a.node.id, currency: 'h', debit: '1' },
        { account_id: did(16), currency: 'h', credit: '1' },
      ],
      parents: [id],
    });
    expect(second.json.parents).toEqual([id]);
    const before = a.node.stateRoot();
    const cases: [string, unknown, number][] = [
      ['/ledger/entries', { at: 30, accounts: [], parents: 'x' }, 400],
      [
        '/ledger/entries',
        {
          at: 30,
          accounts: [{ account_id: a.node.id, currency: 'h', debit: '1' }],
          parents: ['not-a-hash'],
        },
        422,
      ],
      ['/publish', { at: 30, topic: 'nope', data: 1 }, 400],
      ['/publish', { at: 30, topic: 'ledger:entries' }, 400],
    ];
    for (const [p, body, status] of cases) {
      const r = await post(a, p, body);
      expect([p, r.status]).toEqual([p, status]);
      expect(r.json.reason.length).toBeGreaterThan(5);
    }
    expect(a.node.stateRoot()).toBe(before);
  });

  it('/admin/links cuts and restores links (only with --admin)', async () => {
    const plain = await node(17);
    const r = await post(plain, '/admin/links', { block: [] });
    expect([r.status, r.json.error]).toEqual([403, 'HTTP_FORBIDDEN']);
    const a = await node(18, { admin: true });
    const b = await node(19, { admin: true }, [`127.0.0.1:${a.gossipPort}`]);
    await until(
      () =>
        a.node.gossip !== undefined &&
        (b.node as unknown as { id: string }).id !== undefined &&
        a.httpPort > 0,
    );
    await until(async () => (await http(a.httpPort, 'GET', '/peers')).json.peers.length === 1);
    for (const body of [{ block: 'x' }, { block: [1] }, {}])
      expect((await post(a, '/admin/links', body)).status).toBe(400);
    expect((await post(a, '/admin/links', { block: ['did:icn:zNOPE'] })).status).toBe(422);
    expect((await http(a.httpPort, 'GET', '/admin/links')).json.block).toEqual([]);
    // a blocks b: a's attestation stays on a side even though the TCP link is up
    expect((await post(a, '/admin/links', { block: [b.node.id] })).json.block).toEqual([b.node.id]);
    expect((await http(a.httpPort, 'GET', '/peers')).json.peers).toEqual([]);
    expect((await post(a, '/trust', { to: b.node.id, scorePpm: 700_000 })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 400)); // several ticks (50 ms) in which nothing may cross
    expect(b.node.stateRoot()).not.toBe(a.node.stateRoot());
    expect((await post(a, '/admin/links', { block: [] })).json.block).toEqual([]);
    await until(() => b.node.stateRoot() === a.node.stateRoot());
  });
});
