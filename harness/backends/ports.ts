/**
 * Listening ports for daemons that must know each other's addresses before they start (every
 * daemon gets every peer's `--peer host:port` on its command line, and a restarted daemon must come
 * back on the same port).
 *
 * Ports are taken from *below* the kernel's ephemeral range: a port handed out from inside it (what
 * `listen(0)` returns) can be taken, before its daemon binds it, as the local end of an outgoing
 * connection; with 50 daemons dialing 49 peers each that happened (EADDRINUSE). Each candidate
 * is checked by binding it, and a port is never handed out twice by this process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { IcnError } from '../../core/errors.js';

/** The kernel's ephemeral range (Linux), or the IANA one where it cannot be read. */
export function ephemeralRange(
  read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'),
): [number, number] {
  try {
    const [lo, hi] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi) && lo! > 0 && hi! >= lo!) return [lo!, hi!];
  } catch {
    /* not Linux: fall through */
  }
  return [49152, 65535];
}

/** The range ports are drawn from: [10000, start of the ephemeral range), or above it when that is too small. */
export function listeningRange(ephemeral: [number, number]): [number, number] {
  const [lo, hi] = ephemeral;
  if (lo - 10000 >= 1000) return [10000, lo - 1];
  if (65535 - hi >= 1000) return [hi + 1, 65535];
  return [1024, 65535]; // no room outside the ephemeral range: bind checks alone
}

const handedOut = new Set<number>();
let cursor = -1;

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A port on `host` that is free now, outside the ephemeral range, and not handed out before by
 * this process. Concurrent runs start at different offsets (by pid) and skip ports in use.
 */
export async function allocatePort(
  host = '127.0.0.1',
  range: [number, number] = listeningRange(ephemeralRange()),
): Promise<number> {
  const [lo, hi] = range;
  const size = hi - lo + 1;
  if (cursor < 0) cursor = (process.pid * 7919) % size;
  for (let tries = 0; tries < size; tries++) {
    const port = lo + (cursor++ % size);
    if (handedOut.has(port)) continue;
    if (await canBind(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new IcnError(
    'HARNESS_NO_FREE_PORT',
    `no free port on ${host} in ${lo}-${hi} (every port there is in use or already handed to a daemon of this run)`,
    { host, lo, hi },
  );
}
