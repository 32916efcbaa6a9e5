// Produces the signed proposals and votes for receipts.json (deterministic Ed25519, RFC 8032 pinned in vectors/ed25519). Run after npm run build: node vectors/governance/sign-inputs.mjs <specs-json>
import { Keypair } from '../../dist/core/identity/index.js';
import { signProposal, signVote } from '../../dist/core/governance/index.js';
const kp = (n) => Keypair.fromSeed(new Uint8Array(32).fill(n));
const specs = JSON.parse(process.argv[2]);
const out = [];
for (const s of specs) {
  const electorate = s.electorate.map(([seed, w]) => ({ voter: kp(seed).did.toString(), weight: w }));
  const sp = signProposal(kp(s.proposer), { proposal_id: s.proposal_id, domain_id: s.domain_id, payload: s.payload, electorate, quorum: s.quorum, threshold_ppm: s.threshold_ppm, created_at: s.created_at });
  const { signature, ...p } = sp;
  const votes = s.votes.map(([seed, choice, at]) => signVote(kp(seed), p, choice, at));
  out.push({ proposal: p, votes });
}
console.log(JSON.stringify(out));
