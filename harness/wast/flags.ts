/**
 * V8 flags the .wast runner and the wasm CLI verbs may need on the node command line (V8 reads
 * them at startup; NODE_OPTIONS does not accept them): a compiler tier, and on Node 20 relaxed SIMD.
 * When the running process lacks them, the CLI re-executes itself in a child Node with them.
 */
import { spawn } from 'node:child_process';
import { nodeCommand } from '../proc/node-command.js';
import { UsageError } from '../io/files.js';

export const TIERS = ['default', 'liftoff', 'turbofan'] as const;
export type Tier = (typeof TIERS)[number];

export const TIER_FLAGS: Record<Tier, string[]> = {
  default: [],
  liftoff: ['--liftoff-only'],
  turbofan: ['--no-liftoff'],
};
const CHILD_ENV = 'ICN_HARNESS_WASM_CHILD';

export function parseTier(s: string): Tier {
  if (!(TIERS as readonly string[]).includes(s))
    throw new UsageError(
      'USAGE_TIER',
      `--tier ${JSON.stringify(s)}: expected one of ${TIERS.join(', ')}`,
    );
  return s as Tier;
}

/** The tier this process runs wasm in, from its own flags. */
export function currentTier(execArgv: readonly string[] = process.execArgv): Tier {
  if (execArgv.includes('--liftoff-only')) return 'liftoff';
  if (execArgv.includes('--no-liftoff')) return 'turbofan';
  return 'default';
}

/**
 * Flags missing from this process for `tier` and for spec features its V8 has behind a flag
 * (probed, not guessed from the version: Node 20 needs --experimental-wasm-relaxed-simd, Node 22
 * accepts relaxed SIMD as is and rejects that flag), or [] when it can run as is.
 */
export function missingFlags(tier: Tier, featureFlags: string[]): string[] {
  const out: string[] = [];
  if (currentTier() !== tier) {
    if (tier === 'default' && currentTier() !== 'default')
      throw new UsageError(
        'USAGE_TIER',
        `--tier default, but this node runs with ${currentTier()} flags`,
      );
    out.push(...TIER_FLAGS[tier]);
  }
  out.push(...featureFlags);
  return out;
}

export function isWasmChild(): boolean {
  return process.env[CHILD_ENV] === '1';
}

/** Re-run this CLI invocation in a child Node with extra flags; resolves to its exit code. */
export function reexecWith(flags: string[]): Promise<number> {
  const script = process.argv[1]!;
  const cmd = nodeCommand([...process.execArgv, ...flags], script, process.argv.slice(2));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, {
      stdio: 'inherit',
      env: { ...process.env, [CHILD_ENV]: '1' },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 3 : 0)));
  });
}
