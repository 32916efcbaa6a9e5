import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

export function register(program: Command): void {
  program
    .command('check')
    .description('validate a module against a wasm profile (raw | dc | dc-float): accepted, or rejected with every violation')
    .argument('<file>', 'a .wasm or .wat file')
    .requiredOption('--profile <name>', 'raw | dc | dc-float')
    .option('--json', 'print {accepted, profile, profileHash, moduleHash, violations} as JSON')
    .action(
      action('check', async (file: string, o: { profile: string; json?: boolean }) => {
        const { isProfileName, profileHash, PROFILE_NAMES } = await import('../../../core/wasm/profiles.js');
        const { validateModule } = await import('../../../core/wasm/validate/validate.js');
        const { bytesHash, DOMAIN } = await import('../../../core/hash/index.js');
        const { loadModuleFile } = await import('../../wast/load.js');
        const { UsageError } = await import('../../io/files.js');
        if (!isProfileName(o.profile)) throw new UsageError('USAGE_PROFILE', `--profile ${JSON.stringify(o.profile)}: expected one of ${PROFILE_NAMES.join(', ')}`);
        const bytes = await loadModuleFile(file);
        const v = validateModule(bytes, o.profile);
        const doc = { accepted: v.ok, profile: o.profile, profileHash: profileHash(o.profile), moduleHash: bytesHash(DOMAIN.wasmModule, bytes), violations: v.violations };
        if (o.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        else {
          process.stdout.write(`${file}: ${v.ok ? 'accepted' : `rejected (${v.violations.length} violation${v.violations.length === 1 ? '' : 's'})`} by profile ${o.profile} ${doc.profileHash}\n`);
          for (const x of v.violations) process.stdout.write(`  ${x.code} at byte ${x.offset} (0x${x.offset.toString(16)})${x.function !== undefined ? ` in function ${x.function}` : ''}: ${x.detail}\n`);
        }
        return v.ok ? EXIT.ok : EXIT.negative;
      }),
    );
}
