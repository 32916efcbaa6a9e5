/**
 * The CCL abstract syntax tree, mirroring ICN's `icn-ccl/src/ast.rs`. Statement nodes carry `at`,
 * their JSON path in the contract document, so execution errors say where they happened.
 */
import type { Value } from './values.js';

export const BIN_OPS = [
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Mod',
  'Eq',
  'Ne',
  'Lt',
  'Le',
  'Gt',
  'Ge',
  'And',
  'Or',
] as const;
export const UN_OPS = ['Not', 'Neg'] as const;
export type BinOp = (typeof BIN_OPS)[number];
export type UnOp = (typeof UN_OPS)[number];

export type Expr =
  | { readonly k: 'Literal'; readonly value: Value }
  | { readonly k: 'Var'; readonly name: string }
  | { readonly k: 'FieldAccess'; readonly object: Expr; readonly field: string }
  | { readonly k: 'BinOp'; readonly op: BinOp; readonly left: Expr; readonly right: Expr }
  | { readonly k: 'UnOp'; readonly op: UnOp; readonly operand: Expr }
  | { readonly k: 'Call'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly k: 'List'; readonly items: readonly Expr[] }
  | { readonly k: 'Set'; readonly items: readonly Expr[] }
  | { readonly k: 'Map'; readonly entries: readonly (readonly [string, Expr])[] }
  | { readonly k: 'In'; readonly elem: Expr; readonly collection: Expr };

interface At {
  /** JSON path of this statement in the contract document (not part of the contract's hash). */
  readonly at: string;
}

export type Stmt = At &
  (
    | { readonly k: 'Assign'; readonly name: string; readonly value: Expr }
    | { readonly k: 'SetState'; readonly key: Expr; readonly value: Expr }
    | {
        readonly k: 'LedgerTransfer';
        readonly from: Expr;
        readonly to: Expr;
        readonly amount: Expr;
        readonly currency: Expr;
      }
    | {
        readonly k: 'SetCreditLimit';
        readonly account: Expr;
        readonly currency: Expr;
        readonly limit: Expr;
      }
    | {
        readonly k: 'If';
        readonly condition: Expr;
        readonly then: readonly Stmt[];
        readonly else: readonly Stmt[] | null;
      }
    | {
        readonly k: 'For';
        readonly var: string;
        readonly iterable: Expr;
        readonly body: readonly Stmt[];
      }
    | { readonly k: 'Return'; readonly value: Expr }
    | { readonly k: 'Expr'; readonly expr: Expr }
  );

export interface Rule {
  readonly name: string;
  readonly params: readonly string[];
  readonly requires: readonly Expr[];
  readonly body: readonly Stmt[];
  /** JSON path of the rule (`$.rules[i]`). */
  readonly at: string;
}

export interface StateVar {
  readonly name: string;
  readonly initial: Value;
}

export interface Contract {
  readonly name: string;
  /** Canonical DID spellings, in document order (ICN's legacy code hash depends on the order). */
  readonly participants: readonly string[];
  readonly currency: string | null;
  readonly stateVars: readonly StateVar[];
  readonly rules: readonly Rule[];
}

/**
 * Capabilities an installation grants (ICN's enum). Lists are honoured: a state key or ledger
 * account must be listed. The account `$caller` stands for the calling DID's own account.
 */
export type Capability =
  | { readonly k: 'ReadLedger'; readonly accounts: readonly string[] }
  | { readonly k: 'WriteLedger'; readonly accounts: readonly string[] }
  | { readonly k: 'SendMessage'; readonly to: readonly string[] }
  | { readonly k: 'ReadState'; readonly keys: readonly string[] }
  | { readonly k: 'WriteState'; readonly keys: readonly string[] }
  | { readonly k: 'InvokeContract'; readonly contract: string }
  | {
      readonly k:
        | 'CreateSubContract'
        | 'CreateProposal'
        | 'VoteProposal'
        | 'ReadProposal'
        | 'ExecuteProposal'
        | 'ManageRoles';
    };

export const CALLER_ACCOUNT = '$caller';

/** A ledger operation a rule produced. Amounts are i64; accounts canonical DIDs. */
export type LedgerOp =
  | {
      readonly k: 'LedgerTransfer';
      readonly from: string;
      readonly to: string;
      readonly amount: bigint;
      readonly currency: string;
    }
  | {
      readonly k: 'SetCreditLimit';
      readonly account: string;
      readonly currency: string;
      readonly limit: bigint;
    };
