/**
 * The same task under every V8 tier, each in its own child Node (tiers are process flags):
 * dc results (stack_exhausted at the same logical depth, fuel, memory, NaN bits under dc-float)
 * are identical; raw's native stack depth is not (why raw is never LC). Runs the built CLI
 * (dist/, which `npm test` builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeCommand } from '../proc/node-command.js';
import { TIER_FLAGS, type Tier } from './flags.js';

const CLI = join(process.cwd(), 'bin', 'icn-harness.js');
const dir = mkdtempSync(join(tmpdir(), 'icn-tiers-'));
const INT = join(dir, 'deep.wat');
const FLOAT = join(dir, 'nan.wat');
// deep: stores its depth at address 0 on each call, so the memory hash pins the depth reached
writeFileSync(
  INT,
  `(module
  (memory 1)
  (func $deep (export "deep") (param i32)
    (i32.store (i32.const 0) (local.get 0))
    (call $deep (i32.add (local.get 0) (i32.const 1)))))`,
);
writeFileSync(
  FLOAT,
  `(module (func (export "nan") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1))))`,
);

function exec(tier: Tier, file: string, args: string[]): Record<string, unknown> {
  const cmd = nodeCommand(TIER_FLAGS[tier], CLI, ['exec', file, ...args, '--json']);
  return JSON.parse(execFileSync(cmd.command, cmd.args, { encoding: 'utf8' })) as Record<
    string,
    unknown
  >;
}

const tiers: Tier[] = ['default', 'liftoff', 'turbofan'];

describe.runIf(existsSync(join(process.cwd(), 'dist', 'harness', 'cli', 'main.js')))(
  'tiers (child processes)',
  () => {
    it('dc: stack_exhausted at the same logical depth, same fuel and memory, under every tier', () => {
      const rs = tiers.map((t) =>
        exec(t, INT, ['--profile', 'dc', '--invoke', 'deep', '--args', 'i32:0']),
      );
      expect(rs[0]).toMatchObject({ outcome: 'trapped', trap: 'stack_exhausted' });
      expect(rs[1]).toEqual(rs[0]);
      expect(rs[2]).toEqual(rs[0]);
    });
    it('dc-float: NaN of two NaN operands is the canonical NaN under every tier', () => {
      const rs = tiers.map((t) =>
        exec(t, FLOAT, [
          '--profile',
          'dc-float',
          '--invoke',
          'nan',
          '--args',
          'f32:0x7fa00001,f32:0xffc00002',
        ]),
      );
      for (const r of rs) expect(r.returns).toEqual(['f32:0x7fc00000']);
      expect(new Set(rs.map((r) => r.outputHash)).size).toBe(1);
    });
    it('raw: a native stack overflow is the trap stack_exhausted (exit 0) under every tier', () => {
      for (const t of tiers) {
        const cmd = nodeCommand(TIER_FLAGS[t], CLI, [
          'exec',
          INT,
          '--profile',
          'raw',
          '--invoke',
          'deep',
          '--args',
          'i32:0',
        ]);
        const out = execFileSync(cmd.command, cmd.args, { stdio: 'pipe', encoding: 'utf8' });
        expect(out).toMatch(/^trapped \(stack_exhausted\)/);
      }
    });
  },
);
