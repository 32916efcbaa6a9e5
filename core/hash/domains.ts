/**
 * Every domain-separation tag of the project, in one place. A tag names what is hashed or signed
 * and the version of its format; changing the bytes behind a tag means a new version, never an
 * edit. Tags are ASCII, `icn/<area>/<thing>/v<N>`; the hash input is `tag ‖ 0x00 ‖ payload`.
 */
export const DOMAIN = {
  // harness: manifests and vectors
  manifestEntry: 'icn/manifest/entry/v1',
  manifestSuite: 'icn/manifest/suite/v1',
  manifestRoot: 'icn/manifest/root/v1',
  manifestInputs: 'icn/manifest/inputs/v1',
  manifestOutputs: 'icn/manifest/outputs/v1',
  manifestSelection: 'icn/manifest/selection/v1',
  manifestSeal: 'icn/manifest/seal/v1',
  knownFailures: 'icn/harness/known-failures/v1',
  vectorHash: 'icn/vector/hash/v1',
  // wasm engine
  wasmModule: 'icn/wasm/module/v1',
  wasmProfile: 'icn/wasm/profile/v1',
  wasmCostTable: 'icn/wasm/cost-table/v1',
  wasmMemory: 'icn/wasm/memory/v1',
  wasmHostCalls: 'icn/wasm/host-calls/v1',
  wasmResult: 'icn/wasm/result/v1',
  wasmEntropy: 'icn/wasm/entropy-seed/v1',
  wasmSpecOutcomes: 'icn/wasm/spec-outcomes/v1',
  /** The pinned WebAssembly spec corpus (vectors/wasm-spec/corpus.json): repository, commit, files run. */
  wasmSpecCorpus: 'icn/wasm/spec-corpus/v1',
  // contracts
  cclContract: 'icn/ccl/contract/v2',
  cclState: 'icn/ccl/state/v1',
  cclArgs: 'icn/ccl/args/v1',
  cclOutput: 'icn/ccl/output/v1',
  installation: 'icn/contracts/installation/v1',
  deploymentMessage: 'icn/contracts/deployment/v1',
  executionReceipt: 'icn/contracts/receipt/v1',
  cclProfile: 'icn/ccl/profile/v1',
  contractWitness: 'icn/contracts/witness/v1',
  /** A caller's signed request to execute a rule (icn-node's HTTP API). */
  contractCall: 'icn/contracts/call/v1',
  // ledger, trust, governance, misbehavior
  ledgerEntry: 'icn/ledger/entry/v1',
  ledgerLeaf: 'icn/ledger/merkle-leaf/v1',
  ledgerNode: 'icn/ledger/merkle-node/v1',
  ledgerRoot: 'icn/ledger/root/v1',
  trustAttestation: 'icn/trust/attestation/v1',
  trustRoot: 'icn/trust/root/v1',
  governanceProposal: 'icn/governance/proposal/v1',
  governanceVote: 'icn/governance/vote/v1',
  governanceReceipt: 'icn/governance/receipt/v1',
  governanceRoot: 'icn/governance/root/v1',
  governanceAttestation: 'icn/governance/attestation/v1',
  witnessBundle: 'icn/pom/witness/v1',
  proofOfMisbehavior: 'icn/pom/proof/v1',
  pomExecutionClaim: 'icn/pom/execution-claim/v1',
  pomOutput: 'icn/pom/output/v1',
  // node, gossip, simulation
  stateRoot: 'icn/node/state-root/v1',
  componentRoot: 'icn/node/component-root/v1',
  gossipEntry: 'icn/gossip/entry/v1',
  gossipMessage: 'icn/gossip/message/v2',
  gossipHandshake: 'icn/gossip/handshake/v1',
  gossipBloom: 'icn/gossip/bloom/v1',
  gossipStore: 'icn/gossip/store/v1',
  simEvent: 'icn/sim/event/v1',
  simCheckpoint: 'icn/sim/checkpoint/v1',
  simTrace: 'icn/sim/trace/v1',
  // generic, for tests and examples
  test: 'icn/test/v1',
} as const;

export type DomainName = keyof typeof DOMAIN;
export type DomainTag = (typeof DOMAIN)[DomainName];

export const DOMAIN_TAG_PATTERN = /^icn\/[a-z0-9-]+(?:\/[a-z0-9-]+)*\/v[0-9]+$/;

const byTag = new Map<string, DomainTag>(Object.values(DOMAIN).map((t) => [t, t]));

/** The registered tag for a string (a CLI argument, a file field), or undefined. */
export function lookupDomain(tag: string): DomainTag | undefined {
  return byTag.get(tag);
}

export function allDomainTags(): DomainTag[] {
  return [...byTag.keys()].sort() as DomainTag[];
}
