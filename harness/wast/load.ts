/**
 * Read a module file for the wasm verbs: `.wat` (compiled with wabt) or binary `.wasm`. Text is
 * compiled without wabt's validator: validity is for our validator (check) or V8 (raw) to decide,
 * so a type error is a rejection (exit 1) while a syntax error stays an input error (exit 2).
 */
import { watToWasm } from '../../core/wasm/wat.js';
import { readBytes, readText, UsageError } from '../io/files.js';
import { isIcnError } from '../../core/errors.js';

export async function loadModuleFile(path: string): Promise<Uint8Array> {
  if (path.endsWith('.wat') || path.endsWith('.wast')) {
    const text = readText(path);
    try {
      return await watToWasm(text, { filename: path, validate: false });
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
  if (!path.endsWith('.wasm')) throw new UsageError('USAGE_FILE', `${path}: expected a .wasm or .wat file`);
  return readBytes(path);
}
