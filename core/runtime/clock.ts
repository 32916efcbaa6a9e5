/**
 * Time is injected. Core code never reads the wall clock: it receives a Clock. Times are integer
 * milliseconds since the Unix epoch (or since the start of a simulation): never floats.
 */
import { IcnError } from '../errors.js';

export interface Clock {
  /** Current time in integer milliseconds. */
  nowMs(): number;
}

/** A clock that only moves when told to: simulations and tests. */
export class ManualClock implements Clock {
  constructor(private ms = 0) {
    if (!Number.isSafeInteger(ms) || ms < 0)
      throw new IcnError('CLOCK_RANGE', `start time ${ms} must be a non-negative integer`);
  }
  nowMs(): number {
    return this.ms;
  }
  set(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < this.ms)
      throw new IcnError('CLOCK_BACKWARDS', `cannot move a ManualClock from ${this.ms} to ${ms}`);
    this.ms = ms;
  }
  advance(deltaMs: number): void {
    this.set(this.ms + deltaMs);
  }
}
