/** Option parsers shared by verbs: each rejects bad values with a clear UsageError. */
import { U64_MAX } from '../../core/int-limits.js';
import { UsageError } from '../io/files.js';

export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ];
}

export function parseSeed(value: string): bigint {
  if (!/^(0|[1-9][0-9]*)$/.test(value))
    throw new UsageError(
      'USAGE_SEED',
      `--seed ${JSON.stringify(value)}: a seed is a decimal integer ≥ 0`,
    );
  const s = BigInt(value);
  if (s > U64_MAX) throw new UsageError('USAGE_SEED', `--seed ${value}: must be below 2^64`);
  return s;
}

export function parsePositiveInt(
  flag: string,
  value: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!/^[1-9][0-9]*$/.test(value) || Number(value) > max)
    throw new UsageError(
      'USAGE_INT',
      `${flag} ${JSON.stringify(value)}: expected an integer from 1 to ${max}`,
    );
  return Number(value);
}

/**
 * An option given where it does not apply: an error, never silently ignored (a user would believe
 * a limit was applied that was not). One line: the option, what it conflicts with, and what applies.
 */
export function notApplicable(option: string, context: string, why: string): UsageError {
  return new UsageError('USAGE_OPTION', `${option} does not apply ${context}: ${why}`);
}
