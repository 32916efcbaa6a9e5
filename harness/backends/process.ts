/**
 * The process backend: a scenario over icn-node daemons as child processes of the harness, TCP on
 * 127.0.0.1 (the replay and the checks are driver.ts's). A crash is SIGKILL of the child and a
 * restart a new child over the same data dir and ports; partitions are link cuts (/admin/links).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enc } from '../../core/canonical/index.js';
import { IcnError } from '../../core/errors.js';
import { nodeCommand } from '../proc/node-command.js';
import type { ScenarioDef } from '../sim/scenario.js';
import { allocatePort } from './ports.js';
import {
  runOnCluster,
  type BackendOptions,
  type BackendResult,
  type Cluster,
  type DaemonSpec,
} from './driver.js';

export { ignoredFaults } from './driver.js';
export type ProcessBackendOptions = BackendOptions;
export type ProcessBackendResult = BackendResult;

interface Child {
  spec: DaemonSpec;
  dataDir: string;
  gossipPort: number;
  httpPort: number;
  child?: ChildProcess;
  output: string;
}

/** The daemon's flags for a spec (shared settings: request clock, admin routes). */
export function daemonArgs(spec: DaemonSpec): string[] {
  return [
    '--key-seed',
    enc.bytes(spec.keySeed),
    '--tick-ms',
    String(spec.tickMs),
    '--clock',
    'request',
    '--admin',
    ...(spec.defaultCreditLimit !== undefined
      ? ['--default-credit-limit', spec.defaultCreditLimit]
      : []),
    ...(spec.gossipConfig !== undefined ? ['--gossip-config', spec.gossipConfig] : []),
  ];
}

export async function processCluster(
  repoRoot: string,
  specs: DaemonSpec[],
  log: (line: string) => void,
  o: { name: string; keepData?: boolean },
): Promise<Cluster> {
  const base = mkdtempSync(join(tmpdir(), `icn-process-${o.name}-`));
  const nodes: Child[] = [];
  for (const spec of specs)
    nodes.push({
      spec,
      dataDir: join(base, `node-${spec.index}`),
      gossipPort: await allocatePort(),
      httpPort: await allocatePort(),
      output: '',
    });
  const bin = join(repoRoot, 'bin', 'icn-node.js');
  const kill = async (d: Child, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    const c = d.child;
    d.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await gone;
  };
  return {
    description: 'icn-node child processes, TCP on 127.0.0.1',
    partitionMethod: '/admin/links cuts',
    async start(i) {
      const d = nodes[i]!;
      const peers = nodes.filter((p) => p !== d).map((p) => `127.0.0.1:${p.gossipPort}`);
      const args = [
        '--data-dir',
        d.dataDir,
        '--gossip',
        `127.0.0.1:${d.gossipPort}`,
        '--http',
        `127.0.0.1:${d.httpPort}`,
        ...daemonArgs(d.spec),
        ...peers.flatMap((p) => ['--peer', p]),
      ];
      const cmd = nodeCommand([], bin, args);
      const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
      d.child = child;
      d.output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (b: Buffer) => {
          d.output += b.toString();
          if (/listening did=\S+ gossip=\S+ http=\S+/.test(d.output)) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', (b: Buffer) => (d.output += b.toString()));
        // 'close', not 'exit': 'exit' can come before the child's last output has been read
        child.once('close', (code, sig) =>
          reject(
            new IcnError(
              'HARNESS_FAULT',
              `icn-node ${i} exited (${code ?? sig}) before listening: ${d.output.trim().slice(-500) || '(no output)'}`,
            ),
          ),
        );
      });
      const m = /listening did=(\S+)/.exec(d.output);
      if (m?.[1] !== d.spec.did)
        throw new IcnError(
          'HARNESS_FAULT',
          `node ${i} came up as ${m?.[1]}, expected the simulator's ${d.spec.did}`,
        );
      log(`node ${i}: up (pid ${child.pid}) http=${d.httpPort} gossip=${d.gossipPort}`);
    },
    kill: (i) => kill(nodes[i]!, 'SIGKILL'),
    isUp: (i) => nodes[i]!.child !== undefined,
    url: (i) => `http://127.0.0.1:${nodes[i]!.httpPort}`,
    async close() {
      await Promise.all(nodes.map((d) => kill(d, 'SIGTERM')));
      if (!o.keepData) rmSync(base, { recursive: true, force: true });
    },
  };
}

export async function runProcessScenario(
  def: ScenarioDef,
  o: ProcessBackendOptions,
): Promise<ProcessBackendResult> {
  return runOnCluster('process', def, o, (specs, log) =>
    processCluster(o.repoRoot, specs, log, {
      name: def.name,
      ...(o.keepData ? { keepData: true } : {}),
    }),
  );
}
