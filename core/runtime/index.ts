export { Rng } from './rng.js';
export { ManualClock } from './clock.js';
export type { Clock } from './clock.js';
