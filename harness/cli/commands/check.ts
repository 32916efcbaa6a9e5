import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

const HELP = `
Input: a binary module or a text module, told apart by content (not by extension); a .wast
script is refused (run it with \`icn-harness wast\`).
Options: --profile is required; --json only changes the output form (the full violation list,
the import plan); --no-cache and --cache-dir choose the on-disk module cache (a verdict is
computed once per module, profile, cost table and harness build; docs/cli.md).
Output: the verdict, the imports exec provides (icn.log, icn.timestamp, icn.entropy_seed under
every profile) and those it does not, then violations folded (identical ones once, ×count) after
a summary by kind; at most 100 distinct lines (--json has all).
Exit: 0 accepted and runnable by exec; 1 rejected, or accepted but importing something exec does
not provide (it cannot link); 2 bad input or usage.`;

export function register(program: Command): void {
  program
    .command('check')
    .description(
      'validate a module against a wasm profile (raw | dc | dc-float): accepted, or rejected with every violation; and whether exec can link its imports',
    )
    .argument('<file>', 'a .wasm or .wat file (sniffed by content)')
    .requiredOption('--profile <name>', 'raw | dc | dc-float')
    .option(
      '--json',
      'print {accepted, runnable, profile, profileHash, moduleHash, imports, violations} as JSON',
    )
    .option('--no-cache', 'neither read nor write the on-disk module cache (also: ICN_CACHE=off)')
    .option(
      '--cache-dir <dir>',
      'the module cache directory (default: $ICN_CACHE_DIR, else $XDG_CACHE_HOME/icn-harness, else ~/.cache/icn-harness)',
    )
    .addHelpText('after', HELP)
    .action(
      action(
        'check',
        async (
          file: string,
          o: { profile: string; json?: boolean; cache?: boolean; cacheDir?: string },
        ) => {
          const { isProfileName, profileHash, PROFILE_NAMES } =
            await import('../../../core/wasm/profiles.js');
          const { validateDetailed } = await import('../../../core/wasm/validate/validate.js');
          const { importPlan } = await import('../../../core/wasm/exec/imports.js');
          const { loadModuleFile } = await import('../../wast/load.js');
          const { UsageError } = await import('../../io/files.js');
          const { violationLines, importLines } = await import('../wasm-output.js');
          if (!isProfileName(o.profile))
            throw new UsageError(
              'USAGE_PROFILE',
              `--profile ${JSON.stringify(o.profile)}: expected one of ${PROFILE_NAMES.join(', ')}`,
            );
          const { preparedKey } = await import('../../../core/wasm/exec/module-cache.js');
          const { openWasmCache, readCheckVerdict, writeCheckVerdict } =
            await import('../../cache/wasm-cache.js');
          const bytes = await loadModuleFile(file);
          // the verdict is a function of (module, profile, cost table, code): on disk once computed
          const cache = openWasmCache(o);
          const key = preparedKey(bytes, o.profile);
          let verdict = cache && readCheckVerdict(cache, key);
          if (!verdict) {
            const v = validateDetailed(bytes, o.profile);
            // a module that does not decode has no import list to speak of
            verdict = {
              accepted: v.ok,
              imports: v.module ? importPlan(v.module) : null,
              violations: v.violations,
            };
            if (cache) writeCheckVerdict(cache, key, verdict);
          }
          const { accepted, imports: plan, violations } = verdict;
          const runnable = accepted && plan !== null && plan.missing.length === 0;
          const doc = {
            accepted,
            runnable,
            profile: o.profile,
            profileHash: profileHash(o.profile),
            moduleHash: key.moduleHash,
            imports: plan,
            violations,
          };
          if (o.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
          else {
            const link =
              accepted && !runnable
                ? `; exec cannot link it: ${plan!.missing.length} import${plan!.missing.length === 1 ? '' : 's'} not provided`
                : '';
            const lines = [
              `${file}: ${accepted ? 'accepted' : 'rejected'} by profile ${o.profile} ${doc.profileHash}${link}`,
            ];
            if (plan) lines.push(...importLines(plan));
            if (!accepted) lines.push(...violationLines(violations));
            process.stdout.write(`${lines.join('\n')}\n`);
          }
          return runnable ? EXIT.ok : EXIT.negative;
        },
      ),
    );
}
