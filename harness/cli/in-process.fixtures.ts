/**
 * icn-harness in the test's own process: main() with stdout and stderr captured, the exit code it
 * sets, and the working directory of the call. For the many usage and bad-input cases of a verb
 * whose real process is tested elsewhere (each such test file keeps real-process tests): a child
 * costs ~0.2-0.5 s of CPU to start Node and load the CLI, the call itself a few milliseconds.
 * Only for calls that end on their own (no daemons, no workers left running).
 */
import { vi } from 'vitest';
import { main } from './main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

const text = (c: string | Uint8Array): string =>
  typeof c === 'string' ? c : Buffer.from(c).toString('utf8');

/** `icn-harness ...args` in this process, in `cwd` when given; what a child would have printed. */
export async function cliInProcess(args: string[], cwd?: string): Promise<CliRun> {
  let out = '';
  let err = '';
  const capture =
    (add: (s: string) => void) =>
    (c: string | Uint8Array, ...rest: unknown[]) => {
      add(text(c));
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (done) queueMicrotask(done);
      return true;
    };
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => (out += s)));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => (err += s)));
  const before = process.exitCode;
  const home = process.cwd();
  process.exitCode = undefined;
  try {
    if (cwd !== undefined) process.chdir(cwd);
    await main(['node', 'icn-harness', ...args]);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.chdir(home);
    o.mockRestore();
    e.mockRestore();
    process.exitCode = before;
  }
}
