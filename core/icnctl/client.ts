/**
 * The HTTP client for icn-node's API: the one place icnctl (and `icn-harness replay --node`)
 * talks to a node. Every failure is a CtlError of one line naming the URL: the node unreachable
 * (and why), an answer that is not icn-node's JSON, or the node's own `{error, reason}` with the
 * HTTP status (4xx: exit 2; 5xx: exit 3, the node's fault).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { IcnErrorCode } from '../errors.js';
import { CtlError, NodeHttpError } from './errors.js';

export const DEFAULT_NODE = 'http://127.0.0.1:7071';

export { NodeHttpError };

const NET_WHY: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is icn-node running there?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
};

/** Fields an answer must have, with their JSON kind: a server that is not icn-node is caught here. */
export type Shape = Readonly<Record<string, 'string' | 'number' | 'array' | 'object' | 'any'>>;

const kind = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

export class NodeClient {
  readonly base: string;

  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new CtlError(
        'CTL_NODE_URL',
        `--node ${JSON.stringify(url)}: not a URL (expected http://host:port)`,
      );
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new CtlError(
        'CTL_NODE_URL',
        `--node ${JSON.stringify(url)}: expected an http:// or https:// URL`,
      );
    this.base = u.href.replace(/\/+$/, '');
  }

  /** The --node flag, else $ICN_NODE, else the default. */
  static fromFlag(flag: string | undefined, timeoutMs?: number): NodeClient {
    return new NodeClient(flag ?? process.env.ICN_NODE ?? DEFAULT_NODE, timeoutMs);
  }

  get<T = Record<string, unknown>>(path: string, shape: Shape = {}): Promise<T> {
    return this.request<T>('GET', path, shape);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown, shape: Shape = {}): Promise<T> {
    return this.request<T>('POST', path, shape, body);
  }

  private async request<T>(method: string, path: string, shape: Shape, body?: unknown): Promise<T> {
    const url = `${this.base}${path}`;
    const res = await this.send(method, path, body);
    const text = res.text;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CtlError(
        'CTL_NOT_A_NODE',
        `${url}: HTTP ${res.status}, and the answer is not JSON: is ${this.base} an icn-node HTTP API?`,
      );
    }
    const o = json as Record<string, unknown>;
    if (res.status < 200 || res.status > 299) {
      if (typeof o?.error === 'string')
        throw new NodeHttpError(
          res.status,
          o.error as IcnErrorCode,
          String(o.reason ?? ''),
          `${method} ${url}`,
        );
      throw new CtlError(
        'CTL_NOT_A_NODE',
        `${url}: HTTP ${res.status} without icn-node's {error, reason}: is ${this.base} an icn-node HTTP API?`,
      );
    }
    if (typeof o !== 'object' || o === null)
      throw new CtlError(
        'CTL_NOT_A_NODE',
        `${url}: the answer is not a JSON object: is ${this.base} an icn-node HTTP API?`,
      );
    for (const [field, want] of Object.entries(shape)) {
      const got = kind(o[field]);
      if (got === 'undefined' || (want !== 'any' && got !== want))
        throw new CtlError(
          'CTL_NOT_A_NODE',
          `${url}: the answer has no ${want === 'any' ? '' : `${want} `}"${field}" (${got}): is ${this.base} an icn-node HTTP API of this version?`,
        );
    }
    return o as T;
  }

  /**
   * One request with node:http(s), not fetch: fetch refuses "bad ports" (6000, 6665-6669, 10080, …)
   * that a node may well listen on. Every failure becomes one line naming the base URL.
   */
  private send(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; text: string }> {
    const url = new URL(`${this.base}${path}`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = payload
      ? { 'content-type': 'application/json', 'content-length': payload.length }
      : {};
    const unreachable = (why: string) =>
      new CtlError('CTL_NODE_UNREACHABLE', `cannot reach the node at ${this.base}: ${why}`);
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
        url,
        { method, headers, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (e) => reject(unreachable(`the answer broke off (${e.message})`)));
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'ICN_TIMEOUT' })),
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(unreachable(netWhy(e, method, path, this.timeoutMs))),
      );
      req.end(payload);
    });
  }
}

/** Why a request failed, for a person: the usual network errors, a gossip port, plain HTTP spoken to as TLS. */
function netWhy(e: NodeJS.ErrnoException, method: string, path: string, timeoutMs: number): string {
  const code = e.code;
  if (code === 'ICN_TIMEOUT') return `no answer within ${timeoutMs} ms (${method} ${path})`;
  if (code?.startsWith('HPE_'))
    return `the answer is not HTTP (icn-node's gossip port? the API is the --http address) (${code})`;
  // OpenSSL's "wrong version number" / "packet length too long": the server spoke plain HTTP.
  if (code?.startsWith('ERR_SSL_') || /SSL routines|wrong version number/i.test(e.message))
    return `the node answered something that is not TLS (use http://)${code ? ` (${code})` : ''}`;
  const why = (code && NET_WHY[code]) ?? e.message;
  return `${why}${code ? ` (${code})` : ''}`;
}
