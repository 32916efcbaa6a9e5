/**
 * How each kernel effect changes the staged governance state (and which ledger entries it
 * drafts): one function per effect family, each a switch over its effects. The executor
 * (executor.ts) applies a decision's effects in order to a staged copy; any throw discards it.
 */
import type { EntryDraft } from '../ledger/entry.js';
import type { DecisionReceipt } from './decision.js';
import { GovernanceError } from './errors.js';
import type { Budget, GovernanceState } from './executor.js';
import type { KernelEffect } from './payload.js';

export const k2 = (a: string, b: string) => `${a}\u0000${b}`;

/** What an effect sees besides the state: its decision, its index, where its entries go. */
export interface EffectContext {
  readonly receipt: DecisionReceipt;
  readonly index: number;
  readonly drafts: EntryDraft[];
  /** Whether a decision on this proposal was already executed (a veto cannot undo it). */
  readonly wasExecuted: (proposalId: string) => boolean;
}

type Of<T extends KernelEffect['type']> = Extract<KernelEffect, { type: T }>;

/** Apply one effect to staged state `s` (throws GovernanceError: the decision is not executed). */
export function applyEffect(s: GovernanceState, e: KernelEffect, ctx: EffectContext): void {
  switch (e.type) {
    case 'treasury':
      return applyTreasury(s, e, ctx);
    case 'membership':
      return applyMembership(s, e);
    case 'protocol':
      return applyProtocol(s, e);
    case 'control':
      return applyControl(s, e, ctx);
    case 'resource':
      return applyResource(s, e);
    case 'federation':
      return applyFederation(s, e);
    case 'dispute':
    case 'no_op':
      // dispute.RollbackLedger (an append-only ledger has no defined rollback yet) and no_op
      // are not executed: fail closed.
      throw new GovernanceError(
        'GOV_EFFECT_UNSUPPORTED',
        `effect ${e.type}.${e.effect} is not implemented by this node: decision not executed (fail closed)`,
        { type: e.type, effect: e.effect },
      );
  }
}

/** The fields every entry a decision writes carries. */
function entryBase(ctx: EffectContext) {
  const r = ctx.receipt;
  return {
    timestamp: r.decided_at,
    decision_receipt_id: r.receipt_id,
    nonce: `${r.receipt_id}#${ctx.index}`,
    contract_ref: null,
  };
}

function budgetOf(s: GovernanceState, budgetId: string): Budget {
  const b = s.budgets.get(budgetId);
  if (!b) throw new GovernanceError('GOV_BUDGET', `budget ${budgetId} does not exist`);
  return b;
}

function applySpend(
  s: GovernanceState,
  x: Extract<KernelEffect, { effect: 'Spend' }>,
  ctx: EffectContext,
): void {
  const amount = BigInt(x.amount);
  if (x.expected_nonce !== null) {
    const n = k2(x.treasury_did, x.expected_nonce);
    if (s.nonces.has(n))
      throw new GovernanceError(
        'GOV_NONCE_REUSED',
        `treasury ${x.treasury_did}: nonce ${x.expected_nonce} already used`,
      );
    s.nonces.add(n);
  }
  if (x.budget_id !== null) {
    const b = budgetOf(s, x.budget_id);
    if (b.currency !== x.currency || b.treasury_did !== x.treasury_did)
      throw new GovernanceError(
        'GOV_BUDGET',
        `budget ${x.budget_id} is for ${b.treasury_did}/${b.currency}`,
      );
    if (b.remaining < amount)
      throw new GovernanceError(
        'GOV_BUDGET',
        `budget ${x.budget_id} has ${b.remaining} left, spend needs ${amount}`,
      );
    b.remaining -= amount;
  }
  const accounts = [
    { account_id: x.treasury_did, currency: x.currency, debit: amount },
    { account_id: x.recipient_did, currency: x.currency, credit: amount },
  ];
  ctx.drafts.push({ ...entryBase(ctx), accounts });
}

function applyTreasury(s: GovernanceState, e: Of<'treasury'>, ctx: EffectContext): void {
  switch (e.effect) {
    case 'Spend':
      return applySpend(s, e, ctx);
    case 'CreateBudget': {
      if (s.budgets.has(e.budget_id))
        throw new GovernanceError('GOV_BUDGET', `budget ${e.budget_id} already exists`);
      const total = BigInt(e.total_amount);
      s.budgets.set(e.budget_id, {
        treasury_did: e.treasury_did,
        currency: e.currency,
        total,
        remaining: total,
        decision_receipt_id: ctx.receipt.receipt_id,
      });
      return;
    }
    case 'Allocate': {
      const b = budgetOf(s, e.budget_id);
      if (b.remaining < BigInt(e.amount))
        throw new GovernanceError(
          'GOV_BUDGET',
          `budget ${e.budget_id} has ${b.remaining} left, allocation needs ${e.amount}`,
        );
      b.remaining -= BigInt(e.amount);
      return;
    }
    case 'DistributeSurplus': {
      const sum = e.distributions.reduce((acc, [, v]) => acc + BigInt(v), 0n);
      if (sum !== BigInt(e.total_amount))
        throw new GovernanceError(
          'GOV_PAYLOAD',
          `surplus distributions sum to ${sum}, total is ${e.total_amount}`,
        );
      const credits = e.distributions.map(([id, v]) => ({
        account_id: id,
        currency: e.currency,
        credit: BigInt(v),
      }));
      ctx.drafts.push({
        ...entryBase(ctx),
        accounts: [{ account_id: e.treasury_did, currency: e.currency, debit: sum }, ...credits],
      });
      return;
    }
  }
}

function applyMembership(s: GovernanceState, e: Of<'membership'>): void {
  const k = k2(e.entity_id, e.member_did);
  if (e.effect === 'AddMember') {
    if (s.members.has(k))
      throw new GovernanceError(
        'GOV_MEMBERSHIP',
        `${e.member_did} is already a member of ${e.entity_id}`,
      );
    s.members.set(k, {
      entity_id: e.entity_id,
      member_did: e.member_did,
      role: e.role,
      tier: e.tier,
      frozen: false,
      freeze_reason: null,
    });
    return;
  }
  const m = s.members.get(k);
  if (!m)
    throw new GovernanceError(
      'GOV_MEMBERSHIP',
      `${e.member_did} is not a member of ${e.entity_id}`,
    );
  switch (e.effect) {
    case 'RemoveMember':
      s.members.delete(k);
      return;
    case 'FreezeMember':
      Object.assign(m, { frozen: true, freeze_reason: e.reason });
      return;
    case 'UnfreezeMember':
      Object.assign(m, { frozen: false, freeze_reason: null });
      return;
  }
}

function applyProtocol(s: GovernanceState, e: Of<'protocol'>): void {
  switch (e.effect) {
    case 'SetGovernanceConfig':
      s.configs.set(e.domain_id, { config_hash: e.config_hash, config_json: e.config_json });
      return;
    case 'SetSchedulingPolicy':
      s.scheduling.set(e.coop_id, { policy_hash: e.policy_hash, policy_json: e.policy_json });
      return;
    case 'SetParameter':
      s.parameters.set(e.parameter_name, {
        new_value_json: e.new_value_json,
        effective_at: e.effective_at,
      });
      return;
    case 'Upgrade':
      s.upgrades.set(e.version, { activation_height: e.activation_height });
      return;
  }
}

function applyControl(s: GovernanceState, e: Of<'control'>, ctx: EffectContext): void {
  switch (e.effect) {
    case 'VetoProposal':
      if (ctx.wasExecuted(e.target_proposal_id)) {
        throw new GovernanceError(
          'GOV_VETOED',
          `proposal ${e.target_proposal_id} was already executed; a veto cannot undo it`,
        );
      }
      s.vetoed.set(e.target_proposal_id, e.veto_reason);
      return;
    case 'ForceCloseProposal':
      s.closed.set(e.target_proposal_id, e.close_reason);
      return;
    case 'TextResolution':
      s.resolutions.set(e.resolution_hash, ctx.receipt.receipt_id);
      return;
  }
}

function applyResource(s: GovernanceState, e: Of<'resource'>): void {
  const k = k2(e.grantee_did, e.resource_type);
  if (e.effect === 'GrantAccess') {
    s.grants.set(k, {
      grantee_did: e.grantee_did,
      resource_type: e.resource_type,
      access_model_hash: e.access_model_hash,
    });
    return;
  }
  if (!s.grants.delete(k))
    throw new GovernanceError(
      'GOV_RESOURCE',
      `${e.grantee_did} holds no grant on ${e.resource_type}`,
    );
}

function applyFederation(s: GovernanceState, e: Of<'federation'>): void {
  const k = k2(e.coop_did, e.federation_id);
  if (e.effect === 'JoinFederation') {
    s.federations.set(k, { coop_did: e.coop_did, federation_id: e.federation_id });
    return;
  }
  if (!s.federations.delete(k))
    throw new GovernanceError(
      'GOV_FEDERATION',
      `${e.coop_did} is not in federation ${e.federation_id}`,
    );
}
