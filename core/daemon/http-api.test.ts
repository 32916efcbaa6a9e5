/**
 * The API server's accounting of requests that never complete: a client that disconnects
 * mid-body is reported as aborted (never a 5xx, never an internal error), a body still unfinished
 * at the request timeout is answered 408 and counted as 408 exactly once.
 */
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiServer, type Route } from './http-api.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function server(requestTimeoutMs = 10_000, maxConnections?: number) {
  const log = { responses: [] as string[], aborted: [] as string[], errors: [] as unknown[] };
  const routes: Route[] = [
    { method: 'POST', pattern: '/echo', handler: (r) => ({ status: 200, body: r.body }) },
  ];
  const s = createApiServer(routes, {
    bodyLimit: 1 << 20,
    requestTimeoutMs,
    ...(maxConnections !== undefined ? { maxConnections } : {}),
    onError: (e) => log.errors.push(e),
    onResponse: (m, route, status) => log.responses.push(`${m} ${route} ${status}`),
    onAborted: (m, route) => log.aborted.push(`${m} ${route}`),
  });
  servers.push(s);
  return new Promise<{ port: number; log: typeof log }>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve({ port: (s.address() as { port: number }).port, log })),
  );
}

function partialPost(port: number, declared: number, sent: string): Promise<Socket> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port }, () => {
      c.write(
        `POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n${sent}`,
      );
      resolve(c);
    });
    c.on('error', () => {});
    sockets.push(c);
  });
}

describe('HTTP API: clients that go away, bodies that never finish', () => {
  it('20 clients disconnecting mid-body: 20 aborted, no 5xx, no internal error; a full request still answers 200', async () => {
    const { port, log } = await server();
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => partialPost(port, 1000, '{"a":')),
    );
    await new Promise((r) => setTimeout(r, 50)); // let the handlers start reading the bodies
    for (const c of clients) c.destroy();
    await until(() => log.aborted.length === 20);
    expect(log.aborted.every((a) => a === 'POST /echo')).toBe(true);
    expect(log.errors).toEqual([]);
    expect(log.responses).toEqual([]);
    const r = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      body: '{"ok":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(200);
    expect(log.responses).toEqual(['POST /echo 200']);
  });

  it('a body unfinished at the request timeout: the client reads 408, counted once as 408, never 500', async () => {
    const { port, log } = await server(500);
    const c = await partialPost(port, 1000, '{"slow":');
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    await until(() => log.responses.length > 0 && got.length > 0);
    await new Promise((r) => setTimeout(r, 50)); // the handler's own 'aborted' must not count again
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(got).toContain('HTTP_REQUEST_TIMEOUT');
    expect(log.responses).toEqual(['POST /echo 408']);
    expect(log.aborted).toEqual([]);
    expect(log.errors).toEqual([]);
  });

  it('an unparsable request line gets 400, not 500', async () => {
    const { port, log } = await server();
    const c = connect({ host: '127.0.0.1', port });
    sockets.push(c);
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.on('error', () => {});
    c.write('NOT HTTP AT ALL\r\n\r\n');
    await until(() => got.length > 0);
    expect(got).toMatch(/^HTTP\/1\.1 400 /);
    expect(log.responses).toEqual(['- - 400']);
  });

  it('connections beyond maxConnections are closed on accept; freed slots serve again', async () => {
    const { port } = await server(10_000, 4);
    let closed = 0;
    const held = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<Socket>((res) => {
            const c = connect({ host: '127.0.0.1', port }, () => res(c));
            c.on('error', () => {});
            c.on('close', () => closed++);
            sockets.push(c);
          }),
      ),
    );
    await until(() => closed === 6);
    for (const c of held) c.destroy();
    await until(() => closed === 10);
    const r = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(200);
  });

  it('headers over the limit get 431, not 500', async () => {
    const { port, log } = await server();
    const c = connect({ host: '127.0.0.1', port });
    sockets.push(c);
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.on('error', () => {});
    c.write(`GET /echo HTTP/1.1\r\nhost: x\r\nx-junk: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    await until(() => got.length > 0);
    expect(got).toMatch(/^HTTP\/1\.1 431 /);
    expect(log.responses).toEqual(['- - 431']);
  });
});
