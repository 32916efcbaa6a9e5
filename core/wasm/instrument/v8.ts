/**
 * Typed access to the host's WebAssembly API (the project compiles without the DOM lib, and
 * @types/node does not declare it). Used to cross-check our validator and instrumenter against V8.
 */
export interface V8Instance {
  exports: Record<string, unknown>;
}
export interface V8Global<T> {
  value: T;
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  instantiate(
    bytes: Uint8Array,
    imports?: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: V8Instance }>;
}

const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** V8's own validation of a binary (with this Node's default feature flags). */
export function v8Validate(bytes: Uint8Array): boolean {
  return api.validate(bytes);
}

export async function v8Instantiate(
  bytes: Uint8Array,
  imports: Record<string, Record<string, unknown>> = {},
): Promise<V8Instance> {
  return (await api.instantiate(bytes, imports)).instance;
}
