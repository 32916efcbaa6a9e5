/**
 * Running a list of nasty jobs in this process (the per-tier child, or in-process in tests).
 * Every job runs on one executor session (replaced only when its worker dies).
 */
import { WasmSession } from '../../../core/wasm/exec/session.js';
import { runExec, runStackDepth, type ProbeResult } from './probe.js';
import type { NastyCase, Profile } from './spec.js';

export interface ChildJob {
  key: string;
  /** Module bytes, hex. */
  module: string;
  case: NastyCase;
  profile: Profile;
}

export interface ChildReply {
  arch: string;
  node: string;
  execArgv: string[];
  results: Record<string, ProbeResult>;
}

function fromHex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** Faults after which the session's worker is gone (a new session is needed for the next job). */
const DEAD_SESSION = /wasm worker (exited|crashed|ran out of memory|did not answer)|session closed/;

export async function runJobs(jobs: ChildJob[]): Promise<Record<string, ProbeResult>> {
  const results: Record<string, ProbeResult> = {};
  // One executor session (one Worker) for every job: starting a Worker costs seconds under
  // qemu-user. A session whose worker died is replaced, and the job retried once on the new one.
  let session: WasmSession | undefined;
  const live = () => (session ??= new WasmSession());
  const timing = process.env.ICN_NASTIES_TIMING === '1';
  try {
    for (const j of jobs) {
      const t0 = timing ? performance.now() : 0;
      if (timing) process.stderr.write(`${j.key} `);
      const bytes = fromHex(j.module);
      if ((j.case.probe ?? 'exec') === 'stack_depth' && j.profile === 'raw') {
        results[j.key] = await runStackDepth(bytes, j.case);
      } else {
        let r = await runExec(bytes, j.case, j.profile, live());
        if (r.outcome === 'fault' && DEAD_SESSION.test(r.fault ?? '')) {
          await session?.close();
          session = undefined;
          r = await runExec(bytes, j.case, j.profile, live());
        }
        results[j.key] = r;
      }
      if (timing) process.stderr.write(`${Math.round(performance.now() - t0)} ms\n`);
    }
  } finally {
    await session?.close();
  }
  return results;
}
