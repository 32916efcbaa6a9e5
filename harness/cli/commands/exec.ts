import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

const HELP = `
Input: a binary module or a text module, told apart by content; a .wast script is refused.
Option combinations (anything else is an error, exit 2, never silently ignored):
  --profile raw            V8 as is: no fuel, no logical stack, no memory cap; --fuel is an error.
  --profile dc | dc-float  metered: --fuel applies (default 1000000000).
  --engine v8 (default)    any profile; --tier applies (default | liftoff | turbofan).
  --engine interp          dc and dc-float only; --trace applies; --tier is an error (no V8 tiers).
  --trace                  only with --engine interp.
  --created-at             only for a module importing icn.timestamp or icn.entropy_seed (the
                           only readers of created_at); otherwise an error.
  --args, --json apply everywhere; --no-cache and --cache-dir choose the on-disk module cache
                           (--engine v8: the instrumented module is prepared once per module,
                           profile, cost table and harness build; docs/cli.md).
Imports: every profile links only icn.log, icn.timestamp and icn.entropy_seed; a module importing
anything else is rejected (exit 1) with the missing imports named (\`check\` lists them first).
Limits: a result decided by a limit (fuel, the profile's logical stack, the profile's memory cap
refusing a memory.grow) names it and its value on a "limit" line (JSON: "limits"); these lines are
volatile diagnostics, not part of outputHash.`;

export function register(program: Command): void {
  program
    .command('exec')
    .description(
      'run one export of a module under a wasm profile in the deterministic executor; exit 0 for a completed run or a deterministic trap, 1 for a rejected module, 3 for a harness fault',
    )
    .argument('<file>', 'a .wasm or .wat file')
    .requiredOption('--profile <name>', 'raw | dc | dc-float')
    .requiredOption('--invoke <name>', 'the exported function to call')
    .option(
      '--args <list>',
      'comma-separated typed values: i32:1,i64:-2,f32:0x7fc00000,f64:0x…,v128:0x…',
      '',
    )
    .option('--fuel <n>', 'fuel limit, dc / dc-float only (decimal, 0..2^63-1; default 1000000000)')
    .option(
      '--created-at <n>',
      'the task created_at returned by icn.timestamp (i64, default 0)',
      '0',
    )
    .option(
      '--engine <name>',
      'v8 (the instrumented module on V8) | interp (the reference interpreter, dc and dc-float only)',
      'v8',
    )
    .option(
      '--trace',
      'with --engine interp: print the event trace (charge, call, return, trap) as JSON lines on stderr',
    )
    .option(
      '--tier <tier>',
      'with --engine v8 only: V8 compiler tier: default | liftoff | turbofan (re-executes node with the flags; default: the tier of this node process)',
    )
    .option('--json', 'print the result object as JSON')
    .option('--no-cache', 'neither read nor write the on-disk module cache (also: ICN_CACHE=off)')
    .option(
      '--cache-dir <dir>',
      'the module cache directory (default: $ICN_CACHE_DIR, else $XDG_CACHE_HOME/icn-harness, else ~/.cache/icn-harness)',
    )
    .addHelpText('after', HELP)
    .action(
      action(
        'exec',
        async (
          file: string,
          o: {
            profile: string;
            invoke: string;
            args: string;
            fuel?: string;
            createdAt: string;
            tier?: string;
            json?: boolean;
            engine: string;
            trace?: boolean;
            cache?: boolean;
            cacheDir?: string;
          },
          cmd: Command,
        ) => {
          const { isProfileName, PROFILE_NAMES } = await import('../../../core/wasm/profiles.js');
          const { parseValueList } = await import('../../../core/wasm/exec/values.js');
          const { execute } = await import('../../../core/wasm/exec/executor.js');
          const { loadModuleFile } = await import('../../wast/load.js');
          const { isWasmChild, reexecWith } = await import('../../wast/flags.js');
          const profile = await checkedProfile(o, isProfileName, PROFILE_NAMES);
          const need = await missingTierFlags(o);
          if (need.length > 0 && !isWasmChild()) return reexecWith(need);
          const int = await decimalParser();
          const args = await parseArgs(o.args, parseValueList);
          const bytes = await loadModuleFile(file);
          if (cmd.getOptionValueSource('createdAt') === 'cli') await refuseCreatedAt(bytes);
          try {
            const task = {
              module: bytes,
              profile,
              invoke: o.invoke,
              args,
              fuel: o.fuel === undefined ? undefined : int('--fuel', o.fuel, false),
              createdAt: int('--created-at', o.createdAt, true),
            };
            if (o.engine === 'v8') await useModuleCache(o);
            const r =
              o.engine === 'interp'
                ? (await import('../../wast/interp-engine.js')).runInterpTask(
                    { ...task, profile: o.profile as 'dc' | 'dc-float' },
                    o.trace === true,
                  )
                : await execute(task);
            await printResult(r, o.json === true);
            return EXIT.ok;
          } catch (e) {
            if (await printRejection(e, o.profile, o.json === true)) return EXIT.negative;
            throw e;
          }
        },
      ),
    );
}

type Profiles = typeof import('../../../core/wasm/profiles.js');
type ProfileName = import('../../../core/wasm/profiles.js').ProfileName;
type ExecFlags = { profile: string; engine: string; fuel?: string; trace?: boolean; tier?: string };

/**
 * The profile, once the option combinations that are errors (exit 2) are refused: the help's
 * table, checked in its order.
 */
async function checkedProfile(
  o: ExecFlags,
  isProfileName: Profiles['isProfileName'],
  names: Profiles['PROFILE_NAMES'],
): Promise<ProfileName> {
  const { UsageError } = await import('../../io/files.js');
  const { notApplicable } = await import('../options.js');
  if (!isProfileName(o.profile)) {
    const expected = names.join(', ');
    throw new UsageError(
      'USAGE_PROFILE',
      `--profile ${JSON.stringify(o.profile)}: expected one of ${expected}`,
    );
  }
  if (o.engine !== 'v8' && o.engine !== 'interp')
    throw new UsageError(
      'USAGE_ENGINE',
      `--engine ${JSON.stringify(o.engine)}: expected v8 or interp`,
    );
  if (o.engine === 'interp' && o.profile === 'raw')
    throw new UsageError(
      'USAGE_ENGINE',
      '--engine interp runs the dc and dc-float profiles only (raw is V8 as is): ' +
        'use --engine v8 with --profile raw',
    );
  if (o.fuel !== undefined && o.profile === 'raw')
    throw notApplicable(
      '--fuel',
      'with --profile raw',
      'raw is unmetered (fuelUsed is always 0); fuel limits apply to --profile dc and dc-float',
    );
  if (o.trace && o.engine !== 'interp')
    throw notApplicable(
      '--trace',
      `with --engine ${o.engine}`,
      'only the reference interpreter records an event trace: ' +
        'add --engine interp (dc or dc-float)',
    );
  if (o.tier !== undefined && o.engine === 'interp')
    throw notApplicable(
      '--tier',
      'with --engine interp',
      'the reference interpreter has no V8 compiler tiers: use --engine v8 to pick a tier',
    );
  return o.profile;
}

/** The node flags this run still needs (the V8 tier asked for; raw: its missing features). */
async function missingTierFlags(o: { profile: string; tier?: string }): Promise<string[]> {
  const { parseTier, missingFlags, currentTier } = await import('../../wast/flags.js');
  const { flagsForMissingFeatures } = await import('../../wast/v8-features.js');
  const tier = o.tier === undefined ? currentTier() : parseTier(o.tier);
  return missingFlags(tier, o.profile === 'raw' ? flagsForMissingFeatures() : []);
}

/** A parser of decimal integer flags (signed: may be negative); USAGE_INT otherwise. */
async function decimalParser(): Promise<(flag: string, s: string, signed: boolean) => bigint> {
  const { UsageError } = await import('../../io/files.js');
  return (flag, s, signed) => {
    if (!(signed ? /^-?(0|[1-9][0-9]*)$/ : /^(0|[1-9][0-9]*)$/).test(s))
      throw new UsageError('USAGE_INT', `${flag} ${JSON.stringify(s)}: expected a decimal integer`);
    return BigInt(s);
  };
}

/** --args as typed values; a bad list is a usage error naming --args. */
async function parseArgs(
  text: string,
  parseValueList: typeof import('../../../core/wasm/exec/values.js').parseValueList,
): Promise<ReturnType<typeof parseValueList>> {
  const { isIcnError } = await import('../../../core/errors.js');
  const { UsageError } = await import('../../io/files.js');
  try {
    return parseValueList(text);
  } catch (e) {
    if (isIcnError(e)) throw new UsageError(e.code, `--args: ${e.message}`);
    throw e;
  }
}

type ExecResult = Awaited<ReturnType<typeof import('../../../core/wasm/exec/executor.js').execute>>;

/** A completed run (or deterministic trap): JSON, or the text lines. */
async function printResult(r: ExecResult, json: boolean): Promise<void> {
  const { limitLines } = await import('../wasm-output.js');
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    process.stdout.write(`${r.outcome}${r.trap ? ` (${r.trap})` : ''}\n`);
    if (r.returns.length > 0) process.stdout.write(`returns     ${r.returns.join(' ')}\n`);
    process.stdout.write(
      `fuelUsed    ${r.fuelUsed}\nmemory      ${r.memoryHash}\nhostCalls   ${r.hostCallsHash}\n` +
        `profile     ${r.profileHash}\noutput      ${r.outputHash}\n`,
    );
    for (const l of limitLines(r.limits)) process.stdout.write(`${l}\n`);
  }
}

/** A module the profile rejects: printed, true (exit 1); any other error: false. */
async function printRejection(e: unknown, profile: string, json: boolean): Promise<boolean> {
  const { WasmRejected } = await import('../../../core/wasm/exec/profile.js');
  if (!(e instanceof WasmRejected)) return false;
  const { violationLines } = await import('../wasm-output.js');
  if (json) {
    const doc = { rejected: true, profile, message: e.message, violations: e.violations };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    process.stdout.write(`rejected: ${e.message}\n`);
    if (e.violations.length > 0)
      process.stdout.write(`${violationLines(e.violations).join('\n')}\n`);
  }
  return true;
}

/** refuseUnreadCreatedAt with its imports (loaded only when --created-at is given). */
async function refuseCreatedAt(bytes: Uint8Array): Promise<void> {
  const { tryDecodeModule } = await import('../../../core/wasm/binary/decode.js');
  const { notApplicable } = await import('../options.js');
  refuseUnreadCreatedAt(bytes, tryDecodeModule, notApplicable);
}

/** --created-at reaches the guest only through icn.timestamp and icn.entropy_seed: given for a module importing neither, it would be silently ignored. */
function refuseUnreadCreatedAt(
  bytes: Uint8Array,
  tryDecode: typeof import('../../../core/wasm/binary/decode.js').tryDecodeModule,
  notApplicable: typeof import('../options.js').notApplicable,
): void {
  const d = tryDecode(bytes);
  if (!d.ok) return; // the executor reports an undecodable module
  const reads = d.module.imports.some(
    (i) => i.module === 'icn' && (i.name === 'timestamp' || i.name === 'entropy_seed'),
  );
  if (!reads)
    throw notApplicable(
      '--created-at',
      'to this module',
      'it imports neither icn.timestamp nor icn.entropy_seed, the only readers of created_at',
    );
}

/** The prepared (validated, instrumented) module from the on-disk cache, or built and stored there. */
async function useModuleCache(flags: { cache?: boolean; cacheDir?: string }): Promise<void> {
  const { openWasmCache, preparedStore } = await import('../../cache/wasm-cache.js');
  const cache = openWasmCache(flags);
  if (cache)
    (await import('../../../core/wasm/exec/module-cache.js')).setPreparedStore(
      preparedStore(cache),
    );
}
