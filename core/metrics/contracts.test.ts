import { describe, expect, it } from 'vitest';
import { Registry, register as globalRegistry } from 'prom-client';
import { CONTRACT_METRIC_NAMES, createContractMetrics, metricValue } from './index.js';
import { MAX_LABEL_VALUES } from './contracts.js';

describe('contract metrics', () => {
  it('labels fed by clients (caller DIDs, rule names) take at most MAX_LABEL_VALUES values; the rest count as "other"', async () => {
    const m = createContractMetrics();
    for (let i = 0; i < 1000; i++)
      m.executionsRejectedUnauthorized.inc({ caller: `did:icn:zJunk${i}` });
    for (let i = 0; i < 300; i++)
      m.executions.inc({ contract_name: 'Counter', rule_name: `rule${i}` });
    const series = async (name: string) => (await m.registry.getSingleMetric(name)!.get()).values;
    const callers = await series('icn_contract_executions_rejected_unauthorized_total');
    expect(callers).toHaveLength(MAX_LABEL_VALUES + 1);
    expect(callers.find((v) => v.labels.caller === 'other')?.value).toBe(1000 - MAX_LABEL_VALUES);
    expect(
      await metricValue(m.registry, 'icn_contract_executions_rejected_unauthorized_total'),
    ).toBe(1000);
    expect(
      await metricValue(m.registry, 'icn_contract_executions_rejected_unauthorized_total', {
        caller: 'did:icn:zJunk0',
      }),
    ).toBe(1);
    expect(await series('icn_contract_executions_total')).toHaveLength(MAX_LABEL_VALUES + 1);
  });

  it("exposes the seed's 11 metrics with exactly its names, types and labels, on the node's own registry", async () => {
    const m = createContractMetrics();
    m.deploymentsRejected.inc({ reason: 'trust_too_low' });
    m.deploymentsRejectedTrust.inc({ deployer: 'did:icn:zX', trust_score: '0.140000' });
    m.executions.inc({ contract_name: 'Calculator', rule_name: 'add' });
    m.executionsFailed.inc({
      contract_name: 'Calculator',
      rule_name: 'div',
      error: 'CCL_DIVISION_BY_ZERO',
    });
    m.executionsRejectedUnauthorized.inc({ caller: 'did:icn:zY' });
    m.fuelUsed.observe(4);
    m.duration.observe(0.001);
    const text = await m.registry.metrics();
    const types = Object.fromEntries(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]]),
    );
    expect(types).toEqual({
      icn_contract_installed_total: 'gauge',
      icn_contract_deployments_total: 'counter',
      icn_contract_deployments_received_total: 'counter',
      icn_contract_deployments_rejected_total: 'counter',
      icn_contract_deployments_rejected_trust_total: 'counter',
      icn_contract_executions_total: 'counter',
      icn_contract_executions_failed_total: 'counter',
      icn_contract_executions_rejected_unauthorized_total: 'counter',
      icn_contract_execution_fuel_used: 'histogram',
      icn_contract_execution_duration_seconds: 'histogram',
      icn_contract_ledger_operations_total: 'counter',
    });
    expect(Object.keys(types).sort()).toEqual([...CONTRACT_METRIC_NAMES].sort());
    expect(text).toContain('icn_contract_deployments_rejected_total{reason="trust_too_low"} 1');
    expect(text).toContain(
      'icn_contract_deployments_rejected_trust_total{deployer="did:icn:zX",trust_score="0.140000"} 1',
    );
    expect(text).toContain(
      'icn_contract_executions_total{contract_name="Calculator",rule_name="add"} 1',
    );
    expect(text).toContain(
      'icn_contract_executions_failed_total{contract_name="Calculator",rule_name="div",error="CCL_DIVISION_BY_ZERO"} 1',
    );
    expect(text).toContain(
      'icn_contract_executions_rejected_unauthorized_total{caller="did:icn:zY"} 1',
    );
    expect(await metricValue(m.registry, 'icn_contract_execution_fuel_used')).toBe(1);
    // labels are fixed: an unknown label is refused, not silently added
    expect(() =>
      m.executions.inc({ contract_name: 'x', rule_name: 'y', extra: 'z' } as never),
    ).toThrow();
  });

  it('two nodes in one process keep separate registries and never touch the global one', async () => {
    const a = createContractMetrics();
    const b = createContractMetrics(new Registry());
    a.deployments.inc();
    expect(await metricValue(a.registry, 'icn_contract_deployments_total')).toBe(1);
    expect(await metricValue(b.registry, 'icn_contract_deployments_total')).toBe(0);
    expect(globalRegistry.getSingleMetric('icn_contract_deployments_total')).toBeUndefined();
  });
});
