/** Read a module file for the wasm verbs: `.wat` (compiled with wabt) or binary `.wasm`. */
import { watToWasm } from '../../core/wasm/wat.js';
import { readBytes, readText, UsageError } from '../io/files.js';
import { isIcnError } from '../../core/errors.js';

export async function loadModuleFile(path: string): Promise<Uint8Array> {
  if (path.endsWith('.wat') || path.endsWith('.wast')) {
    const text = readText(path);
    try {
      return await watToWasm(text, { filename: path });
    } catch (e) {
      if (isIcnError(e, 'WAT_PARSE')) throw new UsageError('WAT_PARSE', `${path}: not valid WebAssembly text: ${e.message.split('\n').slice(1, 4).join(' ').trim()}`);
      throw e;
    }
  }
  if (!path.endsWith('.wasm')) throw new UsageError('USAGE_FILE', `${path}: expected a .wasm or .wat file`);
  return readBytes(path);
}
