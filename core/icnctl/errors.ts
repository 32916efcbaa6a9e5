/**
 * icnctl's errors and exit codes (the same as icn-harness): 0 ok, 1 a definite negative result
 * (MISMATCH, a deployment the node refused), 2 usage or bad input (including what the node
 * refused as bad input, an unreachable or wrong node URL, a bad key file), 3 a fault.
 *
 * The exit code is decided by type: a CtlNegative is a negative result; a NodeHttpError (the
 * node's refusal, client.ts) exits by its HTTP status; every other IcnError by its code's class in
 * core/exit-class.ts (a table over every code: a new code without a class does not compile).
 */
import { IcnError, type IcnErrorCode } from '../errors.js';
import { EXIT, exitForCode } from '../exit-class.js';

export { EXIT };

export type CtlErrorCode =
  | 'CTL_USAGE' // commander refused the command line
  | 'CTL_ARGS'
  | 'CTL_CALL'
  | 'CTL_CONTRACT'
  | 'CTL_COSIGNATURES'
  | 'CTL_EXISTS'
  | 'CTL_INSTALLATION'
  | 'CTL_JSON'
  | 'CTL_KEY'
  | 'CTL_NODE_UNREACHABLE'
  | 'CTL_NODE_URL'
  | 'CTL_NOT_A_NODE'
  | 'CTL_NOT_PARTICIPANT'
  | 'CTL_NO_WITNESS'
  | 'CTL_READ'
  | 'CTL_RECEIPT'
  | 'CTL_RECEIPT_HASH'
  | 'CTL_SIGNATURE'
  | 'CTL_WITNESS'
  | 'CTL_WRITE';

/** An icnctl error: bad input, a bad file, a node that cannot be used. */
export class CtlError extends IcnError {
  override readonly name: string = 'CtlError';
}

/**
 * A definite negative result reported as an error (exit 1): an answer that does not verify, a
 * deployment the node refused.
 */
export class CtlNegative extends CtlError {
  override readonly name = 'CtlNegative';
}

/**
 * The node's refusal: its status, code and reason. Its code is the node's (one of icn-node's
 * IcnErrorCodes: the answer passed client.ts's shape check), kept as is for --json output.
 */
export class NodeHttpError extends CtlError {
  override readonly name = 'NodeHttpError';
  constructor(
    readonly status: number,
    readonly nodeCode: IcnErrorCode,
    readonly reason: string,
    url: string,
  ) {
    super(nodeCode, `${url}: HTTP ${status} ${nodeCode}: ${reason}`, { status });
  }
}

/** The exit code for an error, by its type (see the header); 3 for anything that is not typed. */
export function exitFor(e: unknown): number {
  if (e instanceof CtlNegative) return EXIT.negative;
  // 4xx: the node refused the input; 5xx: the node's fault.
  if (e instanceof NodeHttpError) return e.status >= 500 ? EXIT.fault : EXIT.usage;
  if (e instanceof IcnError) return exitForCode(e.code);
  return EXIT.fault;
}

/**
 * One line on stderr (a fault keeps its stack: it is a bug to report) and the exit code. With
 * --json, stdout also gets `{"error": {code, message}}`, so a script reading stdout sees the failure.
 */
export function reportError(verb: string, e: unknown, json = false): number {
  const code = exitFor(e);
  if (json) {
    const errCode: IcnErrorCode | 'FAULT' = e instanceof IcnError ? e.code : 'FAULT';
    process.stdout.write(
      `${JSON.stringify({ error: { code: errCode, message: e instanceof Error ? e.message.split('\n')[0] : String(e) } }, null, 2)}\n`,
    );
  }
  if (code === EXIT.fault)
    process.stderr.write(
      `icnctl ${verb}: fault: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
  else process.stderr.write(`icnctl ${verb}: error: ${(e as Error).message.split('\n')[0]}\n`);
  return code;
}

declare module '../errors.js' {
  interface ErrorCodes {
    icnctl: CtlErrorCode;
  }
}
