/**
 * Typed errors with stable codes. Every error the core raises on bad input is an IcnError:
 * `code` is stable (tests and callers match on it), `message` says what, where and why.
 */
export class IcnError extends Error {
  override readonly name: string = 'IcnError';
  constructor(
    /** Stable, machine-readable code, e.g. `CANON_NON_INTEGER`. */
    readonly code: string,
    message: string,
    /** Structured context (a JSON path, an offset, a field name). Never fed into a hash. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export function isIcnError(e: unknown, code?: string): e is IcnError {
  return e instanceof IcnError && (code === undefined || e.code === code);
}
