/**
 * icnctl end to end: two real icn-node processes on loopback (ports chosen by the OS), driven only
 * through the icnctl binary (and `icn-harness replay --node` for the auditor). bin/ runs dist/:
 * `npm test` builds first.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTER, COUNTER_CAPS } from '../daemon/daemon.fixtures.js';

const repo = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'icnctl-'));
const children: ChildProcess[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [join(repo, 'bin', bin), ...args],
      { cwd: dir, env: { ...process.env, ICN_NODE: '', ICN_KEY: '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}
const ctl = (...args: string[]) => run('icnctl.js', args);
/** icnctl --json …, exit 0 required; the parsed document. */
async function ctlJson(...args: string[]): Promise<Record<string, any>> {
  const r = await ctl('--json', ...args);
  expect(r.code, `icnctl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as Record<string, any>;
}

interface Daemon {
  url: string;
  gossip: string;
}

function startNode(name: string, seedHex: string, peers: string[] = []): Promise<Daemon> {
  const args = [
    '--data-dir',
    join(dir, name),
    '--key-seed',
    seedHex,
    '--gossip',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    '--tick-ms',
    '50',
    ...peers.flatMap((p) => ['--peer', p]),
  ];
  const c = spawn(process.execPath, [join(repo, 'bin/icn-node.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(c);
  return new Promise((res, rej) => {
    let out = '';
    c.stdout!.on('data', (d) => {
      out += d;
      const m = /listening .* gossip=(127\.0\.0\.1:\d+) http=(127\.0\.0\.1:\d+)/.exec(out);
      if (m) res({ gossip: m[1]!, url: `http://${m[2]}` });
    });
    c.once('exit', (code) => rej(new Error(`icn-node exited ${code}: ${out}`)));
  });
}

async function until(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port nothing listens on (bound by the OS, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

let a: Daemon;
let b: Daemon;

beforeAll(async () => {
  // A's key is the one calculator.json names as its participant (seed 0x01…), so A deploys it alone.
  a = await startNode('a', '01'.repeat(32));
  b = await startNode('b', '02'.repeat(32), [a.gossip]);
}, 30_000);

afterAll(async () => {
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null ? undefined : new Promise((r) => (c.once('exit', r), c.kill('SIGKILL'))),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('icnctl without a node', () => {
  it('--help lists every verb group, --version the node version; help exits 0, a missing verb 2', async () => {
    const h = await ctl('--help');
    expect(h.code).toBe(0);
    for (const verb of ['key', 'status', 'peers', 'trust', 'contract', 'receipt', 'ledger'])
      expect(h.stdout).toMatch(new RegExp(`\\n  ${verb} `));
    const c = await ctl('contract', '--help');
    for (const verb of ['deploy', 'sign-installation', 'list', 'show', 'execute'])
      expect(c.stdout).toContain(`  ${verb} `);
    expect((await ctl('--version')).stdout.trim()).toBe(
      JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version,
    );
    expect((await ctl('contract', 'execute', 'sha256:x')).code).toBe(2); // a missing argument
  });
});

describe('icnctl against two live nodes', () => {
  it('key new, deploy, list on the other node, execute there, fetch and replay the receipt; a tampered copy is a MISMATCH', async () => {
    const key = (await ctlJson('key', 'new', '--out', 'caller.json')) as {
      did: string;
      file: string;
    };
    expect(statSync(join(dir, 'caller.json')).mode & 0o777).toBe(0o600);
    expect((await ctlJson('key', 'show', '--key', 'caller.json')).did).toBe(key.did);
    const again = await ctl('key', 'new', '--out', 'caller.json');
    expect([again.code, again.stderr]).toEqual([
      2,
      'icnctl key new: error: key file caller.json already exists (pass --force to replace it)\n',
    ]);
    expect((await ctlJson('key', 'show', '--key', 'caller.json')).did).toBe(key.did); // untouched

    const sa = await ctlJson('--node', a.url, 'status');
    const sb = await ctlJson('--node', b.url, 'status');
    expect(sa.did).toBe('did:icn:zAKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9');
    expect(sa.version).toBe(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version);
    await until('a link between the nodes', async () =>
      ((await ctlJson('--node', b.url, 'peers')).peers as { did: string }[]).some(
        (p) => p.did === sa.did,
      ),
    );
    // Each node trusts the other enough to install its deployments and adopt its executions.
    await ctlJson('--node', b.url, 'trust', 'attest', sa.did, '600000');
    await ctlJson('--node', a.url, 'trust', 'attest', sb.did, '600000');

    const dep = await ctlJson(
      '--node',
      a.url,
      'contract',
      'deploy',
      join(repo, 'contracts/calculator.json'),
      '--min-caller-trust',
      '0',
    );
    expect(dep.deployed).toBe(true);
    const h = dep.codeHash as string;
    await until('the deployment gossiped to b', async () =>
      (
        (await ctlJson('--node', b.url, 'contract', 'list')).contracts as { codeHash: string }[]
      ).some((c) => c.codeHash === h),
    );
    expect((await ctl('--node', b.url, 'contract', 'list')).stdout).toContain(
      `${h}\tCalculator\tccl v1\tby ${sa.did}`,
    );
    expect(
      (await ctlJson('--node', b.url, 'contract', 'show', h)).installation.minCallerTrustPpm,
    ).toBe(0);

    // Calculator.add is read-only: its receipt stays with the node that ran it (b).
    const ex = await ctlJson(
      '--node',
      b.url,
      'contract',
      'execute',
      h,
      'add',
      '[5, 3]',
      '--key',
      'caller.json',
      '--save',
      'calc',
    );
    expect(ex.receipt.caller).toBe(key.did);
    expect([ex.verified, ex.value]).toEqual(['REPRODUCED', { Int: '8' }]);
    expect(ex.receipt.executor).toBe(sb.did);
    const rh = ex.receiptHash as string;
    expect(ex.files).toEqual([
      `calc/${rh.slice(7)}.receipt.json`,
      `calc/${rh.slice(7)}.witness.json`,
    ]);
    expect((await ctlJson('--node', b.url, 'receipt', 'list')).receipts).toEqual([rh]);
    const onA = await ctl('--node', a.url, 'receipt', 'get', rh);
    expect(onA.code).toBe(2);
    expect(onA.stderr).toMatch(/HTTP 404 RECEIPT_NOT_FOUND: .*read-only/);
    const replayB = await run('icn-harness.js', ['replay', '--node', b.url, '--receipt', rh]);
    expect(replayB.stdout.split('\n')[0]).toBe(`REPRODUCED: execution receipt of add on ${h}`);
    expect(replayB.code).toBe(0);
    expect((await ctl('--node', b.url, 'receipt', 'verify', rh)).stdout).toBe(
      `REPRODUCED: receipt ${rh} from ${b.url}\n  value {"Int":"8"}\n`,
    );

    // A state-changing execution on b is gossiped with its witness: a's node serves it too.
    const counter = { ...COUNTER, participants: [sa.did] };
    writeFileSync(join(dir, 'counter.json'), JSON.stringify(counter));
    const caps = JSON.stringify(COUNTER_CAPS);
    const hc = (
      await ctlJson(
        '--node',
        a.url,
        'contract',
        'deploy',
        'counter.json',
        '--capabilities',
        caps,
        '--min-caller-trust',
        '0',
      )
    ).codeHash as string;
    await until(
      'the counter gossiped to b',
      async () => (await ctl('--node', b.url, 'contract', 'show', hc)).code === 0,
    );
    const bump = await ctlJson(
      '--node',
      b.url,
      'contract',
      'execute',
      hc,
      'bump',
      '[7]',
      '--key',
      'caller.json',
    );
    const bh = bump.receiptHash as string;
    await until(
      'a adopted the execution',
      async () => (await ctl('--node', a.url, 'receipt', 'get', bh)).code === 0,
    );
    const got = await ctlJson('--node', a.url, 'receipt', 'get', bh, '--save', 'saved');
    expect([got.source, got.receipt.executor]).toEqual(['adopted', sb.did]);
    const replayA = await run('icn-harness.js', ['replay', '--node', a.url, '--receipt', bh]);
    expect(replayA.stdout.split('\n')[0]).toBe(`REPRODUCED: execution receipt of bump on ${hc}`);
    expect(replayA.code).toBe(0);
    const saved = join(dir, 'saved', `${bh.slice(7)}.receipt.json`);
    expect((await run('icn-harness.js', ['replay', saved])).code).toBe(0);
    // The auditor's tampered copy: the output hash claims another result.
    const doc = JSON.parse(readFileSync(saved, 'utf8'));
    writeFileSync(saved, JSON.stringify({ ...doc, outputHash: `sha256:${'0'.repeat(64)}` }));
    const tampered = await run('icn-harness.js', ['replay', saved]);
    expect(tampered.stdout.split('\n')[0]).toBe(`MISMATCH: execution receipt of bump on ${hc}`);
    expect(tampered.stdout).toContain('signature');
    expect(tampered.code).toBe(1);

    const heads = await ctlJson('--node', a.url, 'ledger', 'heads');
    expect(heads.heads).toEqual(sa.ledger.heads);
  }, 120_000);

  it('a co-participant signs the prepared installation; a deployment the node refuses exits 1 with the reason', async () => {
    const sa = await ctlJson('--node', a.url, 'status');
    const co = (await ctlJson('key', 'new', '--out', 'co.json', '--force')).did as string;
    const calc = JSON.parse(readFileSync(join(repo, 'contracts/calculator.json'), 'utf8'));
    writeFileSync(
      join(dir, 'shared.json'),
      JSON.stringify({ ...calc, name: 'SharedCalculator', participants: [sa.did, co] }),
    );
    const missing = await ctl('--node', a.url, 'contract', 'deploy', 'shared.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`SharedCalculator needs the signature of ${co}`);
    const prep = await ctlJson(
      '--node',
      a.url,
      'contract',
      'deploy',
      'shared.json',
      '--prepare-out',
      'req.json',
    );
    expect([prep.deployed, prep.missing]).toEqual([false, [co]]);
    const notMine = await ctl('contract', 'sign-installation', 'req.json', '--key', 'caller.json');
    expect([notMine.code, notMine.stderr]).toEqual([
      2,
      expect.stringMatching(/is not a participant of SharedCalculator/),
    ]);
    const sig = await ctlJson(
      'contract',
      'sign-installation',
      'req.json',
      '--key',
      'co.json',
      '--out',
      'co.sig.json',
    );
    expect([sig.signer, sig.installationHash]).toEqual([co, prep.installationHash]);
    // a signature over another installation (another time) is refused here, before the node sees it
    const stale = await ctl(
      '--node',
      a.url,
      'contract',
      'deploy',
      'shared.json',
      '--signature',
      'co.sig.json',
      '--installed-at',
      '5',
    );
    expect([stale.code, stale.stderr]).toEqual([
      2,
      expect.stringMatching(
        /co\.sig\.json signs installation sha256:\S+, this deployment's is sha256:/,
      ),
    ]);
    const dep = await ctlJson(
      '--node',
      a.url,
      'contract',
      'deploy',
      'shared.json',
      '--signature',
      'co.sig.json',
      '--installed-at',
      prep.installedAt,
    );
    expect([dep.deployed, dep.installationHash]).toEqual([true, prep.installationHash]);
    // the same code with another installation: the node judges and refuses it (exit 1, reason code)
    const refused = await ctl(
      '--node',
      a.url,
      'contract',
      'deploy',
      'shared.json',
      '--co-sign',
      'co.json',
      '--min-caller-trust',
      '5',
    );
    expect([refused.code, refused.stderr]).toEqual([
      1,
      expect.stringMatching(
        /^icnctl contract deploy: error: POST \S+: HTTP 422 CONTRACT_REJECTED: already_installed: /,
      ),
    ]);
  }, 60_000);

  it('bad input: one line on stderr, exit 2, no stack trace', async () => {
    await ctlJson('key', 'new', '--out', 'mine.json', '--force');
    // a calculator of b's own, so this test stands alone
    const sb = await ctlJson('--node', b.url, 'status');
    // the quickstart's deploy on a node whose DID is not the file's participant: --participant self
    const h = (
      await ctlJson(
        '--node',
        b.url,
        'contract',
        'deploy',
        join(repo, 'contracts/calculator.json'),
        '--participant',
        'self',
        '--min-caller-trust',
        '0',
      )
    ).codeHash as string;
    expect((await ctlJson('--node', b.url, 'contract', 'show', h)).participants).toEqual([sb.did]);
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ format: 'ssh-key', seed: 'x' }), {
      mode: 0o600,
    });
    writeFileSync(
      join(dir, 'pem.json'),
      '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n',
      { mode: 0o600 },
    );
    const mine = JSON.parse(readFileSync(join(dir, 'mine.json'), 'utf8'));
    writeFileSync(
      join(dir, 'edited.json'),
      JSON.stringify({ ...mine, did: 'did:icn:zAKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9' }),
      { mode: 0o600 },
    );
    writeFileSync(join(dir, 'open.json'), readFileSync(join(dir, 'mine.json')));
    chmodSync(join(dir, 'open.json'), 0o644);
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const zero = `sha256:${'0'.repeat(64)}`;
    const cases: [string, string[], RegExp][] = [
      [
        'missing key file',
        ['--node', b.url, 'contract', 'execute', h, 'add', '[1, 2]', '--key', 'nope.json'],
        /key file nope\.json: no such file/,
      ],
      [
        'wrong node URL (nothing listens)',
        ['--node', dead, 'status'],
        new RegExp(`cannot reach the node at ${dead}: connection refused`),
      ],
      [
        'wrong node URL (the gossip port)',
        ['--node', `http://${a.gossip}`, 'contract', 'list'],
        /cannot reach the node at http:\/\/127\.0\.0\.1:\d+: the answer is not HTTP \(icn-node's gossip port\?/,
      ],
      [
        'wrong node URL (another path)',
        ['--node', `${a.url}/api`, 'status'],
        /HTTP 404 HTTP_NOT_FOUND: no route \/api\/status/,
      ],
      [
        'wrong node URL (not a URL)',
        ['--node', 'localhost-7071', 'contract', 'list'],
        /--node "localhost-7071": not a URL/,
      ],
      [
        'unknown contract (show)',
        ['--node', a.url, 'contract', 'show', zero],
        /HTTP 404 CONTRACT_NOT_FOUND: no contract with code hash/,
      ],
      [
        'unknown contract (execute)',
        ['--node', a.url, 'contract', 'execute', zero, 'add', '[1, 2]', '--key', 'mine.json'],
        /HTTP 404 CONTRACT_NOT_FOUND/,
      ],
      [
        'malformed args (not JSON)',
        ['--node', b.url, 'contract', 'execute', h, 'add', '[5,', '--key', 'mine.json'],
        /ARGS "\[5,": not JSON/,
      ],
      [
        'malformed args (not an array)',
        ['--node', b.url, 'contract', 'execute', h, 'add', '{"a": 5}', '--key', 'mine.json'],
        /expected a JSON array/,
      ],
      [
        'malformed args (bad value)',
        ['--node', b.url, 'contract', 'execute', h, 'add', '[1.5, 2]', '--key', 'mine.json'],
        /ARGS\[0\]/,
      ],
      [
        'a key file of another format',
        ['key', 'show', '--key', 'other.json'],
        /key file other\.json: not an icnctl key file/,
      ],
      [
        'a PEM key',
        ['key', 'show', '--key', 'pem.json'],
        /key file pem\.json: not an icnctl key file \(not JSON/,
      ],
      [
        'an edited key file',
        ['--node', b.url, 'contract', 'execute', h, 'add', '[1, 2]', '--key', 'edited.json'],
        /the seed gives did:icn:\S+, not the DID the file names/,
      ],
      [
        'a key file others can read',
        ['key', 'show', '--key', 'open.json'],
        /permissions 644 let others read the key/,
      ],
      [
        'unknown ledger entry',
        ['--node', a.url, 'ledger', 'entry', zero],
        /HTTP 404 LEDGER_ENTRY_NOT_FOUND: no ledger entry/,
      ],
      [
        'a bad receipt hash',
        ['--node', a.url, 'receipt', 'verify', 'abc'],
        /receipt hash "abc": expected sha256/,
      ],
      ['an unknown verb', ['contract', 'frobnicate'], /unknown command|too many arguments/],
    ];
    for (const [what, args, message] of cases) {
      const r = await ctl(...args);
      expect([what, r.code], r.stderr).toEqual([what, 2]);
      const lines = r.stderr
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('(run with --help'));
      expect([what, lines.length], r.stderr).toEqual([what, 1]);
      expect(lines[0], what).toMatch(message);
      expect(r.stderr, what).not.toMatch(/\n\s+at /);
    }
    // a call sent twice with the same nonce: the node refuses the replay, nothing runs twice
    const once = [
      '--node',
      b.url,
      'contract',
      'execute',
      h,
      'add',
      '[1, 2]',
      '--key',
      'mine.json',
      '--nonce',
      'once',
      '--timestamp',
      String(Date.now()),
    ];
    expect((await ctl(...once)).code).toBe(0);
    const replayed = await ctl(...once);
    expect([replayed.code, replayed.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^icnctl contract execute: error: POST \S+: HTTP 409 CALL_REPLAYED: call sha256:\S+ was already executed \(receipt sha256:\S+\)\n$/,
      ),
    ]);
    // the retry sent to another node names the first: that node refuses it as not its call (421)
    const elsewhere = await ctl(
      ...once.map((x) => (x === b.url ? a.url : x)),
      '--executor',
      sb.did,
    );
    expect([elsewhere.code, elsewhere.stderr]).toEqual([
      2,
      `icnctl contract execute: error: ${a.url} refused the call: it is not this node's call (it names ${sb.did} as its executor; only that node may run it)\n`,
    ]);
    const missing = await run('icn-harness.js', ['replay', '--node', dead, '--receipt', zero]);
    expect([missing.code, missing.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect(missing.stderr).toContain(`cannot reach the node at ${dead}`);
  }, 120_000);
});
