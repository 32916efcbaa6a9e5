/**
 * A small, strict HTTP/JSON server for the daemon's control API. Bad input never changes state
 * and always gets a 4xx with a JSON `{error, reason}`: malformed JSON 400, body over the cap 413,
 * a POST body that is not `application/json` 415, unknown route 404, wrong method 405, a typed
 * core error 422 with its code, except a publication gossip refused (NODE_PUBLISH_REFUSED: 429
 * with Retry-After for the quota). Only a bug is a 500.
 * A client that goes away mid-request is not an error of the server: it is reported through
 * `onAborted` (logged at debug, counted apart), never as a 5xx. A body still unfinished after
 * `requestTimeoutMs` is answered 408 (and counted as 408) and its connection closed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseStrictJson } from '../canonical/index.js';
import { IcnError, type IcnErrorCode } from '../errors.js';
import { PublishRefused } from '../node/errors.js';

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  body: unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** Extra response headers (Retry-After). */
  headers?: Record<string, string>;
  /** Send text instead of JSON (Prometheus exposition). */
  text?: string;
  contentType?: string;
}

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  method: 'GET' | 'POST';
  /** `/contracts/:hash` style; params are path segments after `:`. */
  pattern: string;
  handler: Handler;
}

export class HttpError extends IcnError {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    code: IcnErrorCode,
    message: string,
    /** More fields of the `{error, reason}` body, and response headers. */
    readonly extra: { fields?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(code, message);
  }
}

/** match(), with a malformed percent-escape in a parameter meaning "no match" (then 404). */
function matchSafe(pattern: string, path: string): Record<string, string> | undefined {
  try {
    return match(pattern, path);
  } catch {
    return undefined;
  }
}

function match(pattern: string, path: string): Record<string, string> | undefined {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i]!.startsWith(':')) params[ps[i]!.slice(1)] = decodeURIComponent(xs[i]!);
    else if (ps[i] !== xs[i]) return undefined;
  }
  return params;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit)
    throw new HttpError(
      413,
      'HTTP_BODY_TOO_LARGE',
      `body of ${declared} bytes exceeds the limit of ${limit}`,
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit)
      throw new HttpError(413, 'HTTP_BODY_TOO_LARGE', `body exceeds the limit of ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, r: ApiResponse): void {
  if (res.headersSent) return;
  const text = r.text ?? `${JSON.stringify(r.body)}\n`;
  res.writeHead(r.status, {
    ...r.headers,
    'content-type': r.contentType ?? 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export interface ApiServerOptions {
  bodyLimit: number;
  onError?: (e: unknown) => void;
  /** Every answer: method, the matched route pattern (`-` when none matched) and the status. */
  onResponse?: (method: string, route: string, status: number) => void;
  /** A client closed its connection before its answer (method, route, why): not a server error. */
  onAborted?: (method: string, route: string, why: string) => void;
  /** A whole request (headers and body) must arrive within this (default 10 s; then 408). */
  requestTimeoutMs?: number;
  /** Open HTTP connections at once; more are closed on accept (default 1024). */
  maxConnections?: number;
}

/** The request a connection is serving (HTTP/1.1: one at a time), for errors raised on the socket. */
interface InFlight {
  method: string;
  route: string;
  /** Answered, or reported as aborted: never counted twice. */
  settled: boolean;
}

const TIMEOUT_BODY = JSON.stringify({
  error: 'HTTP_REQUEST_TIMEOUT',
  reason: 'the request was not received in time',
});

/** `application/json`, optionally with parameters (`; charset=utf-8`). */
function isJson(contentType: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? '');
}

export function createApiServer(routes: readonly Route[], opts: ApiServerOptions): Server {
  const inFlight = new WeakMap<Socket, InFlight>();
  // Timeouts are checked every second (Node's default, 30 s, let a slow body run 40 s).
  // `void`: the handler answers its own errors (the catch below); Node does not await it.
  const server = createServer(
    { connectionsCheckingInterval: 1000 },
    (req, res) =>
      void (async () => {
        let route = '-';
        const state: InFlight = { method: req.method ?? '?', route, settled: false };
        inFlight.set(req.socket, state);
        const answer = (r: ApiResponse) => {
          if (state.settled) return;
          state.settled = true;
          send(res, r);
          opts.onResponse?.(state.method, route, r.status);
        };
        try {
          const url = requestUrl(req);
          const hit = findRoute(routes, req.method, url.pathname);
          route = hit.r.pattern;
          state.route = route;
          let body: unknown = null;
          if (req.method === 'POST') body = await readJsonBody(req, opts.bodyLimit);
          else req.resume();
          const request = {
            method: req.method ?? 'GET',
            path: url.pathname,
            params: hit.params,
            body,
          };
          answer(await hit.r.handler(request));
        } catch (e) {
          if (!(e instanceof IcnError) && (req.destroyed || res.destroyed)) {
            // The client went away (or the request timed out and was answered 408 on the socket).
            if (!state.settled) {
              state.settled = true;
              opts.onAborted?.(state.method, route, (e as Error).message ?? String(e));
            }
            return;
          }
          answer(errorResponse(e, opts));
          if (!req.complete) req.destroy();
        }
      })(),
  );
  server.requestTimeout = opts.requestTimeoutMs ?? 10_000;
  server.headersTimeout = Math.min(5_000, server.requestTimeout);
  server.maxHeadersCount = 100;
  server.maxConnections = opts.maxConnections ?? 1024;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
    clientError(err, socket, inFlight.get(socket), opts),
  );
  return server;
}

/** The request target as a URL; 400 HTTP_BAD_URL when it does not parse. */
function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://x');
  } catch {
    const target = JSON.stringify((req.url ?? '').slice(0, 200));
    throw new HttpError(400, 'HTTP_BAD_URL', `cannot parse the request target ${target}`);
  }
}

/** The route for a method and path: 404 when no pattern matches, 405 when no method does. */
function findRoute(
  routes: readonly Route[],
  method: string | undefined,
  pathname: string,
): { r: Route; params: Record<string, string> } {
  const candidates = routes
    .map((r) => ({ r, params: matchSafe(r.pattern, pathname) }))
    .filter((c) => c.params);
  if (candidates.length === 0)
    throw new HttpError(404, 'HTTP_NOT_FOUND', `no route ${pathname.slice(0, 200)}`);
  // A literal segment beats a parameter (POST /contracts/prepare is not /contracts/:hash).
  const hit = candidates
    .filter((c) => c.r.method === method)
    .sort((a, b) => Object.keys(a.params!).length - Object.keys(b.params!).length)[0];
  if (!hit) {
    const allowed = [...new Set(candidates.map((c) => c.r.method))].join(', ');
    throw new HttpError(
      405,
      'HTTP_METHOD',
      `${method} not allowed on ${pathname.slice(0, 200)} (allowed: ${allowed})`,
    );
  }
  return { r: hit.r, params: hit.params! };
}

/** A POST body: application/json only (415), within the limit, strict JSON (400). */
async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (!isJson(req.headers['content-type'])) {
    const got = JSON.stringify(req.headers['content-type'] ?? '(none)');
    throw new HttpError(
      415,
      'HTTP_CONTENT_TYPE',
      `a POST body must be application/json, got ${got}`,
    );
  }
  const text = await readBody(req, limit);
  try {
    return parseStrictJson(text, 'request body');
  } catch (e) {
    throw new HttpError(400, 'HTTP_BAD_JSON', (e as Error).message);
  }
}

/** The answer to a handler's error: its HTTP status, 422 for other IcnErrors, else 500 (logged). */
function errorResponse(e: unknown, opts: ApiServerOptions): ApiResponse {
  if (e instanceof PublishRefused) e = publishHttpError(e);
  if (e instanceof HttpError) {
    const headers = e.extra.headers ? { headers: e.extra.headers } : {};
    return {
      status: e.status,
      body: { ...e.extra.fields, error: e.code, reason: e.message },
      ...headers,
    };
  }
  if (e instanceof IcnError) return { status: 422, body: { error: e.code, reason: e.message } };
  opts.onError?.(e);
  return { status: 500, body: { error: 'INTERNAL', reason: 'internal error (logged)' } };
}

/**
 * Errors Node raises on a connection outside a handler: a request timeout (408, counted as 408), a
 * client that closed mid-request (aborted, not an error), an unparsable request (400).
 */
function clientError(
  err: NodeJS.ErrnoException,
  socket: Socket,
  last: InFlight | undefined,
  opts: ApiServerOptions,
): void {
  // A settled request is the connection's previous one: this error is about a request no handler saw.
  const state = last && !last.settled ? last : undefined;
  const method = state?.method ?? '-';
  const route = state?.route ?? '-';
  if (state) state.settled = true;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    if (socket.writable)
      socket.write(
        `HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(TIMEOUT_BODY)}\r\nconnection: close\r\n\r\n${TIMEOUT_BODY}`,
      );
    opts.onResponse?.(method, route, 408);
  } else if (
    err.code === 'ECONNRESET' ||
    err.code === 'HPE_INVALID_EOF_STATE' ||
    !socket.writable
  ) {
    opts.onAborted?.(method, route, err.code ?? err.message);
  } else {
    // Headers over Node's limit are 431 (as Node answers them); anything else unparsable is 400.
    const big = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      error: big ? 'HTTP_HEADERS_TOO_LARGE' : 'HTTP_BAD_REQUEST',
      reason: `unparsable request (${err.code ?? 'parse error'})`,
    });
    if (socket.writable)
      socket.write(
        `HTTP/1.1 ${big ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    opts.onResponse?.(method, route, big ? 431 : 400);
  }
  socket.destroy();
}

/**
 * Gossip would not take the publication an action stands or falls with (an execution's record, a
 * deployment's message, an attestation, a ledger entry), so nothing was applied: 429 with
 * Retry-After (seconds to the end of this node's quota window on the topic) for rate_limited, else
 * 422 (too_large: the data exceeds the topic's limit; evicted: the node's clock is behind
 * everything the full topic keeps).
 */
export function publishHttpError(e: PublishRefused): HttpError {
  const fields = {
    gossipReason: e.reason,
    ...(e.retryAfterMs !== null ? { retryAfterMs: e.retryAfterMs } : {}),
  };
  if (e.reason === 'rate_limited')
    return new HttpError(429, e.code, e.message, {
      fields,
      headers:
        e.retryAfterMs !== null ? { 'retry-after': String(Math.ceil(e.retryAfterMs / 1000)) } : {},
    });
  return new HttpError(422, e.code, e.message, { fields });
}
