/** The platform fingerprint: facts that may explain an advisory divergence. Never hashed into lc. */
import { readFileSync } from 'node:fs';
import type { PlatformFingerprint } from './types.js';

/** CPU flags that change float/SIMD behaviour in V8 (FMA fusing, SSE4.1 rounding, NEON). */
const RELEVANT_CPU_FLAGS = new Set([
  'fma',
  'avx',
  'avx2',
  'avx512f',
  'sse4_1',
  'sse4_2',
  'f16c',
  'asimd',
  'fphp',
  'asimdhp',
  'sve',
]);

export function tierOfFlags(flags: readonly string[]): string {
  if (flags.includes('--liftoff-only')) return 'liftoff';
  if (flags.includes('--no-liftoff')) return 'turbofan';
  return 'default';
}

function cpuFeatures(): string[] {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    // x86 lists `flags`, arm64 `Features`. Under qemu-user /proc/cpuinfo is the host's: an arm64
    // process then sees x86 flags, which say nothing about the emulated CPU, so they are ignored.
    const key = process.arch === 'arm64' ? 'Features' : 'flags';
    const line = info.split('\n').find((l) => new RegExp(`^${key}\\s*:`).test(l));
    if (!line) return [];
    const flags = line
      .slice(line.indexOf(':') + 1)
      .trim()
      .split(/\s+/);
    return [...new Set(flags.filter((f) => RELEVANT_CPU_FLAGS.has(f)))].sort();
  } catch {
    return [];
  }
}

export function currentPlatform(): PlatformFingerprint {
  const v8Flags = process.execArgv.filter(
    (a) =>
      a.startsWith('--') &&
      !a.startsWith('--require') &&
      !a.startsWith('--import') &&
      !a.startsWith('--loader'),
  );
  const fp: PlatformFingerprint = {
    arch: process.arch,
    os: process.platform,
    node: process.version,
    v8: process.versions.v8,
    v8Flags,
    tier: tierOfFlags(v8Flags),
    cpuFeatures: cpuFeatures(),
  };
  if (process.env.ICN_EMULATED) fp.emulated = process.env.ICN_EMULATED === '1';
  return fp;
}
