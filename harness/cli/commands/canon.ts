import type { Command } from 'commander';
import { action, EXIT } from '../exit.js';

export function register(program: Command): void {
  program
    .command('canon')
    .description('print the canonical (RFC 8785, strict) bytes of a JSON file, or its content hash')
    .argument('[file]', "JSON file ('-' for standard input)")
    .option(
      '--hash <domain>',
      'print sha256:<hex> under this domain tag instead (see --list-domains)',
    )
    .option('--list-domains', 'list the registered domain tags and exit')
    .action(
      action(
        'canon',
        async (file: string | undefined, o: { hash?: string; listDomains?: boolean }) => {
          const { canonicalize, decodeUtf8Strict, parseStrictJson } =
            await import('../../../core/canonical/index.js');
          const { contentHash, lookupDomain, allDomainTags } =
            await import('../../../core/hash/index.js');
          const { readText, UsageError } = await import('../../io/files.js');
          if (o.listDomains) {
            process.stdout.write(`${allDomainTags().join('\n')}\n`);
            return EXIT.ok;
          }
          if (file === undefined)
            throw new UsageError('USAGE_ARGS', 'canon needs a FILE (or - for standard input)');
          const text =
            file === '-' ? decodeUtf8Strict(await readStdin(), '<stdin>') : readText(file);
          const value = parseStrictJson(text, file === '-' ? '<stdin>' : file);
          if (o.hash !== undefined) {
            const domain = lookupDomain(o.hash);
            if (!domain)
              throw new UsageError(
                'USAGE_DOMAIN',
                `--hash ${JSON.stringify(o.hash)}: unknown domain tag (icn-harness canon --list-domains lists them)`,
              );
            process.stdout.write(`${contentHash(domain, value)}\n`);
          } else {
            process.stdout.write(canonicalize(value));
            process.stdout.write('\n');
          }
          return EXIT.ok;
        },
      ),
    );
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
