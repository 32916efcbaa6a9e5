/**
 * `replay --node URL --receipt HASH` (replayFromNode) against a stand-in node: the example
 * Calculator receipt served with its witness reproduces, a tampered one is a MISMATCH, and a node
 * serving a receipt without its witness is a one-line input error. (Against real icn-node
 * processes: core/icnctl/icnctl.test.ts.)
 */
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { receiptFromJson, receiptHash } from '../../core/contracts/index.js';
import { calculatorBundle } from './example.js';
import { replayFromNode } from './replayers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A node holding one receipt under `hash`, with or without its witness. */
async function node(hash: string, receipt: unknown, witness: unknown | null): Promise<string> {
  const s = createServer((req, res) => {
    const found =
      req.url === `/receipts/${hash}`
        ? { receiptHash: hash, source: 'executed', witnessAvailable: witness !== null, receipt }
        : req.url === `/receipts/${hash}/witness` && witness !== null
          ? { receiptHash: hash, witness }
          : null;
    res
      .writeHead(found ? 200 : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify(found ?? { error: 'RECEIPT_NOT_FOUND', reason: 'no such receipt' }));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

describe('replay --node', () => {
  it('REPRODUCED from a live node; MISMATCH when what it serves was altered; the witness is required', async () => {
    const b = (await calculatorBundle(ROOT)) as {
      receipt: Record<string, unknown>;
      witness: Record<string, unknown>;
    };
    const h = receiptHash(receiptFromJson(b.receipt));
    const ok = await replayFromNode(await node(h, b.receipt, b.witness), h);
    expect(ok.verdict).toBe('REPRODUCED');
    expect(ok.notes.at(-1)).toMatch(/^fetched from http:\/\/127\.0\.0\.1:\d+ \(executed there\)$/);
    // the witness claims other arguments than those the receipt was made from
    const altered = await replayFromNode(
      await node(h, b.receipt, { ...b.witness, args: [{ Int: '6' }, { Int: '3' }] }),
      h,
    );
    expect(altered.verdict).toBe('MISMATCH');
    expect(altered.fields.map((f) => f.field)).toEqual(
      expect.arrayContaining(['witness', 'argsHash', 'outputHash']),
    );
    const url = await node(h, b.receipt, null);
    await expect(replayFromNode(url, h)).rejects.toThrow(
      `${url} serves receipt ${h} without its witness bundle: it cannot be re-executed (ask the node that executed it)`,
    );
    await expect(replayFromNode(url, 'sha256:12')).rejects.toThrow(
      '--receipt "sha256:12": expected sha256:<64 hex>',
    );
  });
});
