import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { allocatePort, ephemeralRange, listeningRange } from './ports.js';

describe('listening ports for daemons', () => {
  it('reads the ephemeral range, falling back to the IANA one', () => {
    expect(ephemeralRange(() => '32768\t60999\n')).toEqual([32768, 60999]);
    expect(ephemeralRange(() => 'junk')).toEqual([49152, 65535]);
    expect(
      ephemeralRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual([49152, 65535]);
  });

  it('draws from below the ephemeral range, or above it when below is too small', () => {
    expect(listeningRange([32768, 60999])).toEqual([10000, 32767]);
    expect(listeningRange([10500, 50000])).toEqual([50001, 65535]);
    expect(listeningRange([1024, 65000])).toEqual([1024, 65535]);
  });

  it('never hands out a port twice, never one in the ephemeral range, and skips ports in use', async () => {
    const [, ephemeralHi] = ephemeralRange();
    const [ephemeralLo] = ephemeralRange();
    const got = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const p = await allocatePort();
      expect(p < ephemeralLo || p > ephemeralHi, `port ${p}`).toBe(true);
      got.add(p);
    }
    expect(got.size).toBe(60);
    // a tiny range with one port already bound by someone else: that port is skipped
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const taken = (busy.address() as { port: number }).port;
    try {
      const p = await allocatePort('127.0.0.1', [taken, taken + 1]);
      expect(p).toBe(taken + 1);
      await expect(allocatePort('127.0.0.1', [taken, taken])).rejects.toThrow(/no free port/);
    } finally {
      busy.close();
    }
  });
});
