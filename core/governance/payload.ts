/**
 * Proposal payloads (ICN's `ProposalPayload`, externally tagged by `kind`) and kernel effects
 * (ICN's `KernelEffect`, tagged by `type` with the variant in `effect`), and
 * `translatePayloadToEffects`, after icn's `translate_payload_to_effects(payload,
 * decision_receipt_id, decision_hash, domain_id)`.
 *
 * Differences from ICN, on purpose: amounts are u64 decimal strings (never JS numbers); a payload
 * or operation ICN translates to `NoOp{"not yet translated"}` is an error here
 * (GOV_PAYLOAD_UNSUPPORTED): nothing unimplemented is reported as done (icn-semantics.md,
 * unsound #5). Content hashes ICN takes with BLAKE3 over a string stay BLAKE3 over the UTF-8.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { dec } from '../canonical/index.js';
import { toHex } from '../hash/index.js';
import { U64_MAX } from '../int-limits.js';
import { GovernanceError } from './errors.js';

const U64_MAX_STR = U64_MAX.toString();
const utf8 = new TextEncoder();
const b3 = (s: string) => toHex(blake3(utf8.encode(s)));

export type TreasuryOperation =
  | {
      op: 'Spend';
      treasury_did: string;
      recipient: string;
      amount: string;
      currency: string;
      memo: string;
      nonce: string | null;
    }
  | {
      op: 'Withdraw';
      treasury_did: string;
      recipient: string;
      amount: string;
      currency: string;
      purpose: string;
      nonce: string | null;
      budget_id: string | null;
    }
  | {
      op: 'CreateBudget';
      treasury_did: string;
      purpose: string;
      amount: string;
      currency: string;
      period_end: string | null;
    };

export type ProposalPayload =
  | { kind: 'Treasury'; operation: TreasuryOperation }
  | { kind: 'Budget'; amount: string; currency: string; purpose: string }
  | {
      kind: 'SurplusAllocation';
      allocation: { total_surplus: string; currency: string; allocations: [string, string][] };
    }
  | { kind: 'Membership'; action: 'Add' | 'Remove'; member: string }
  | { kind: 'FreezeMember'; member: string; reason: string }
  | { kind: 'UnfreezeMember'; member: string; reason: string }
  | { kind: 'ConfigChange'; new_config: string }
  | { kind: 'SchedulingPolicy'; coop_id: string; policy_json: string }
  | { kind: 'ProtocolUpgrade'; version: string }
  | {
      kind: 'ProtocolChange';
      proposal: { parameter_id: string; new_value: string; effective_at: string | null };
    }
  | { kind: 'VetoProposal'; target_proposal_id: string; reason: string }
  | { kind: 'ForceCloseProposal'; target_proposal_id: string; reason: string }
  | { kind: 'Text'; body: string }
  | { kind: 'RollbackLedger'; target_hash: string; reason: string }
  | {
      kind: 'ResourceAccess';
      action: 'Revoke' | { Grant: { model: string } };
      resource_id: string;
      holder: string;
    }
  | {
      kind: 'Allocation';
      pool_amount: string;
      unit: string;
      options: { requested_amount: string }[];
      purpose: string;
    }
  | {
      kind: 'Federation';
      proposal: { op: 'JoinFederation' | 'LeaveFederation'; federation_id: string };
    };

export type KernelEffect =
  | {
      type: 'treasury';
      effect: 'Spend';
      treasury_did: string;
      recipient_did: string;
      amount: string;
      currency: string;
      memo: string;
      budget_id: string | null;
      expected_nonce: string | null;
      decision_receipt_id: string;
      decision_hash: string;
    }
  | {
      type: 'treasury';
      effect: 'CreateBudget';
      treasury_did: string;
      budget_id: string;
      total_amount: string;
      currency: string;
      name: string;
      validity_start: string;
      validity_end: string;
      decision_receipt_id: string;
      decision_hash: string;
    }
  | {
      type: 'treasury';
      effect: 'Allocate';
      treasury_did: string;
      budget_id: string;
      amount: string;
      currency: string;
    }
  | {
      type: 'treasury';
      effect: 'DistributeSurplus';
      treasury_did: string;
      total_amount: string;
      currency: string;
      distributions: [string, string][];
    }
  | {
      type: 'membership';
      effect: 'AddMember';
      entity_id: string;
      member_did: string;
      role: string;
      tier: string;
    }
  | {
      type: 'membership';
      effect: 'RemoveMember';
      entity_id: string;
      member_did: string;
      reason: string;
    }
  | {
      type: 'membership';
      effect: 'FreezeMember';
      entity_id: string;
      member_did: string;
      reason: string;
      duration_secs: string | null;
    }
  | { type: 'membership'; effect: 'UnfreezeMember'; entity_id: string; member_did: string }
  | {
      type: 'protocol';
      effect: 'SetGovernanceConfig';
      domain_id: string;
      config_hash: string;
      config_json: string;
    }
  | {
      type: 'protocol';
      effect: 'SetSchedulingPolicy';
      coop_id: string;
      policy_hash: string;
      policy_json: string;
    }
  | {
      type: 'protocol';
      effect: 'Upgrade';
      version: string;
      upgrade_hash: string;
      activation_height: string;
    }
  | {
      type: 'protocol';
      effect: 'SetParameter';
      parameter_name: string;
      old_value_hash: string;
      new_value_json: string;
      effective_at: string;
    }
  | { type: 'control'; effect: 'VetoProposal'; target_proposal_id: string; veto_reason: string }
  | {
      type: 'control';
      effect: 'ForceCloseProposal';
      target_proposal_id: string;
      close_reason: string;
    }
  | { type: 'control'; effect: 'TextResolution'; resolution_hash: string }
  | {
      type: 'dispute';
      effect: 'RollbackLedger';
      entry_ids: string[];
      rollback_reason: string;
      authorized_by: string;
    }
  | {
      type: 'resource';
      effect: 'GrantAccess';
      grantee_did: string;
      resource_type: string;
      access_model_hash: string;
    }
  | { type: 'resource'; effect: 'RevokeAccess'; grantee_did: string; resource_type: string }
  | { type: 'federation'; effect: 'JoinFederation'; coop_did: string; federation_id: string }
  | { type: 'federation'; effect: 'LeaveFederation'; coop_did: string; federation_id: string }
  | { type: 'no_op'; effect: 'NoOp'; reason: string };

export const PAYLOAD_KINDS = [
  'Allocation',
  'Budget',
  'ConfigChange',
  'Federation',
  'ForceCloseProposal',
  'FreezeMember',
  'Membership',
  'ProtocolChange',
  'ProtocolUpgrade',
  'ResourceAccess',
  'RollbackLedger',
  'SchedulingPolicy',
  'SurplusAllocation',
  'Text',
  'Treasury',
  'UnfreezeMember',
  'VetoProposal',
] as const;

function amt(s: unknown, what: string): string {
  if (typeof s !== 'string')
    throw new GovernanceError('GOV_PAYLOAD', `${what} must be a u64 decimal string`);
  try {
    return dec.u64(s).toString();
  } catch {
    throw new GovernanceError(
      'GOV_PAYLOAD',
      `${what} ${JSON.stringify(s).slice(0, 40)} is not a u64 decimal string`,
    );
  }
}

function str(s: unknown, what: string): string {
  if (typeof s !== 'string') throw new GovernanceError('GOV_PAYLOAD', `${what} must be a string`);
  return s;
}

/** The accepted decision an effect list is translated for. */
interface Decision {
  receiptId: string;
  hash: string;
  domainId: string;
}

type PayloadOf<K extends ProposalPayload['kind']> = Extract<ProposalPayload, { kind: K }> &
  Record<string, unknown>;

function treasuryEffects(o: TreasuryOperation, d: Decision): KernelEffect[] {
  switch (o?.op) {
    case 'Spend':
      return [
        {
          type: 'treasury',
          effect: 'Spend',
          treasury_did: str(o.treasury_did, 'treasury_did'),
          recipient_did: str(o.recipient, 'recipient'),
          amount: amt(o.amount, 'amount'),
          currency: str(o.currency, 'currency'),
          memo: str(o.memo, 'memo'),
          budget_id: null,
          expected_nonce: o.nonce ?? null,
          decision_receipt_id: d.receiptId,
          decision_hash: d.hash,
        },
      ];
    case 'Withdraw':
      return [
        {
          type: 'treasury',
          effect: 'Spend',
          treasury_did: str(o.treasury_did, 'treasury_did'),
          recipient_did: str(o.recipient, 'recipient'),
          amount: amt(o.amount, 'amount'),
          currency: str(o.currency, 'currency'),
          memo: str(o.purpose, 'purpose'),
          budget_id: o.budget_id ?? null,
          expected_nonce: o.nonce ?? null,
          decision_receipt_id: d.receiptId,
          decision_hash: d.hash,
        },
      ];
    case 'CreateBudget':
      return [
        {
          type: 'treasury',
          effect: 'CreateBudget',
          treasury_did: str(o.treasury_did, 'treasury_did'),
          budget_id: `budget-${str(o.purpose, 'purpose')}`,
          total_amount: amt(o.amount, 'amount'),
          currency: str(o.currency, 'currency'),
          name: o.purpose,
          validity_start: '0',
          validity_end: o.period_end === null ? U64_MAX_STR : amt(o.period_end, 'period_end'),
          decision_receipt_id: d.receiptId,
          decision_hash: d.hash,
        },
      ];
    default: {
      const op = JSON.stringify((o as { op?: unknown })?.op);
      throw new GovernanceError(
        'GOV_PAYLOAD_UNSUPPORTED',
        `treasury operation ${op} has no translation (fail closed)`,
      );
    }
  }
}

function budgetEffects(p: PayloadOf<'Budget'>, d: Decision): KernelEffect[] {
  return [
    {
      type: 'treasury',
      effect: 'CreateBudget',
      treasury_did: d.domainId,
      budget_id: `budget-${str(p.purpose, 'purpose')}`,
      total_amount: amt(p.amount, 'amount'),
      currency: str(p.currency, 'currency'),
      name: p.purpose,
      validity_start: '0',
      validity_end: U64_MAX_STR,
      decision_receipt_id: d.receiptId,
      decision_hash: d.hash,
    },
  ];
}

function surplusEffects(p: PayloadOf<'SurplusAllocation'>, d: Decision): KernelEffect[] {
  const a = p.allocation;
  if (!a || !Array.isArray(a.allocations))
    throw new GovernanceError(
      'GOV_PAYLOAD',
      'SurplusAllocation.allocation.allocations must be an array',
    );
  return [
    {
      type: 'treasury',
      effect: 'DistributeSurplus',
      treasury_did: d.domainId,
      total_amount: amt(a.total_surplus, 'total_surplus'),
      currency: str(a.currency, 'currency'),
      distributions: a.allocations.map(
        ([id, v], i) =>
          [str(id, `allocations[${i}][0]`), amt(v, `allocations[${i}][1]`)] as [string, string],
      ),
    },
  ];
}

function membershipEffects(p: PayloadOf<'Membership'>, d: Decision): KernelEffect[] {
  const member = () => str(p.member, 'member');
  if (p.action === 'Add')
    return [
      {
        type: 'membership',
        effect: 'AddMember',
        entity_id: d.domainId,
        member_did: member(),
        role: '',
        tier: '',
      },
    ];
  if (p.action === 'Remove')
    return [
      {
        type: 'membership',
        effect: 'RemoveMember',
        entity_id: d.domainId,
        member_did: member(),
        reason: '',
      },
    ];
  throw new GovernanceError(
    'GOV_PAYLOAD',
    `Membership.action ${JSON.stringify(p.action)} is not Add or Remove`,
  );
}

type MemberStatePayload = PayloadOf<'FreezeMember'> | PayloadOf<'UnfreezeMember'>;

function memberStateEffects(p: MemberStatePayload, d: Decision): KernelEffect[] {
  switch (p.kind) {
    case 'FreezeMember':
      return [
        {
          type: 'membership',
          effect: 'FreezeMember',
          entity_id: d.domainId,
          member_did: str(p.member, 'member'),
          reason: str(p.reason, 'reason'),
          duration_secs: null,
        },
      ];
    case 'UnfreezeMember':
      return [
        {
          type: 'membership',
          effect: 'UnfreezeMember',
          entity_id: d.domainId,
          member_did: str(p.member, 'member'),
        },
      ];
  }
}

type ProtocolPayload = PayloadOf<'ConfigChange' | 'SchedulingPolicy' | 'ProtocolUpgrade'>;

function protocolEffects(p: ProtocolPayload, d: Decision): KernelEffect[] {
  switch (p.kind) {
    case 'ConfigChange':
      return [
        {
          type: 'protocol',
          effect: 'SetGovernanceConfig',
          domain_id: d.domainId,
          config_hash: b3(str(p.new_config, 'new_config')),
          config_json: p.new_config,
        },
      ];
    case 'SchedulingPolicy':
      return [
        {
          type: 'protocol',
          effect: 'SetSchedulingPolicy',
          coop_id: str(p.coop_id, 'coop_id'),
          policy_hash: b3(str(p.policy_json, 'policy_json')),
          policy_json: p.policy_json,
        },
      ];
    case 'ProtocolUpgrade':
      return [
        {
          type: 'protocol',
          effect: 'Upgrade',
          version: str(p.version, 'version'),
          upgrade_hash: '',
          activation_height: '0',
        },
      ];
  }
}

type ControlPayload = PayloadOf<'VetoProposal' | 'ForceCloseProposal' | 'Text' | 'RollbackLedger'>;

function controlEffects(p: ControlPayload, d: Decision): KernelEffect[] {
  switch (p.kind) {
    case 'VetoProposal':
      return [
        {
          type: 'control',
          effect: 'VetoProposal',
          target_proposal_id: str(p.target_proposal_id, 'target_proposal_id'),
          veto_reason: str(p.reason, 'reason'),
        },
      ];
    case 'ForceCloseProposal':
      return [
        {
          type: 'control',
          effect: 'ForceCloseProposal',
          target_proposal_id: str(p.target_proposal_id, 'target_proposal_id'),
          close_reason: str(p.reason, 'reason'),
        },
      ];
    case 'Text':
      return [
        { type: 'control', effect: 'TextResolution', resolution_hash: b3(str(p.body, 'body')) },
      ];
    case 'RollbackLedger':
      return [
        {
          type: 'dispute',
          effect: 'RollbackLedger',
          entry_ids: [str(p.target_hash, 'target_hash')],
          rollback_reason: str(p.reason, 'reason'),
          authorized_by: d.receiptId,
        },
      ];
  }
}

function protocolChangeEffects(p: PayloadOf<'ProtocolChange'>): KernelEffect[] {
  return [
    {
      type: 'protocol',
      effect: 'SetParameter',
      parameter_name: str(p.proposal?.parameter_id, 'parameter_id'),
      old_value_hash: '',
      new_value_json: str(p.proposal.new_value, 'new_value'),
      effective_at:
        p.proposal.effective_at === null ? '0' : amt(p.proposal.effective_at, 'effective_at'),
    },
  ];
}

function resourceEffects(p: PayloadOf<'ResourceAccess'>): KernelEffect[] {
  if (p.action === 'Revoke')
    return [
      {
        type: 'resource',
        effect: 'RevokeAccess',
        grantee_did: str(p.holder, 'holder'),
        resource_type: str(p.resource_id, 'resource_id'),
      },
    ];
  const g = (p.action as { Grant?: { model?: unknown } })?.Grant;
  if (!g)
    throw new GovernanceError(
      'GOV_PAYLOAD',
      'ResourceAccess.action must be "Revoke" or {"Grant":{"model"}}',
    );
  return [
    {
      type: 'resource',
      effect: 'GrantAccess',
      grantee_did: str(p.holder, 'holder'),
      resource_type: str(p.resource_id, 'resource_id'),
      access_model_hash: b3(str(g.model, 'model')),
    },
  ];
}

function allocationEffects(p: PayloadOf<'Allocation'>, d: Decision): KernelEffect[] {
  const budgetId = `alloc-${str(p.purpose, 'purpose')}-${d.receiptId}`;
  if (!Array.isArray(p.options))
    throw new GovernanceError('GOV_PAYLOAD', 'Allocation.options must be an array');
  return [
    {
      type: 'treasury',
      effect: 'CreateBudget',
      treasury_did: d.domainId,
      budget_id: budgetId,
      total_amount: amt(p.pool_amount, 'pool_amount'),
      currency: str(p.unit, 'unit'),
      name: p.purpose,
      validity_start: '0',
      validity_end: U64_MAX_STR,
      decision_receipt_id: d.receiptId,
      decision_hash: d.hash,
    },
    ...p.options.map((o, i): KernelEffect => ({
      type: 'treasury',
      effect: 'Allocate',
      treasury_did: d.domainId,
      budget_id: budgetId,
      amount: amt(o?.requested_amount, `options[${i}].requested_amount`),
      currency: p.unit,
    })),
  ];
}

function federationEffects(p: PayloadOf<'Federation'>, d: Decision): KernelEffect[] {
  const f = p.proposal;
  if (f?.op === 'JoinFederation')
    return [
      {
        type: 'federation',
        effect: 'JoinFederation',
        coop_did: d.domainId,
        federation_id: str(f.federation_id, 'federation_id'),
      },
    ];
  if (f?.op === 'LeaveFederation')
    return [
      {
        type: 'federation',
        effect: 'LeaveFederation',
        coop_did: d.domainId,
        federation_id: str(f.federation_id, 'federation_id'),
      },
    ];
  throw new GovernanceError(
    'GOV_PAYLOAD_UNSUPPORTED',
    `federation proposal ${JSON.stringify(f?.op)} has no translation (fail closed)`,
  );
}

/**
 * Translate an accepted proposal's payload to kernel effects. Throws GOV_PAYLOAD /
 * GOV_PAYLOAD_UNSUPPORTED.
 */
export function translatePayloadToEffects(
  payload: ProposalPayload,
  decisionReceiptId: string,
  decisionHash: string,
  domainId: string,
): KernelEffect[] {
  const d: Decision = { receiptId: decisionReceiptId, hash: decisionHash, domainId };
  const p = payload as ProposalPayload & Record<string, unknown>;
  switch (p.kind) {
    case 'Treasury':
      return treasuryEffects(p.operation as TreasuryOperation, d);
    case 'Budget':
      return budgetEffects(p, d);
    case 'SurplusAllocation':
      return surplusEffects(p, d);
    case 'Membership':
      return membershipEffects(p, d);
    case 'FreezeMember':
    case 'UnfreezeMember':
      return memberStateEffects(p, d);
    case 'ConfigChange':
    case 'SchedulingPolicy':
    case 'ProtocolUpgrade':
      return protocolEffects(p, d);
    case 'ProtocolChange':
      return protocolChangeEffects(p);
    case 'VetoProposal':
    case 'ForceCloseProposal':
    case 'Text':
    case 'RollbackLedger':
      return controlEffects(p, d);
    case 'ResourceAccess':
      return resourceEffects(p);
    case 'Allocation':
      return allocationEffects(p, d);
    case 'Federation':
      return federationEffects(p, d);
    default: {
      const kind = JSON.stringify((p as { kind?: unknown }).kind);
      throw new GovernanceError(
        'GOV_PAYLOAD_UNSUPPORTED',
        `proposal payload kind ${kind} has no translation (fail closed; known: ` +
          `${PAYLOAD_KINDS.join(', ')})`,
      );
    }
  }
}
