export { IcnNode, NODE_STATE_VERSION, recordFormat } from './node.js';
export type { NodeOptions, Transport, TopicHandler } from './node.js';
export { PublishRefused } from './errors.js';
export { MemoryKvStore } from './storage.js';
export type { KvStore } from './storage.js';
export { createNodeMetrics } from './metrics.js';
export type { NodeMetrics } from './metrics.js';
export { NodeContracts, CONTRACT_ROOTS_VERSION } from './contracts.js';
export type { NodeContractsOptions } from './contracts.js';
export { NodeGovernance, GOVERNANCE_EXECUTION_FORMAT } from './governance.js';
export type { DecisionOutcome, GovernanceExecutionRecord } from './governance.js';
export { ContractExecutions, EXECUTION_RECORD_FORMAT, POM_REPORT_FORMAT } from './executions.js';
export type {
  AdoptedExecution,
  ExecutionOutcome,
  ExecutionRecord,
  PomOutcome,
  PomReport,
} from './executions.js';
export {
  wrongExecutionRecord,
  wrongDecisionRecord,
  EXECUTION_TAMPERS,
  DECISION_TAMPERS,
} from './byzantine.js';
export type { ExecutionTamper, DecisionTamper } from './byzantine.js';
