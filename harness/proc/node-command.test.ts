import { afterEach, describe, expect, it } from 'vitest';
import { nodeCommand } from './node-command.js';

describe('nodeCommand', () => {
  const saved = process.env.ICN_NODE_WRAPPER;
  afterEach(() => {
    if (saved === undefined) delete process.env.ICN_NODE_WRAPPER;
    else process.env.ICN_NODE_WRAPPER = saved;
  });

  it('runs this node directly by default', () => {
    delete process.env.ICN_NODE_WRAPPER;
    expect(nodeCommand(['--liftoff-only'], 'x.js', ['a'])).toEqual({
      command: process.execPath,
      args: ['--liftoff-only', 'x.js', 'a'],
    });
  });

  it('goes through the emulator wrapper when one is set', () => {
    process.env.ICN_NODE_WRAPPER = '/cache/qemu-aarch64-static';
    expect(nodeCommand([], 'x.js', [])).toEqual({
      command: '/cache/qemu-aarch64-static',
      args: [process.execPath, 'x.js'],
    });
  });
});
