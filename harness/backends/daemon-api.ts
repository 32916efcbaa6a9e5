/** Talking to icn-node daemons over HTTP: one bounded request, polling until a condition holds. */
import { IcnError } from '../../core/errors.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Poll `cond` until true or the deadline; the timeout names what was awaited. */
export async function until(
  what: string,
  cond: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() - t0 > timeoutMs)
      throw new IcnError('HARNESS_FAULT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** One request to a daemon's API; a bounded wait (a daemon that stops answering must not stall the run). */
export async function request(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}${path}`, {
    method,
    signal: AbortSignal.timeout(10_000),
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await r.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { error: 'NOT_JSON', reason: text.slice(0, 300) };
  }
  return { status: r.status, json };
}
