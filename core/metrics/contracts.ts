/**
 * The contract metrics of ICN's seed (icn-ccl actor), with exactly its names and labels, on a
 * prom-client Registry that belongs to one node (never the global default registry: several nodes
 * live in one simulator process). Metrics are observations only: nothing here ever feeds a hash,
 * a receipt or a decision.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const CONTRACT_METRIC_NAMES = [
  'icn_contract_installed_total',
  'icn_contract_deployments_total',
  'icn_contract_deployments_received_total',
  'icn_contract_deployments_rejected_total',
  'icn_contract_deployments_rejected_trust_total',
  'icn_contract_executions_total',
  'icn_contract_executions_failed_total',
  'icn_contract_executions_rejected_unauthorized_total',
  'icn_contract_execution_fuel_used',
  'icn_contract_execution_duration_seconds',
  'icn_contract_ledger_operations_total',
] as const;

export interface ContractMetrics {
  readonly registry: Registry;
  /** Contracts installed on this node (gauge; the seed's name ends in _total). */
  readonly installed: Gauge;
  /** Deployments made by this node. */
  readonly deployments: Counter;
  /** Deployment messages received. */
  readonly deploymentsReceived: Counter;
  readonly deploymentsRejected: Counter<'reason'>;
  /** trust_score is the deployer's trust as a decimal with 6 places, from ppm (no float). */
  readonly deploymentsRejectedTrust: Counter<'deployer' | 'trust_score'>;
  readonly executions: Counter<'contract_name' | 'rule_name'>;
  readonly executionsFailed: Counter<'contract_name' | 'rule_name' | 'error'>;
  readonly executionsRejectedUnauthorized: Counter<'caller'>;
  readonly fuelUsed: Histogram;
  readonly duration: Histogram;
  readonly ledgerOperations: Counter;
}

/** Create the contract metrics on `registry` (a fresh per-node Registry by default). */
export function createContractMetrics(registry: Registry = new Registry()): ContractMetrics {
  const registers = [registry];
  return {
    registry,
    installed: new Gauge({
      name: 'icn_contract_installed_total',
      help: 'Contracts installed on this node',
      registers,
    }),
    deployments: new Counter({
      name: 'icn_contract_deployments_total',
      help: 'Contract deployments made by this node',
      registers,
    }),
    deploymentsReceived: new Counter({
      name: 'icn_contract_deployments_received_total',
      help: 'Contract deployment messages received',
      registers,
    }),
    deploymentsRejected: new Counter({
      name: 'icn_contract_deployments_rejected_total',
      help: 'Contract deployment messages rejected, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    deploymentsRejectedTrust: capLabel(
      new Counter({
        name: 'icn_contract_deployments_rejected_trust_total',
        help: 'Contract deployments rejected because the deployer is not trusted enough',
        labelNames: ['deployer', 'trust_score'] as const,
        registers,
      }),
      'deployer',
    ),
    executions: capLabel(
      new Counter({
        name: 'icn_contract_executions_total',
        help: 'Contract rule executions',
        labelNames: ['contract_name', 'rule_name'] as const,
        registers,
      }),
      'rule_name',
    ),
    executionsFailed: capLabel(
      new Counter({
        name: 'icn_contract_executions_failed_total',
        help: 'Contract rule executions that failed, by error code',
        labelNames: ['contract_name', 'rule_name', 'error'] as const,
        registers,
      }),
      'rule_name',
    ),
    executionsRejectedUnauthorized: capLabel(
      new Counter({
        name: 'icn_contract_executions_rejected_unauthorized_total',
        help: 'Executions refused because the caller is not authorized',
        labelNames: ['caller'] as const,
        registers,
      }),
      'caller',
    ),
    fuelUsed: new Histogram({
      name: 'icn_contract_execution_fuel_used',
      help: 'Fuel used per execution',
      buckets: [10, 100, 1_000, 10_000, 100_000, 1_000_000],
      registers,
    }),
    duration: new Histogram({
      name: 'icn_contract_execution_duration_seconds',
      help: 'Wall-clock duration of executions (observation only)',
      buckets: [0.0001, 0.001, 0.01, 0.1, 1, 10],
      registers,
    }),
    ledgerOperations: new Counter({
      name: 'icn_contract_ledger_operations_total',
      help: 'Ledger operations applied by contract executions',
      registers,
    }),
  };
}

/** Distinct values a label fed from outside (caller and deployer DIDs, rule names) may take. */
export const MAX_LABEL_VALUES = 256;
export const OTHER_LABEL = 'other';

/**
 * Cap a label whose values a hostile client chooses (a fresh key per call, any rule name): the
 * first MAX_LABEL_VALUES distinct values get their own series, later ones are counted under
 * "other". Without it every fresh key was a new series kept forever (memory and /metrics size).
 */
function capLabel<T extends string>(c: Counter<T>, label: T): Counter<T> {
  const seen = new Set<string>();
  const inc = c.inc.bind(c) as (
    labels?: Partial<Record<T, string | number>> | number,
    value?: number,
  ) => void;
  c.inc = ((labels?: Partial<Record<T, string | number>> | number, value?: number) => {
    if (labels !== undefined && typeof labels === 'object' && labels[label] !== undefined) {
      const v = String(labels[label]);
      if (!seen.has(v)) {
        if (seen.size >= MAX_LABEL_VALUES) labels = { ...labels, [label]: OTHER_LABEL };
        else seen.add(v);
      }
    }
    inc(labels, value);
  }) as Counter<T>['inc'];
  return c;
}

/** ppm → "0.420000" (exact decimal; labels never go through a float). */
export function ppmLabel(ppm: number): string {
  const whole = Math.floor(ppm / 1_000_000);
  const frac = String(ppm % 1_000_000).padStart(6, '0');
  return `${whole}.${frac}`;
}

/** Read a counter or gauge (summed over series matching `labels`), or a histogram's observation count. Tests and the CLI. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  const data = await m.get();
  const isHistogram = String(data.type) === 'histogram';
  const want = Object.entries(labels);
  let total = 0;
  for (const v of data.values) {
    const metricName = (v as { metricName?: string }).metricName;
    if (isHistogram && metricName !== `${name}_count`) continue;
    if (want.every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x))
      total += v.value;
  }
  return total;
}
