/**
 * Operator mistakes and disk faults against real icn-node daemons (bin/icn-node.js runs dist/:
 * `npm test` builds first; with a bare `npx vitest run` run `npm run build` before): a damaged
 * log tail refuses to start (exit 2, naming the file, offset and what would be lost) and --repair
 * moves it aside and says so; a torn tail is cut; a stricter --gossip-config at restart is
 * refused naming the setting, while another store capacity restarts to the same state root.
 */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Keypair } from '../../core/identity/index.js';
import { nodeCommand } from '../proc/node-command.js';
import { request } from './driver.js';
import { allocatePort } from './ports.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const BIN = join(repoRoot, 'bin', 'icn-node.js');
const SEED = '11'.repeat(32);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Run {
  url: string;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** Start a daemon; resolves when it listens (Run) or with its exit code and output if it exits first. */
async function start(
  dataDir: string,
  extra: string[] = [],
): Promise<Run | { code: number | null; output: string }> {
  const http = await allocatePort();
  const gossip = await allocatePort();
  const cmd = nodeCommand([], BIN, [
    '--data-dir',
    dataDir,
    '--key-seed',
    SEED,
    '--http',
    `127.0.0.1:${http}`,
    '--gossip',
    `127.0.0.1:${gossip}`,
    ...extra,
  ]);
  const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const up = await Promise.race([
    new Promise<boolean>((r) =>
      child.stdout.on('data', () => /listening did=/.test(out) && r(true)),
    ),
    closed.then(() => false),
  ]);
  if (!up) return { code: await closed, output: out };
  return {
    url: `http://127.0.0.1:${http}`,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return closed;
    },
  };
}

async function mustStart(dataDir: string, extra: string[] = []): Promise<Run> {
  const r = await start(dataDir, extra);
  if (!('url' in r)) throw new Error(`icn-node exited ${r.code}: ${r.output}`);
  return r;
}

const other = (i: number) => Keypair.fromSeed(new Uint8Array(32).fill(100 + i)).did.toString();

/** A data dir holding `n` acknowledged attestations; returns the state root and the log size after each. */
async function populated(n: number): Promise<{ dir: string; root: string; ends: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'icn-storage-faults-'));
  dirs.push(dir);
  const d = await mustStart(dir);
  const ends: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await request(d.url, 'POST', '/trust', { to: other(i), scorePpm: 500_000 + i });
    expect(r.status).toBe(200);
    ends.push(statSync(join(dir, 'state.log')).size); // acknowledged: synced before the answer
  }
  const root = (await request(d.url, 'GET', '/state')).json.root as string;
  expect(await d.stop()).toBe(0);
  return { dir, root, ends };
}

async function rootAfterStart(
  dir: string,
  extra: string[] = [],
): Promise<{ root: string; output: string }> {
  const d = await mustStart(dir, extra);
  const root = (await request(d.url, 'GET', '/state')).json.root as string;
  await d.stop();
  return { root, output: d.output() };
}

describe('icn-node storage faults (real daemons)', () => {
  it('a bit flip in the last record: refused (exit 2, file, offset, what would be lost), log untouched; --repair moves the tail aside and says how many records', async () => {
    const { dir, ends, root } = await populated(5);
    const log = join(dir, 'state.log');
    const bytes = readFileSync(log);
    const last = ends[3]!; // the last record starts where the 4th acknowledged write ended
    bytes[last + 20] = bytes[last + 20]! ^ 0x04;
    writeFileSync(log, bytes);
    const refused = await start(dir);
    expect('code' in refused && refused.code).toBe(2);
    const out = (refused as { output: string }).output;
    expect(out).toContain(log);
    expect(out).toMatch(new RegExp(`damaged at byte ${last} \\(record fails its checksum\\)`));
    expect(out).toContain(`the ${bytes.length - last} bytes from there to the end would be lost`);
    expect(out).toContain('--repair');
    expect(readFileSync(log).equals(bytes)).toBe(true);
    const repaired = await rootAfterStart(dir, ['--repair']);
    expect(repaired.output).toContain(
      `--repair moved ${bytes.length - last} bytes from byte ${last} of ${log} aside to ${log}.damaged-${last}: 0 intact record(s) plus the damaged one`,
    );
    expect(readFileSync(`${log}.damaged-${last}`).equals(bytes.subarray(last))).toBe(true);
    // the fifth attestation is gone (and was reported): the state is the first four's
    expect(repaired.root).not.toBe(root);
    expect((await rootAfterStart(dir)).root).toBe(repaired.root);
  });

  it('a bit flip in the format header: refused naming every record as intact; --repair writes the header again and the state is whole', async () => {
    const { dir, root } = await populated(5);
    const log = join(dir, 'state.log');
    const bytes = readFileSync(log);
    bytes[3] = bytes[3]! ^ 0x10;
    writeFileSync(log, bytes);
    const refused = await start(dir);
    expect('code' in refused && refused.code).toBe(2);
    expect((refused as { output: string }).output).toMatch(
      /damaged at byte 0 \(the 8-byte format header is not ICN's; the \d+ record\(s\) after it pass their checks\)/,
    );
    expect(readFileSync(log).equals(bytes)).toBe(true);
    const repaired = await rootAfterStart(dir, ['--repair']);
    expect(repaired.output).toContain('--repair wrote the damaged format header');
    expect(repaired.root).toBe(root); // nothing lost
  });

  it('a data dir that is a file, or a log that is a directory: one line naming the path, exit 2', async () => {
    const base = mkdtempSync(join(tmpdir(), 'icn-storage-fs-'));
    dirs.push(base);
    writeFileSync(join(base, 'file'), '');
    const asFile = await start(join(base, 'file'));
    expect('code' in asFile && asFile.code).toBe(2);
    expect((asFile as { output: string }).output.trim()).toBe(
      `icn-node: error: storage ${join(base, 'file')}: exists and is not a directory (EEXIST)`,
    );
    mkdirSync(join(base, 'd', 'state.log'), { recursive: true });
    const asDir = await start(join(base, 'd'));
    expect('code' in asDir && asDir.code).toBe(2);
    expect((asDir as { output: string }).output.trim()).toBe(
      `icn-node: error: storage ${join(base, 'd', 'state.log')}: is a directory, not a log file (EISDIR)`,
    );
  });

  it('a zeroed tail (complete records overwritten with zeros) is damage, not a torn write: refused, nothing cut', async () => {
    const { dir, ends } = await populated(6);
    const log = join(dir, 'state.log');
    const bytes = readFileSync(log);
    bytes.fill(0, ends[2]!);
    writeFileSync(log, bytes);
    const refused = await start(dir);
    expect('code' in refused && refused.code).toBe(2);
    expect((refused as { output: string }).output).toMatch(
      new RegExp(
        `damaged at byte ${ends[2]} .*${bytes.length - ends[2]!} bytes from there to the end would be lost`,
      ),
    );
    expect(statSync(log).size).toBe(bytes.length);
  });

  it('a torn tail (an incomplete final write) is cut and reported; every acknowledged record is kept', async () => {
    const { dir, root, ends } = await populated(3);
    const log = join(dir, 'state.log');
    writeFileSync(log, Buffer.concat([readFileSync(log), Buffer.from([40, 0, 0, 0])])); // a header cut short
    const again = await rootAfterStart(dir);
    expect(again.output).toContain('cut a torn tail of 4 bytes');
    expect(again.root).toBe(root);
    truncateSync(log, ends[2]! - 3); // a crash mid-write of the last (unacknowledged) record
    const cut = await rootAfterStart(dir);
    expect(cut.output).toContain(`cut a torn tail of ${ends[2]! - 3 - ends[1]!} bytes`);
    expect(statSync(log).size).toBe(ends[1]);
  });

  it('a stricter --gossip-config at restart is refused naming the setting; another capacity restarts to the same root', async () => {
    const { dir, root } = await populated(4);
    const strict = await start(dir, [
      '--gossip-config',
      JSON.stringify({ topics: { 'trust:attestations': { maxDataBytes: 100 } } }),
    ]);
    expect('code' in strict && strict.code).toBe(2);
    expect((strict as { output: string }).output).toMatch(
      /--gossip-config: gossip setting topics\.trust:attestations\.maxDataBytes = 100 is stricter than 4096/,
    );
    const gated = await start(dir, [
      '--gossip-config',
      JSON.stringify({ topics: { 'trust:attestations': { minAuthorTrustPpm: 100_000 } } }),
    ]);
    expect('code' in gated && gated.code).toBe(2);
    expect((gated as { output: string }).output).toContain(
      'topics.trust:attestations.minAuthorTrustPpm',
    );
    expect(
      (
        await rootAfterStart(dir, [
          '--gossip-config',
          JSON.stringify({ topics: { 'trust:attestations': { maxEntries: 2 } } }),
        ])
      ).root,
    ).toBe(root);
    expect((await rootAfterStart(dir)).root).toBe(root);
  });
});
