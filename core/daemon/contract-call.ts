/**
 * A signed request to execute a contract rule through icn-node's HTTP API: the call format lives
 * in core (core/contracts/call.ts: a node and its receivers check it too); this module keeps the
 * daemon's import path for clients (icnctl, harness/backends).
 *
 *   POST /contracts/:hash/execute  { call: { format, codeHash, rule, args, caller, executor,
 *                                            timestamp, fuelLimit, nonce }, signature, at? }
 */
export {
  CALL_FORMAT,
  CALL_MAX_SKEW_MS,
  CallError,
  callId,
  makeCall,
  signCall,
  signedCallToJson,
  verifyCall,
} from '../contracts/call.js';
export type { CallErrorCode, ContractCall, SignedCall, VerifiedCall } from '../contracts/call.js';
