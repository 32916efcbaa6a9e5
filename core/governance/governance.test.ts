import { blake3 } from '@noble/hashes/blake3.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../hash/index.js';
import { Keypair } from '../identity/index.js';
import { checkEntry } from '../ledger/entry.js';
import { Ledger } from '../ledger/ledger.js';
import { verifyInclusion } from '../ledger/merkle.js';
import {
  attestReceipt,
  decide,
  signProposal,
  signVote,
  verifyReceipt,
  type DecisionReceipt,
  type Proposal,
  type SignedVote,
} from './decision.js';
import { GovernanceError } from './errors.js';
import { Governance } from './executor.js';
import { decisionHash, voteHash, type VoteChoice } from './hashes.js';
import { translatePayloadToEffects, type ProposalPayload } from './payload.js';

const kp = (n: number) => Keypair.fromSeed(new Uint8Array(32).fill(n));
const NODE = kp(9);
const V = [kp(11), kp(12), kp(13), kp(14)];

// Independent byte assembly with Node's Buffer (not the module's encoder).
const u64le = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};
const lenStr = (s: string) =>
  Buffer.concat([u64le(BigInt(Buffer.byteLength(s, 'utf8'))), Buffer.from(s, 'utf8')]);
const CH: Record<VoteChoice, number> = { For: 0, Against: 1, Abstain: 2 };
function handVoteHash(votes: { voter: string; choice: VoteChoice; weight: bigint }[]): string {
  const sorted = [...votes].sort(
    (a, b) =>
      Buffer.compare(Buffer.from(a.voter), Buffer.from(b.voter)) || CH[a.choice] - CH[b.choice],
  );
  const parts = [Buffer.from('icn:vote-hash:v1'), u64le(BigInt(votes.length))];
  for (const v of sorted) parts.push(lenStr(v.voter), Buffer.of(CH[v.choice]), u64le(v.weight));
  return toHex(blake3(Buffer.concat(parts)));
}
function handDecisionHash(
  pid: string,
  dom: string,
  outcome: number,
  f: bigint,
  a: bigint,
  ab: bigint,
  vh: string,
): string {
  return toHex(
    blake3(
      Buffer.concat([
        Buffer.from('icn:gov:decision:v1'),
        lenStr(pid),
        lenStr(dom),
        Buffer.of(outcome),
        u64le(f),
        u64le(a),
        u64le(ab),
        Buffer.from(vh, 'hex'),
      ]),
    ),
  );
}

describe('vote_hash / decision_hash (ICN byte formats, BLAKE3)', () => {
  it('empty vote set: BLAKE3("icn:vote-hash:v1" ‖ 0u64le)', () => {
    expect(voteHash([])).toBe(
      toHex(blake3(Buffer.concat([Buffer.from('icn:vote-hash:v1'), Buffer.alloc(8)]))),
    );
  });

  it('votes are sorted by (voter, choice) whatever the input order; lengths are UTF-8 bytes', () => {
    const votes = [
      { voter: 'did:icn:zB', choice: 'Against' as const, weight: 3n },
      { voter: 'did:icn:zA', choice: 'Abstain' as const, weight: 1n },
      { voter: 'did:icn:zA', choice: 'For' as const, weight: 2n },
      { voter: 'é-voter', choice: 'For' as const, weight: (1n << 64n) - 1n },
    ];
    const expected = handVoteHash(votes);
    expect(voteHash(votes.map((v) => ({ ...v, weight: v.weight.toString() })))).toBe(expected);
    expect(voteHash([...votes].reverse())).toBe(expected);
    expect(() => voteHash([{ voter: 'x', choice: 'For', weight: 1n << 64n }])).toThrow(
      GovernanceError,
    );
  });

  it('decision_hash over hand-built bytes for each outcome', () => {
    const vh = handVoteHash([{ voter: 'did:icn:zA', choice: 'For', weight: 5n }]);
    for (const [outcome, byte] of [
      ['Accepted', 0],
      ['Rejected', 1],
      ['NoQuorum', 2],
    ] as const) {
      expect(
        decisionHash({
          proposal_id: 'prop-1',
          domain_id: 'coop:alpha',
          outcome,
          for: '5',
          against: '0',
          abstain: '0',
          vote_hash: vh,
        }),
      ).toBe(handDecisionHash('prop-1', 'coop:alpha', byte, 5n, 0n, 0n, vh));
    }
  });

  it('property: vote_hash equals the hand assembly for arbitrary votes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            voter: fc.string({ maxLength: 12 }),
            choice: fc.constantFrom<VoteChoice>('For', 'Against', 'Abstain'),
            weight: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          }),
          { maxLength: 8 },
        ),
        (votes) => {
          const wellFormed = votes.filter((v) => !/[\ud800-\udfff]/.test(v.voter));
          expect(voteHash(wellFormed)).toBe(handVoteHash(wellFormed));
        },
      ),
      { numRuns: 200 },
    );
  });
});

function proposal(payload: ProposalPayload, over: Partial<Proposal> = {}): Proposal {
  const { signature: _s, ...body } = signProposal(V[0]!, {
    proposal_id: 'prop-1',
    domain_id: 'coop:alpha',
    payload,
    electorate: V.map((k, i) => ({ voter: k.did.toString(), weight: String(i + 1) })),
    quorum: '3',
    created_at: 100,
    ...over,
  });
  return body;
}
const vote = (p: Proposal, i: number, c: VoteChoice) => signVote(V[i]!, p, c, 200 + i);

describe('tally and receipts', () => {
  const text: ProposalPayload = {
    kind: 'Text',
    body: 'We adopt the seven cooperative principles.',
  };

  it('outcomes: quorum, simple majority, ppm threshold (weights 1,2,3,4)', () => {
    const p = proposal(text);
    expect(decide(p, [vote(p, 0, 'For')], 1).outcome).toBe('NoQuorum'); // 1 < quorum 3
    expect(decide(p, [vote(p, 0, 'For'), vote(p, 1, 'Abstain')], 1).outcome).toBe('Accepted'); // 1 > 0
    expect(decide(p, [vote(p, 0, 'For'), vote(p, 1, 'Against')], 1).outcome).toBe('Rejected'); // 1 < 2
    expect(
      decide(p, [vote(p, 1, 'For'), vote(p, 0, 'Against'), vote(p, 2, 'Abstain')], 1).tally,
    ).toEqual({ for: '2', against: '1', abstain: '3' });
    const q = proposal(text, { threshold_ppm: 666_667 });
    // for 2, against 1: 2×10^6 ≥ 666_667×3 = 2_000_001? no. With 666_666: 2_000_000 ≥ 1_999_998: yes.
    expect(decide(q, [vote(q, 1, 'For'), vote(q, 0, 'Against')], 1).outcome).toBe('Rejected');
    const q2 = proposal(text, { threshold_ppm: 666_666 });
    expect(decide(q2, [vote(q2, 1, 'For'), vote(q2, 0, 'Against')], 1).outcome).toBe('Accepted');
  });

  it('rejects forged, duplicate, foreign and mis-weighted votes with typed errors', () => {
    const p = proposal(text);
    const v0 = vote(p, 0, 'For');
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as GovernanceError).code;
      }
      return 'OK';
    };
    expect(err(() => decide(p, [{ ...v0, choice: 'Against' }], 1))).toBe('GOV_BAD_SIGNATURE');
    expect(err(() => decide(p, [v0, v0], 1))).toBe('GOV_DUPLICATE_VOTE');
    expect(err(() => decide(p, [{ ...v0, weight: '9' }], 1))).toBe('GOV_WEIGHT');
    expect(err(() => signVote(kp(99), p, 'For', 1))).toBe('GOV_NOT_ELIGIBLE');
    const other = proposal(text, { proposal_id: 'prop-2' });
    expect(err(() => decide(p, [vote(other, 0, 'For')], 1))).toBe('GOV_WRONG_PROPOSAL');
  });

  it('the receipt carries ICN hashes recomputable by hand; attestations verify; tampering is caught', () => {
    const p = proposal(text);
    const votes: SignedVote[] = [vote(p, 2, 'For'), vote(p, 0, 'Against'), vote(p, 1, 'Abstain')];
    let r = decide(p, votes, 300);
    const vh = handVoteHash(
      votes.map((v) => ({ voter: v.voter, choice: v.choice, weight: BigInt(v.weight) })),
    );
    expect(r.vote_hash).toBe(vh);
    expect(r.decision_hash).toBe(handDecisionHash('prop-1', 'coop:alpha', 0, 3n, 1n, 2n, vh));
    expect(r.votes.map((v) => v.voter)).toEqual([...votes.map((v) => v.voter)].sort());
    r = attestReceipt(V[1]!, attestReceipt(NODE, r));
    expect(verifyReceipt(p, r).length).toBe(2);
    expect(decide(p, [...votes].reverse(), 300).receipt_id).toBe(r.receipt_id);
    const bad = (x: DecisionReceipt) => () => verifyReceipt(p, x);
    expect(bad({ ...r, outcome: 'Rejected' })).toThrow(
      expect.objectContaining({ code: 'GOV_RECEIPT_MISMATCH' }),
    );
    expect(bad({ ...r, tally: { ...r.tally, for: '4' } })).toThrow(
      expect.objectContaining({ code: 'GOV_RECEIPT_MISMATCH' }),
    );
    expect(bad({ ...r, votes: r.votes.slice(1) })).toThrow(
      expect.objectContaining({ code: 'GOV_RECEIPT_MISMATCH' }),
    );
    expect(
      bad({ ...r, attestations: [{ ...r.attestations[0]!, signer: V[3]!.did.toString() }] }),
    ).toThrow(expect.objectContaining({ code: 'GOV_BAD_SIGNATURE' }));
  });
});

describe('translatePayloadToEffects', () => {
  it('follows ICN: Budget → CreateBudget budget-{purpose}; Text → TextResolution(BLAKE3(body)); Allocation → budget + allocations', () => {
    const [b] = translatePayloadToEffects(
      { kind: 'Budget', amount: '500', currency: 'hours', purpose: 'garden' },
      'rid',
      'dh',
      'coop:alpha',
    );
    expect(b).toMatchObject({
      type: 'treasury',
      effect: 'CreateBudget',
      budget_id: 'budget-garden',
      treasury_did: 'coop:alpha',
      total_amount: '500',
      validity_end: '18446744073709551615',
      decision_receipt_id: 'rid',
      decision_hash: 'dh',
    });
    const [t] = translatePayloadToEffects({ kind: 'Text', body: 'hello' }, 'rid', 'dh', 'd');
    expect(t).toEqual({
      type: 'control',
      effect: 'TextResolution',
      resolution_hash: toHex(blake3(Buffer.from('hello'))),
    });
    const alloc = translatePayloadToEffects(
      {
        kind: 'Allocation',
        pool_amount: '10',
        unit: 'u',
        purpose: 'p',
        options: [{ requested_amount: '3' }, { requested_amount: '4' }],
      },
      'rid',
      'dh',
      'd',
    );
    expect(alloc.map((e) => `${e.type}.${e.effect}`)).toEqual([
      'treasury.CreateBudget',
      'treasury.Allocate',
      'treasury.Allocate',
    ]);
    expect(alloc[0]).toMatchObject({ budget_id: 'alloc-p-rid' });
  });

  it('fails closed on unknown payloads and bad amounts', () => {
    expect(() =>
      translatePayloadToEffects({ kind: 'Sdis' } as unknown as ProposalPayload, 'r', 'h', 'd'),
    ).toThrow(expect.objectContaining({ code: 'GOV_PAYLOAD_UNSUPPORTED' }));
    expect(() =>
      translatePayloadToEffects(
        { kind: 'Budget', amount: '-1', currency: 'x', purpose: 'p' },
        'r',
        'h',
        'd',
      ),
    ).toThrow(expect.objectContaining({ code: 'GOV_PAYLOAD' }));
    expect(() =>
      translatePayloadToEffects(
        { kind: 'Treasury', operation: { op: 'Exchange' } } as unknown as ProposalPayload,
        'r',
        'h',
        'd',
      ),
    ).toThrow(expect.objectContaining({ code: 'GOV_PAYLOAD_UNSUPPORTED' }));
  });
});

describe('effect executor', () => {
  const setup = () => {
    const ledger = new Ledger({
      owner: NODE.did,
      trust: { scorePpm: () => 0 },
      defaultCreditLimit: 0n,
    });
    ledger.setCreditLimit('treasury:alpha', 'hours', 1_000n);
    return { ledger, gov: new Governance({ ledger, nodeKey: NODE }) };
  };
  const pass = (p: Proposal) =>
    attestReceipt(NODE, decide(p, [vote(p, 3, 'For'), vote(p, 0, 'Against')], 500));

  it('a treasury spend writes a ledger entry linked to the decision receipt', () => {
    const { ledger, gov } = setup();
    const p = proposal({
      kind: 'Treasury',
      operation: {
        op: 'Spend',
        treasury_did: 'treasury:alpha',
        recipient: 'bob',
        amount: '40',
        currency: 'hours',
        memo: 'tools',
        nonce: '1',
      },
    });
    const r = pass(p);
    const rec = gov.execute(p, r);
    expect(rec.ledger_entries).toHaveLength(1);
    const entry = ledger.get(rec.ledger_entries[0]!)!;
    expect(entry.decision_receipt_id).toBe(r.receipt_id);
    expect(entry.author).toBe(NODE.did.toString());
    expect(entry.timestamp).toBe(500);
    expect(checkEntry(entry).id).toBe(rec.ledger_entries[0]);
    expect(verifyInclusion(ledger.journalRoot(), ledger.prove(rec.ledger_entries[0]!))).toBe(true);
    expect([ledger.balance('treasury:alpha', 'hours'), ledger.balance('bob', 'hours')]).toEqual([
      -40n,
      40n,
    ]);
    expect(() => gov.execute(p, r)).toThrow(
      expect.objectContaining({ code: 'GOV_ALREADY_EXECUTED' }),
    );
    // the same treasury nonce cannot be spent twice by another decision
    const p2 = proposal(p.payload, { proposal_id: 'prop-2' });
    expect(() => gov.execute(p2, pass(p2))).toThrow(
      expect.objectContaining({ code: 'GOV_NONCE_REUSED' }),
    );
  });

  it('surplus distribution writes one balanced multi-line entry; entries of later decisions chain to the heads', () => {
    const { ledger, gov } = setup();
    const p = proposal(
      {
        kind: 'SurplusAllocation',
        allocation: {
          total_surplus: '30',
          currency: 'hours',
          allocations: [
            ['ann', '10'],
            ['ben', '20'],
          ],
        },
      },
      { domain_id: 'treasury:alpha' },
    );
    const r1 = gov.execute(p, pass(p));
    const p2 = proposal(
      {
        kind: 'Treasury',
        operation: {
          op: 'Spend',
          treasury_did: 'treasury:alpha',
          recipient: 'cy',
          amount: '5',
          currency: 'hours',
          memo: '',
          nonce: null,
        },
      },
      { proposal_id: 'prop-2' },
    );
    const r2 = gov.execute(p2, pass(p2));
    expect(ledger.get(r2.ledger_entries[0]!)!.parents).toEqual(r1.ledger_entries);
    expect(ledger.balance('ben', 'hours')).toBe(20n);
  });

  it('stageExecution changes nothing (governance, ledger); commitExecution applies exactly the staged entries; a stale stage is refused (GOV_EXECUTION_RACE)', () => {
    const { ledger, gov } = setup();
    const p = proposal(
      {
        kind: 'SurplusAllocation',
        allocation: {
          total_surplus: '30',
          currency: 'hours',
          allocations: [
            ['ann', '10'],
            ['ben', '20'],
          ],
        },
      },
      { domain_id: 'treasury:alpha' },
    );
    const r = pass(p);
    const before = [gov.root(), ledger.root(), ledger.heads()];
    const s = gov.stageExecution(p, r);
    const stale = gov.stageExecution(p, r);
    expect(s.entries).toHaveLength(1);
    expect([gov.root(), ledger.root(), ledger.heads()]).toEqual(before);
    expect(gov.execution(r.receipt_id)).toBeUndefined();
    const rec = gov.commitExecution(s);
    expect(rec.ledger_entries).toEqual(s.entries.map((e) => checkEntry(e).id));
    expect(ledger.balance('ben', 'hours')).toBe(20n);
    const after = [gov.root(), ledger.root()];
    expect(() => gov.commitExecution(stale)).toThrow(
      expect.objectContaining({ code: 'GOV_EXECUTION_RACE' }),
    );
    expect([gov.root(), ledger.root()]).toEqual(after);
    // A stage whose entries the ledger would refuse throws what execute() would, staging nothing.
    const p2 = proposal(
      {
        kind: 'Treasury',
        operation: {
          op: 'Spend',
          treasury_did: 'treasury:alpha',
          recipient: 'cy',
          amount: '5000',
          currency: 'hours',
          memo: '',
          nonce: null,
        },
      },
      { proposal_id: 'prop-2' },
    );
    expect(() => gov.stageExecution(p2, pass(p2))).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^LEDGER_/) }),
    );
    expect([gov.root(), ledger.root()]).toEqual(after);
  });

  it('fails closed: unimplemented effects and ledger failures change nothing', () => {
    const { ledger, gov } = setup();
    const root0 = [gov.root(), ledger.root()];
    const rb = proposal({ kind: 'RollbackLedger', target_hash: 'sha256:00', reason: 'fraud' });
    expect(() => gov.execute(rb, pass(rb))).toThrow(
      expect.objectContaining({ code: 'GOV_EFFECT_UNSUPPORTED' }),
    );
    // budget created, then a spend beyond the treasury's credit limit: nothing of it lands
    const alloc = proposal(
      {
        kind: 'Treasury',
        operation: {
          op: 'Spend',
          treasury_did: 'treasury:alpha',
          recipient: 'bob',
          amount: '1001',
          currency: 'hours',
          memo: '',
          nonce: '7',
        },
      },
      { proposal_id: 'prop-3' },
    );
    expect(() => gov.execute(alloc, pass(alloc))).toThrow(
      expect.objectContaining({ code: 'LEDGER_CREDIT_LIMIT' }),
    );
    expect(gov.state.nonces.size).toBe(0);
    expect(ledger.size).toBe(0);
    // receipts were recorded (they are facts), nothing else changed
    expect(ledger.root()).toBe(root0[1]);
    expect(gov.execution(pass(alloc).receipt_id)).toBeUndefined();
  });

  it('only accepted, canonical, un-vetoed decisions execute', () => {
    const { gov } = setup();
    const text: ProposalPayload = { kind: 'Text', body: 'x' };
    const p = proposal(text);
    expect(() => gov.execute(p, decide(p, [vote(p, 0, 'For')], 1))).toThrow(
      expect.objectContaining({ code: 'GOV_NOT_ACCEPTED' }),
    );
    const adv = proposal(text, { determinism_class: 'advisory', proposal_id: 'adv' });
    expect(() => gov.execute(adv, pass(adv))).toThrow(
      expect.objectContaining({ code: 'GOV_ADVISORY' }),
    );
    const veto = proposal(
      { kind: 'VetoProposal', target_proposal_id: 'prop-9', reason: 'conflict' },
      { proposal_id: 'veto' },
    );
    gov.execute(veto, pass(veto));
    const p9 = proposal(text, { proposal_id: 'prop-9' });
    expect(() => gov.execute(p9, pass(p9))).toThrow(
      expect.objectContaining({ code: 'GOV_VETOED' }),
    );
  });

  it('membership, config and resource effects land in the state and the root', () => {
    const { gov } = setup();
    const roots = [gov.root()];
    const steps: ProposalPayload[] = [
      { kind: 'Membership', action: 'Add', member: 'did:icn:zMember' },
      { kind: 'FreezeMember', member: 'did:icn:zMember', reason: 'dues' },
      { kind: 'ConfigChange', new_config: '{"quorum":3}' },
      {
        kind: 'ResourceAccess',
        action: { Grant: { model: 'TimeShare' } },
        resource_id: 'van',
        holder: 'did:icn:zMember',
      },
      { kind: 'Federation', proposal: { op: 'JoinFederation', federation_id: 'fed-1' } },
    ];
    steps.forEach((payload, i) => {
      const p = proposal(payload, { proposal_id: `p${i}` });
      gov.execute(p, pass(p));
      roots.push(gov.root());
    });
    expect(new Set(roots).size).toBe(roots.length);
    expect(gov.state.members.get('coop:alpha\u0000did:icn:zMember')).toMatchObject({
      frozen: true,
      freeze_reason: 'dues',
    });
    const un = proposal(
      { kind: 'Membership', action: 'Remove', member: 'did:icn:zNobody' },
      { proposal_id: 'px' },
    );
    expect(() => gov.execute(un, pass(un))).toThrow(
      expect.objectContaining({ code: 'GOV_MEMBERSHIP' }),
    );
  });
});

describe('governance root', () => {
  it('property: the same receipts recorded in any order give the same root', () => {
    const text = (i: number): ProposalPayload => ({ kind: 'Text', body: `resolution ${i}` });
    const ps = Array.from({ length: 5 }, (_, i) => proposal(text(i), { proposal_id: `p${i}` }));
    const rs = ps.map((p, i) =>
      decide(
        p,
        [vote(p, i % 4, i % 2 ? 'For' : 'Against'), vote(p, (i + 1) % 4, 'Abstain')],
        10 + i,
      ),
    );
    const ledger = () => new Ledger({ owner: NODE.did, trust: { scorePpm: () => 0 } });
    const g0 = new Governance({ ledger: ledger(), nodeKey: NODE });
    ps.forEach((p, i) => g0.record(p, rs[i]!));
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }), (order) => {
        const g = new Governance({ ledger: ledger(), nodeKey: NODE });
        for (const i of order) g.record(ps[i]!, rs[i]!);
        expect(g.root()).toBe(g0.root());
      }),
      { numRuns: 12 },
    );
    const g1 = new Governance({ ledger: ledger(), nodeKey: NODE });
    ps.slice(1).forEach((p, i) => g1.record(p, rs[i + 1]!));
    expect(g1.root()).not.toBe(g0.root());
  });
});
