/** `ccl exec`'s options as its action reads them (ccl.ts declares them, ccl-actions.ts runs them). */

/** The executor key of `ccl exec` unless --executor-seed: seed 0x05 × 32, a well-known test key (receipts are reproducible, not trustworthy). */
export const DEFAULT_EXECUTOR_SEED = '05'.repeat(32);

export interface ExecOptions {
  rule: string;
  args: string;
  caller: string;
  state?: string;
  fuel?: string;
  timestamp: string;
  capabilities?: string;
  ledger?: string;
  executorSeed: string;
  json?: boolean;
}
