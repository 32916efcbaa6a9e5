/**
 * Test fixtures for the daemon's tests (excluded from the build: `*.fixtures.ts`): daemons on
 * loopback with ephemeral ports and temporary data dirs, stopped after each test, plus the HTTP and
 * polling helpers the tests share.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startDaemon, type DaemonConfig, type RunningDaemon } from './daemon.js';

/** A stateful CCL contract the tests deploy: `bump(n)` adds n to `count` and returns it. */
export const COUNTER = JSON.parse(
  readFileSync(new URL('../../contracts/counter.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** What COUNTER needs to read and write its state. */
export const COUNTER_CAPS = [
  { ReadState: { keys: ['count'] } },
  { WriteState: { keys: ['count'] } },
];

/** A 32-byte key seed filled with one byte: daemon `b` has key seed(b). */
export const seed = (b: number): Uint8Array => new Uint8Array(32).fill(b);

/**
 * Daemons and child processes started through the returned fixture are stopped (SIGKILL for
 * children) after every test of the calling file.
 */
export function daemonFixture(prefix: string, defaults: Partial<DaemonConfig>) {
  const running: RunningDaemon[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop()));
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });
  const tmp = (): string => mkdtempSync(join(tmpdir(), prefix));
  async function start(
    b: number,
    peers: string[] = [],
    o: Partial<DaemonConfig> = {},
  ): Promise<RunningDaemon> {
    const d = await startDaemon({
      dataDir: tmp(),
      keySeed: seed(b),
      gossip: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      peers,
      tickMs: 50,
      ...defaults,
      ...o,
    } as DaemonConfig);
    running.push(d);
    return d;
  }
  return { start, tmp, running, children };
}

/** One HTTP request to a daemon on loopback; `json` is the parsed body, or {} when it is not JSON. */
export async function http(
  port: number,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    body,
    headers: body !== undefined ? { 'content-type': contentType } : {},
  });
  const text = await r.text();
  // `any`: tests read response fields freely and assert on them; a wrong guess fails the assertion
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON: the assertion on it fails */
  }
  return { status: r.status, text, json, headers: r.headers };
}

/** Poll `cond` every 25 ms until it holds; fails after `ms` (wall time: these tests run real sockets). */
export async function until(cond: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
