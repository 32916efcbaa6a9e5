/** `icnctl key new|show`: the identity file calls are signed with. */
import type { Command } from 'commander';
import { act, EXIT } from '../context.js';

export function register(program: Command): void {
  const key = program
    .command('key')
    .description('identity files (Ed25519; the key never leaves this machine)');
  key
    .command('new')
    .description(
      'create an identity file, written 0600 and atomically; an existing file is kept unless --force',
    )
    .option('--out <file>', 'where to write it [ICN_KEY] (default icn-key.json)')
    .option('--force', 'replace an existing file')
    .action(
      act('key new', async (ctx, o: { out?: string; force?: boolean }) => {
        const { keyPath, newKey } = await import('../keyfile.js');
        const file = keyPath(o.out);
        const kp = newKey(file, o.force === true);
        ctx.print([`wrote ${file}`, kp.did.toString()], { file, did: kp.did.toString() });
        return EXIT.ok;
      }),
    );
  key
    .command('show')
    .description("print the identity file's DID")
    .option('--key <file>', 'the identity file [ICN_KEY] (default icn-key.json)')
    .action(
      act('key show', async (ctx, o: { key?: string }) => {
        const { keyPath, loadKey } = await import('../keyfile.js');
        const file = keyPath(o.key);
        const kp = loadKey(file);
        ctx.print([kp.did.toString()], { file, did: kp.did.toString() });
        return EXIT.ok;
      }),
    );
}
