/**
 * Named rejection reasons (stable: they are metric label values and test expectations).
 */
export const REJECT_REASONS = [
  'malformed', // not a well-formed message / installation
  'invalid_contract', // the contract does not parse or validate
  'too_large', // canonical code beyond the configured size limit
  'code_hash_mismatch', // the code does not hash to the code hash sent
  'engine_mismatch',
  'name_mismatch',
  'participants_mismatch',
  'deployer_not_participant',
  'missing_signature',
  'unexpected_signer',
  'bad_signature', // an installation signature does not verify
  'bad_deployer_signature', // the message signature does not verify
  'version_invalid',
  'unknown_previous',
  'already_installed',
  'trust_too_low',
  'rate_limited',
  'engine_unavailable',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

export function reject(reason: RejectReason, detail: string): Verdict & { ok: false } {
  return { ok: false, reason, detail };
}
