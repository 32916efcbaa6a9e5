/** Prometheus metrics of a node (prom-client, one Registry per node). Observations only: never hashed. */
export {
  createContractMetrics,
  ppmLabel,
  metricValue,
  CONTRACT_METRIC_NAMES,
} from './contracts.js';
export type { ContractMetrics } from './contracts.js';
