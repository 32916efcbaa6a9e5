/**
 * Option checking for the zx scripts: `--help` prints the script's own leading doc comment (the
 * one place its options are documented) and exits 0; an option the script does not know is an
 * error (exit 2), never silently ignored (a mistyped `--help` once started a full xarch matrix).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The first block comment of a file, without its comment markers. */
export function docComment(file) {
  const m = /\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'));
  if (!m) return '';
  return m[1]
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/**
 * @param {string} scriptUrl   import.meta.url of the script
 * @param {Record<string, unknown>} argv  zx's parsed argv
 * @param {string[]} known     option names the script reads (without dashes)
 */
export function checkOptions(scriptUrl, argv, known) {
  const file = fileURLToPath(scriptUrl);
  const name = file.split('/').pop();
  if (argv.help || argv.h) {
    console.log(docComment(file));
    process.exit(0);
  }
  const unknown = Object.keys(argv).filter((k) => k !== '_' && k !== '--' && !known.includes(k));
  const positional = (argv._ ?? []).map(String);
  const problems = [
    ...unknown.map((k) => `unknown option --${k}`),
    ...positional.map((p) => `unexpected argument '${p}'`),
  ];
  if (problems.length > 0) {
    console.error(
      `${name}: error: ${problems.join('; ')} (known: ${known.map((k) => `--${k}`).join(', ')}; --help for details)`,
    );
    process.exit(2);
  }
}
