/**
 * How to start a child Node process (tiers, jobs, relaxed-SIMD flags). Under qemu-user an arm64
 * node cannot exec another arm64 binary by itself (no binfmt registration on our machines), so
 * every child goes through the wrapper named by ICN_NODE_WRAPPER (e.g. `qemu-aarch64-static`),
 * which `npm run xarch` sets. Always spawn child Nodes through this function.
 */
export interface NodeCommand {
  command: string;
  args: string[];
}

export function nodeCommand(
  nodeFlags: readonly string[],
  script: string,
  scriptArgs: readonly string[],
): NodeCommand {
  const wrapper = process.env.ICN_NODE_WRAPPER?.trim();
  const nodeArgs = [...nodeFlags, script, ...scriptArgs];
  if (wrapper) return { command: wrapper, args: [process.execPath, ...nodeArgs] };
  return { command: process.execPath, args: nodeArgs };
}
