import { describe, expect, it } from 'vitest';
import { IcnError, type IcnErrorCode } from '../../core/errors.js';
import { CORE_EXIT_CLASS, type ExitTable } from '../../core/exit-class.js';
import {
  CtlError,
  CtlNegative,
  exitFor as ctlExitFor,
  NodeHttpError,
} from '../../core/icnctl/errors.js';
import { LedgerError } from '../../core/ledger/errors.js';
import { EXIT, EXIT_CLASS, exitFor } from './exit.js';

describe('exit codes by type', () => {
  it('icn-harness: an error exits by its code class; anything untyped is a fault', () => {
    expect(exitFor(new IcnError('USAGE_FILE', 'no such file'))).toBe(EXIT.usage);
    expect(exitFor(new LedgerError('LEDGER_FORMAT', 'bad entry'))).toBe(EXIT.usage);
    expect(exitFor(new IcnError('HARNESS_FAULT', 'invariant broke'))).toBe(EXIT.fault);
    expect(exitFor(new Error('a bug'))).toBe(EXIT.fault);
    expect(exitFor('thrown string')).toBe(EXIT.fault);
  });

  it('the harness table holds every core code with the same class, and nothing else', () => {
    for (const [code, cls] of Object.entries(CORE_EXIT_CLASS))
      expect(EXIT_CLASS[code as IcnErrorCode]).toBe(cls);
    expect(Object.keys(EXIT_CLASS).length).toBeGreaterThan(Object.keys(CORE_EXIT_CLASS).length);
    expect(
      Object.values(EXIT_CLASS).every((c) => c === 'usage' || c === 'fault' || c === 'negative'),
    ).toBe(true);
  });

  it('a table without a class for some code does not compile', () => {
    // @ts-expect-error -- LEDGER_FORMAT (and every other code) has no class
    const partial: ExitTable<IcnErrorCode> = { HARNESS_FAULT: 'fault' };
    // @ts-expect-error -- not a code of any module
    const unknown: ExitTable<'LEDGER_FORMAT'> = { LEDGER_FORMAT: 'usage', NOT_A_CODE: 'usage' };
    expect([partial, unknown]).toHaveLength(2);
    // @ts-expect-error -- a bare string that no module declares is not an IcnErrorCode
    expect(new IcnError('NOT_A_CODE', 'x').code).toBe('NOT_A_CODE');
  });

  it('icnctl: a negative result by class, the node refusal by its HTTP status, the rest by code class', () => {
    expect(ctlExitFor(new CtlNegative('CTL_RECEIPT', 'does not verify'))).toBe(EXIT.negative);
    expect(ctlExitFor(new CtlError('CTL_RECEIPT', 'not a receipt'))).toBe(EXIT.usage);
    expect(ctlExitFor(new NodeHttpError(404, 'HTTP_NOT_FOUND', 'no route', 'GET /x'))).toBe(
      EXIT.usage,
    );
    expect(ctlExitFor(new NodeHttpError(503, 'DAEMON_STORAGE', 'disk', 'GET /x'))).toBe(EXIT.fault);
    expect(ctlExitFor(new IcnError('HARNESS_FAULT', 'invariant broke'))).toBe(EXIT.fault);
    expect(ctlExitFor(new Error('a bug'))).toBe(EXIT.fault);
  });
});
