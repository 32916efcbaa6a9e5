/**
 * Read a module file for the wasm verbs by its content (sniff.ts), whatever its extension: a binary
 * module as is, a text module compiled with wabt. Text is compiled without wabt's validator:
 * validity is for our validator (check) or V8 (raw) to decide, so a type error is a rejection
 * (exit 1) while a syntax error stays an input error (exit 2). A .wast script, another binary or
 * an empty file is an input error that says what the file is.
 */
import { watToWasm } from '../../core/wasm/wat.js';
import { readBytes, UsageError } from '../io/files.js';
import { isIcnError } from '../../core/errors.js';
import { sniff } from './sniff.js';

export async function loadModuleFile(path: string): Promise<Uint8Array> {
  const bytes = readBytes(path);
  const s = sniff(bytes);
  switch (s.kind) {
    case 'wasm-binary':
      return bytes;
    case 'empty':
      throw new UsageError(
        'USAGE_FILE',
        `${path}: empty file: expected a WebAssembly module (.wasm binary or .wat text)`,
      );
    case 'binary-other':
      throw new UsageError(
        'USAGE_FILE',
        `${path}: not a WebAssembly module: a binary file without the \\0asm header, and not text`,
      );
    case 'wast-script':
      throw new UsageError(
        'USAGE_FILE',
        `${path}: this is a .wast spec script (${s.forms} top-level commands), not a module: run it with \`icn-harness wast ${path}\``,
      );
    case 'wat-module':
      break;
  }
  try {
    return await watToWasm(new TextDecoder().decode(bytes), { filename: path, validate: false });
  } catch (e) {
    if (isIcnError(e, 'WAT_PARSE')) {
      // wabt's reason: `file:line:col: error: …` lines after a header, or one line of ours
      const lines = String(e.details.reason ?? e.message).split('\n');
      const why = (lines.length > 1 ? lines.slice(1, 4) : lines).join(' ').trim();
      throw new UsageError('WAT_PARSE', `${path}: not valid WebAssembly text: ${why}`);
    }
    throw e;
  }
}
