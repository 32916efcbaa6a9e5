/** The deterministic WASM engine: public surface. wasm-core and wasm-exec each add their own export lines. */
export { watToWasm, PINNED_WAT_FEATURES } from './wat.js';
export type { WatFeatures, WatOptions } from './wat.js';
