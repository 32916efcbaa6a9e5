/** `icn-harness run`, parse: the flags checked and resolved into what the run needs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadKnownFailures, type KnownFailureList } from '../../runner/known-failures.js';
import { parseShard, type Shard } from '../../runner/shard.js';
import { parseTiers } from '../../runner/tiers.js';
import { parsePositiveInt, parseSeed } from '../options.js';
import { repoRoot } from '../repo.js';

/** The command's flags as commander gives them (run.ts declares them). */
export interface RunFlags {
  suite: string[];
  skipSuite: string[];
  filter: string[];
  tag: string[];
  list?: boolean;
  seed: string;
  repeat?: string;
  checkDeterminism?: boolean;
  tiers?: string[];
  jobs?: string;
  shard?: string;
  specTests?: string;
  out?: string;
  json?: boolean;
  knownFailures: string | false;
  timeout?: string;
  progress: boolean;
}

export interface RunPlan {
  flags: RunFlags;
  root: string;
  seed: bigint;
  jobs: number;
  repeat: number;
  timeoutMs: number;
  /** --timeout given: every case of `--jobs` in a worker process, where the limit applies. */
  isolate: boolean;
  shard: Shard | undefined;
  tiers: string[] | undefined;
  context: { repoRoot: string; seed: bigint; specTestsDir: string | undefined; tiers: string[] };
  knownFailures: KnownFailureList | undefined;
  /** --json: the manifest on stdout, no summary or progress. */
  quiet: boolean;
}

/** The known-failure list: --known-failures FILE, none with --no-known-failures, else the repository's when present. */
function knownFailuresPath(o: RunFlags, root: string): string | undefined {
  if (o.knownFailures === false) return undefined;
  const dflt = join(root, 'harness/known-failures.json');
  return o.knownFailures ?? (existsSync(dflt) ? dflt : undefined);
}

export function parseRunFlags(o: RunFlags): RunPlan {
  const seed = parseSeed(o.seed);
  const root = repoRoot();
  const jobs = parsePositiveInt('--jobs', o.jobs ?? '1', 64);
  const repeat = o.repeat === undefined ? 1 : parsePositiveInt('--repeat', o.repeat, 1000);
  const timeoutMs = parsePositiveInt('--timeout', o.timeout ?? '300', 86_400) * 1000;
  const shard = o.shard === undefined ? undefined : parseShard(o.shard);
  const tiers = o.tiers === undefined ? undefined : parseTiers(o.tiers);
  const context = { repoRoot: root, seed, specTestsDir: o.specTests, tiers: tiers ?? ['default'] };
  // --list runs nothing: the known-failure list is not read
  const kfPath = o.list ? undefined : knownFailuresPath(o, root);
  const knownFailures = kfPath ? loadKnownFailures(kfPath) : undefined;
  return {
    flags: o,
    root,
    seed,
    jobs,
    repeat,
    timeoutMs,
    isolate: o.timeout !== undefined,
    shard,
    tiers,
    context,
    knownFailures,
    quiet: o.json === true,
  };
}
