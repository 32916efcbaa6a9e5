/**
 * Starting one child Node per V8 tier for the nasties suite and collecting its results.
 *
 * Flags: the tier's pin (harness/runner/tiers.ts) and, where this Node needs it for relaxed SIMD
 * (Node 20), `--experimental-wasm-relaxed-simd`; Node 22 enables relaxed SIMD by default and
 * rejects that flag, so whether to pass it is decided by asking V8 (WebAssembly.validate), not by
 * the version number. Children go through nodeCommand (qemu-user needs the wrapper).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IcnError } from '../../../core/errors.js';
import { nodeCommand } from '../../proc/node-command.js';
import { execArgvForTier } from '../../runner/tiers.js';
import type { ChildJob, ChildReply } from './jobs.js';
import type { Tier } from './spec.js';

export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/** A module whose only function uses i8x16.relaxed_swizzle. */
const RELAXED_PROBE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x2b, 0x01, 0x29, 0x00,
  0xfd, 0x0c, ...new Array<number>(16).fill(0),
  0xfd, 0x0c, ...new Array<number>(16).fill(0),
  0xfd, 0x80, 0x02, 0x0b,
]);

/** True when this process's V8 accepts relaxed SIMD as it was started. */
export function relaxedSimdEnabled(): boolean {
  // lib is ES2022 without DOM: WebAssembly is there at run time, not in the type declarations
  const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
  return wasm.validate(RELAXED_PROBE);
}

/** Flags a V8 tier's child gets: the parent's plain V8 flags minus tier pins, the tier, relaxed SIMD where needed. */
export function childFlags(tier: Tier, parent: readonly string[] = process.execArgv): string[] {
  // Only self-contained `--flag[=value]` entries: loader/condition options of a test runner stay out.
  const plain = parent.filter((a) => a.startsWith('--') && !/^--(import|require|loader|experimental-loader|conditions|inspect|input-type|eval|print)\b/.test(a));
  const flags = execArgvForTier(tier, plain);
  if (!relaxedSimdEnabled() && !flags.includes(RELAXED_SIMD_FLAG)) flags.push(RELAXED_SIMD_FLAG);
  return flags;
}

/** The compiled child script: beside this module in dist/, or in the repo's dist/ under vitest. */
export function childScript(repoRoot: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'child.js');
  if (existsSync(sibling)) return sibling;
  const built = join(repoRoot, 'dist', 'harness', 'suites', 'nasties', 'child.js');
  if (existsSync(built)) return built;
  throw new IcnError('HARNESS_FAULT', `nasties child script not found (${sibling}): run \`npm run build\``);
}

/** Per-tier limit for the whole child (emulated arm64 is ~10x slower than native). */
export const CHILD_TIMEOUT_MS = 30 * 60_000;

export async function runTierChild(tier: Tier, jobs: ChildJob[], repoRoot: string): Promise<ChildReply> {
  const cmd = nodeCommand(childFlags(tier), childScript(repoRoot), []);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd.command, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => p.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new IcnError('HARNESS_FAULT', `cannot start the ${tier} child (${cmd.command}): ${e.message}`));
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8').trim().slice(-2000);
      if (code !== 0) {
        reject(new IcnError('HARNESS_FAULT', `the ${tier} child (${[...childFlags(tier)].join(' ') || 'no flags'}) failed: ${signal ? `killed by ${signal}` : `exit ${code}`}${stderr ? `: ${stderr}` : ''}`));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as ChildReply);
      } catch (e) {
        reject(new IcnError('HARNESS_FAULT', `the ${tier} child wrote no JSON: ${(e as Error).message}${stderr ? ` (${stderr})` : ''}`));
      }
    });
    p.stdin.on('error', () => undefined); // a child that dies early reports through 'close'
    p.stdin.end(JSON.stringify(jobs));
  });
}
