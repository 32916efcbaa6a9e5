/**
 * Running a list of nasty jobs in this process (the per-tier child, or in-process in tests).
 * Jobs that share a module share one executor session.
 */
import { WasmSession } from '../../../core/wasm/exec/session.js';
import { runExec, runStackDepth, type ProbeResult } from './probe.js';
import type { NastyCase, Profile } from './spec.js';

export interface ChildJob {
  key: string;
  /** Module bytes, hex. Jobs sharing a module share one executor session. */
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

export async function runJobs(jobs: ChildJob[]): Promise<Record<string, ProbeResult>> {
  const results: Record<string, ProbeResult> = {};
  let session: WasmSession | undefined;
  let sessionModule = '';
  const fresh = async (module: string) => {
    // One session per module: instances (and their memories) live as long as the worker.
    if (session && sessionModule === module) return session;
    await session?.close();
    session = new WasmSession();
    sessionModule = module;
    return session;
  };
  try {
    for (const j of jobs) {
      const bytes = fromHex(j.module);
      if ((j.case.probe ?? 'exec') === 'stack_depth' && j.profile === 'raw') {
        results[j.key] = await runStackDepth(bytes, j.case);
        continue;
      }
      let r = await runExec(bytes, j.case, j.profile, await fresh(j.module));
      if (r.outcome === 'fault') {
        // A dead session must not take the following jobs with it: retry once on a new one.
        await session?.close();
        session = undefined;
        r = await runExec(bytes, j.case, j.profile, await fresh(j.module));
      }
      results[j.key] = r;
    }
  } finally {
    await session?.close();
  }
  return results;
}

