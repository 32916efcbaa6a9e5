/**
 * WebAssembly text → binary, over the `wabt` package (wat2wasm compiled to wasm). The wabt module is
 * initialised once per process and cached; every call gets a fresh parse and frees it afterwards.
 *
 * Feature keys are wabt's own snake_case names (`relaxed_simd`, not `relaxedSimd`: wabt silently
 * ignores unknown keys, so we reject them here instead).
 */
import { createRequire } from 'node:module';
import { IcnError } from '../errors.js';

/** wabt's feature switches (snake_case, exactly as wabt spells them). */
export interface WatFeatures {
  exceptions?: boolean;
  mutable_globals?: boolean;
  sat_float_to_int?: boolean;
  sign_extension?: boolean;
  simd?: boolean;
  threads?: boolean;
  function_references?: boolean;
  multi_value?: boolean;
  tail_call?: boolean;
  bulk_memory?: boolean;
  reference_types?: boolean;
  annotations?: boolean;
  code_metadata?: boolean;
  gc?: boolean;
  memory64?: boolean;
  extended_const?: boolean;
  relaxed_simd?: boolean;
  multi_memory?: boolean;
}

const FEATURE_KEYS: ReadonlySet<string> = new Set([
  'exceptions',
  'mutable_globals',
  'sat_float_to_int',
  'sign_extension',
  'simd',
  'threads',
  'function_references',
  'multi_value',
  'tail_call',
  'bulk_memory',
  'reference_types',
  'annotations',
  'code_metadata',
  'gc',
  'memory64',
  'extended_const',
  'relaxed_simd',
  'multi_memory',
]);

/**
 * The features our decoder understands (the pinned feature set; see docs/deterministic-core.md).
 * Profiles decide later what of it a module may use; the text compiler accepts all of it.
 */
export const PINNED_WAT_FEATURES: Readonly<WatFeatures> = Object.freeze({
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  multi_value: true,
  bulk_memory: true,
  reference_types: true,
  simd: true,
  relaxed_simd: true,
});

export interface WatOptions {
  /** Features to enable, merged over PINNED_WAT_FEATURES (set a key to false to disable it). */
  features?: WatFeatures;
  /** Name used in error messages. */
  filename?: string;
  /** Run wabt's validator (default true). False emits the binary of a well-formed but invalid module. */
  validate?: boolean;
  /** Keep names in a `name` custom section (default false). */
  debugNames?: boolean;
}

interface WabtWasmModule {
  validate(): void;
  resolveNames(): void;
  toBinary(o: {
    log?: boolean;
    canonicalize_lebs?: boolean;
    relocatable?: boolean;
    write_debug_names?: boolean;
  }): { buffer: Uint8Array };
  destroy(): void;
}
interface WabtApi {
  parseWat(
    filename: string,
    buffer: string | Uint8Array,
    options?: Record<string, boolean>,
  ): WabtWasmModule;
}

let wabtPromise: Promise<WabtApi> | undefined;

function loadWabt(): Promise<WabtApi> {
  if (wabtPromise === undefined) {
    const require = createRequire(import.meta.url);
    const init = require('wabt') as () => Promise<WabtApi>;
    wabtPromise = init().catch((e: unknown) => {
      wabtPromise = undefined;
      throw new IcnError('WAT_INIT', `cannot initialise wabt: ${(e as Error).message}`);
    });
  }
  return wabtPromise;
}

/** Deepest parenthesis nesting accepted (wabt's parser recurses and fails without a message far below the JS limit). */
export const MAX_WAT_DEPTH = 1000;

/** Refuse text nested deeper than MAX_WAT_DEPTH (outside strings and comments), naming the line. */
function checkNesting(text: string, filename: string): void {
  let depth = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c === 0x22) {
      // a string: skip to its closing quote (escapes included)
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++)
        if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x3b && text.charCodeAt(i + 1) === 0x3b) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
      i--;
    } else if (c === 0x28 && text.charCodeAt(i + 1) === 0x3b) {
      let d = 0;
      do {
        if (text.startsWith('(;', i)) (d++, (i += 2));
        else if (text.startsWith(';)', i)) (d--, (i += 2));
        else (text.charCodeAt(i) === 0x0a && line++, i++);
      } while (d > 0 && i < text.length);
      i--;
    } else if (c === 0x28) {
      if (++depth > MAX_WAT_DEPTH)
        throw new IcnError(
          'WAT_NESTING',
          `${filename}:${line}: parentheses nested deeper than ${MAX_WAT_DEPTH}`,
          { filename, line },
        );
    } else if (c === 0x29) depth--;
  }
}

/** Compile WebAssembly text to binary. Throws IcnError `WAT_FEATURE` or `WAT_PARSE` (with wabt's message). */
export async function watToWasm(text: string, options: WatOptions = {}): Promise<Uint8Array> {
  const features: Record<string, boolean> = { ...PINNED_WAT_FEATURES };
  for (const [k, v] of Object.entries(options.features ?? {})) {
    if (!FEATURE_KEYS.has(k))
      throw new IcnError(
        'WAT_FEATURE',
        `unknown wabt feature ${JSON.stringify(k)} (wabt uses snake_case keys such as relaxed_simd)`,
        { feature: k },
      );
    if (typeof v !== 'boolean')
      throw new IcnError('WAT_FEATURE', `feature ${k} must be a boolean`, { feature: k });
    features[k] = v;
  }
  const filename = options.filename ?? 'input.wat';
  checkNesting(text, filename);
  const wabt = await loadWabt();
  let mod: WabtWasmModule | undefined;
  try {
    // as UTF-8 bytes: given a JS string, wabt.js reads text without a character above U+00FF as
    // Latin-1 bytes, so an "é" in a name became the invalid UTF-8 byte 0xe9
    mod = wabt.parseWat(filename, new TextEncoder().encode(text), features);
    mod.resolveNames();
    if (options.validate !== false) mod.validate();
    const { buffer } = mod.toBinary({
      log: false,
      canonicalize_lebs: true,
      relocatable: false,
      write_debug_names: options.debugNames === true,
    });
    return new Uint8Array(buffer);
  } catch (e) {
    if (e instanceof IcnError) throw e;
    let msg = (e instanceof Error ? e.message : String(e)).trim();
    // wabt is itself wasm: deep nesting exhausts its own stack and surfaces as a RuntimeError
    if (e instanceof Error && e.name === 'RuntimeError')
      msg = `wabt's parser failed (${msg || e.name}): the text is most likely nested too deeply for it (it manages about 150 levels)`;
    if (msg === '')
      msg = `wabt refused the text without a reason (${e instanceof Error ? e.name : typeof e})`;
    throw new IcnError('WAT_PARSE', `${filename}: ${msg}`, { filename, reason: msg });
  } finally {
    mod?.destroy();
  }
}
