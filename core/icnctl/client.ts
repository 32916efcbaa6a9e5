/**
 * The HTTP client for icn-node's API: the one place icnctl (and `icn-harness replay --node`)
 * talks to a node. Every failure is a CtlError of one line naming the URL: the node unreachable
 * (and why), an answer that is not icn-node's JSON, or the node's own `{error, reason}` with the
 * HTTP status (4xx: exit 2; 5xx: exit 3, the node's fault).
 */
import { CtlError, EXIT } from './errors.js';

export const DEFAULT_NODE = 'http://127.0.0.1:7071';

/** The node's refusal: its status, code and reason. */
export class NodeHttpError extends CtlError {
  constructor(
    readonly status: number,
    readonly nodeCode: string,
    readonly reason: string,
    url: string,
  ) {
    super(nodeCode, `${url}: HTTP ${status} ${nodeCode}: ${reason}`, status >= 500 ? EXIT.fault : EXIT.usage, { status });
  }
}

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
      throw new CtlError('CTL_NODE_URL', `--node ${JSON.stringify(url)}: not a URL (expected http://host:port)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CtlError('CTL_NODE_URL', `--node ${JSON.stringify(url)}: expected an http:// or https:// URL`);
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
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError') throw new CtlError('CTL_NODE_UNREACHABLE', `cannot reach the node at ${this.base}: no answer within ${this.timeoutMs} ms (${method} ${path})`);
      const code = err.cause?.code;
      const notHttp = code?.startsWith('HPE_') ? "the answer is not HTTP (icn-node's gossip port? the API is the --http address)" : undefined;
      const why = notHttp ?? (code && NET_WHY[code]) ?? err.cause?.message ?? err.message;
      throw new CtlError('CTL_NODE_UNREACHABLE', `cannot reach the node at ${this.base}: ${why}${code ? ` (${code})` : ''}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CtlError('CTL_NOT_A_NODE', `${url}: HTTP ${res.status}, and the answer is not JSON: is ${this.base} an icn-node HTTP API?`);
    }
    const o = json as Record<string, unknown>;
    if (!res.ok) {
      if (typeof o?.error === 'string') throw new NodeHttpError(res.status, o.error, String(o.reason ?? ''), `${method} ${url}`);
      throw new CtlError('CTL_NOT_A_NODE', `${url}: HTTP ${res.status} without icn-node's {error, reason}: is ${this.base} an icn-node HTTP API?`);
    }
    if (typeof o !== 'object' || o === null) throw new CtlError('CTL_NOT_A_NODE', `${url}: the answer is not a JSON object: is ${this.base} an icn-node HTTP API?`);
    for (const [field, want] of Object.entries(shape)) {
      const got = kind(o[field]);
      if (got === 'undefined' || (want !== 'any' && got !== want)) throw new CtlError('CTL_NOT_A_NODE', `${url}: the answer has no ${want === 'any' ? '' : `${want} `}"${field}" (${got}): is ${this.base} an icn-node HTTP API of this version?`);
    }
    return o as T;
  }
}
