/**
 * The per-tier child process of the nasties suite. The parent starts it with one tier's V8 flags
 * (harness/runner/tiers.ts, via harness/proc/node-command.ts), writes the jobs as one JSON document
 * on stdin (modules already compiled, as hex) and reads one JSON document from stdout. V8 flags
 * are process-wide, so every Worker the executor starts here runs under the same tier.
 */
import { runJobs, type ChildJob, type ChildReply } from './jobs.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const jobs = JSON.parse(await readStdin()) as ChildJob[];
  const reply: ChildReply = { arch: process.arch, node: process.version, execArgv: process.execArgv, results: await runJobs(jobs) };
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`nasties child: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(3);
});
