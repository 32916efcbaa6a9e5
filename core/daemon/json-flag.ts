/** A command-line flag whose value is a JSON object (`--gossip-config`, `--transport-limits`). */
import { IcnError } from '../errors.js';

/** A DAEMON_CONFIG error naming the flag. */
export function flagError(flag: string, why: string): IcnError {
  return new IcnError('DAEMON_CONFIG', `${flag}: ${why}`);
}

/** The flag's text parsed as a JSON object; anything else is DAEMON_CONFIG naming the flag. */
export function parseJsonObjectFlag(flag: string, text: string): Record<string, unknown> {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw flagError(flag, (e as Error).message);
  }
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    throw flagError(flag, 'expected an object');
  return x as Record<string, unknown>;
}
