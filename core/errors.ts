/**
 * Typed errors with stable codes. Every error the core raises on bad input is an IcnError:
 * `code` is stable (tests and callers match on it), `message` says what, where and why.
 *
 * Codes are typed: each module declares its codes as a union (e.g. core/ledger/errors.ts
 * LedgerErrorCode) and registers it here by declaration merging, under a family name:
 *
 *   declare module '../errors.js' { interface ErrorCodes { ledger: LedgerErrorCode } }
 *
 * (harness modules register in HarnessErrorCodes: core never names harness codes). IcnErrorCode
 * is the union of every family, so a code not declared by a module is a type error, and the CLIs'
 * exit-class tables (core/exit-class.ts, harness/cli/exit.ts) must give each code a class.
 */
// Every module's code union is in IcnErrorCode in any program that includes this file, also a
// partial one (the container image compiles only the daemon's import closure): type-only, erased.
import type {} from './canonical/errors.js';
import type {} from './ccl/errors.js';
import type {} from './contracts/errors.js';
import type {} from './daemon/errors.js';
import type {} from './gossip/errors.js';
import type {} from './governance/errors.js';
import type {} from './icnctl/errors.js';
import type {} from './identity/identity.js';
import type {} from './ledger/errors.js';
import type {} from './net/frames.js';
import type {} from './net/handshake.js';
import type {} from './node/errors.js';
import type {} from './pom/errors.js';
import type {} from './runtime/errors.js';
import type {} from './trust/errors.js';
import type {} from './wasm/errors.js';

export interface ErrorCodes {
  /** An invariant of the code itself broke (a bug, never the input's fault). */
  fault: 'HARNESS_FAULT';
}
// Filled by declaration merging (harness/errors.ts): core cannot import the harness's codes.
export interface HarnessErrorCodes {}

/** A code of a core module's error. */
export type CoreErrorCode = ErrorCodes[keyof ErrorCodes];
/** A code of a harness module's error. */
export type HarnessErrorCode = HarnessErrorCodes[keyof HarnessErrorCodes];
/** Every stable error code. */
export type IcnErrorCode = CoreErrorCode | HarnessErrorCode;

/** A module's error class is `class XError extends IcnError<XErrorCode>` (its name, nothing else). */
export class IcnError<C extends IcnErrorCode = IcnErrorCode> extends Error {
  override readonly name: string = 'IcnError';
  constructor(
    /** Stable, machine-readable code, e.g. `CANON_NON_INTEGER`. */
    readonly code: C,
    message: string,
    /** Structured context (a JSON path, an offset, a field name). Never fed into a hash. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export function isIcnError(e: unknown, code?: IcnErrorCode): e is IcnError {
  return e instanceof IcnError && (code === undefined || e.code === code);
}
