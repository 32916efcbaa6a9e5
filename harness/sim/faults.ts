/**
 * The fault vocabulary of the simulator (harness-anchors.md #6) and how a run's faults are chosen:
 * written out (`--faults loss=20%,dup=1%,…`), taken from a scenario, or drawn from the seed's
 * `faults` stream (`--faults random`, VOPR-style). Every parameter is printed in the run header, and
 * `faultSpec` writes a plan back as the exact `--faults` string that reproduces it.
 *
 * Probabilities are parts per million (no floats); times are integer ms of virtual time.
 */
import { IcnError } from '../../core/errors.js';
import type { Rng } from '../../core/runtime/index.js';

export interface Partition {
  /** `symmetric`: no traffic between the sides. `asymmetric`: `a` cannot reach `b`, `b` still reaches `a`. */
  kind: 'symmetric' | 'asymmetric';
  startMs: number;
  endMs: number;
  /** Node indexes on each side. Nodes on neither side are unaffected. */
  a: number[];
  b: number[];
}

export interface Crash {
  node: number;
  atMs: number;
  /** When the node comes back (with what its storage kept); absent = stays down. */
  restartMs?: number;
}

export interface FaultPlan {
  /** Each message is lost with this probability (ppm). */
  lossPpm: number;
  /** Each delivered message is delivered twice with this probability (ppm). */
  dupPpm: number;
  /** Delay of each message: uniform in [delayMinMs, delayMaxMs] (reordering follows from the spread). */
  delayMinMs: number;
  delayMaxMs: number;
  /** With this probability (ppm) a message takes an extra uniform delay up to tailMaxMs (long tail). */
  tailPpm: number;
  tailMaxMs: number;
  /** Each node's clock is off by a fixed skew drawn uniformly in [−skewMaxMs, +skewMaxMs]. */
  skewMaxMs: number;
  /** On a crash, each write not yet synced is lost with this probability (ppm). */
  unsyncedLossPpm: number;
  partitions: Partition[];
  crashes: Crash[];
}

export const NO_FAULTS: FaultPlan = {
  lossPpm: 0,
  dupPpm: 0,
  delayMinMs: 1,
  delayMaxMs: 10,
  tailPpm: 0,
  tailMaxMs: 0,
  skewMaxMs: 0,
  unsyncedLossPpm: 1_000_000,
  partitions: [],
  crashes: [],
};

const bad = (why: string): never => {
  throw new IcnError('SIM_FAULTS', `--faults: ${why}`);
};

/** "20%", "0.5%", "200000ppm", "0" → ppm. */
export function parsePpm(s: string, what: string): number {
  let m = /^([0-9]{1,3})(?:\.([0-9]{1,4}))?%$/.exec(s);
  if (m) {
    const v = Number(m[1]) * 10_000 + Number((m[2] ?? '').padEnd(4, '0'));
    if (v > 1_000_000) bad(`${what}=${s} is above 100%`);
    return v;
  }
  m = /^([0-9]{1,7})(?:ppm)?$/.exec(s);
  if (m && Number(m[1]) <= 1_000_000) return Number(m[1]);
  return bad(`${what}=${s}: expected a percentage (20%, 0.5%) or ppm (200000ppm) up to 100%`);
}

function parseMs(s: string, what: string): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(s))
    bad(`${what}: ${JSON.stringify(s)} is not an integer number of ms`);
  return Number(s);
}

function parseRange(s: string, what: string): [number, number] {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(s);
  if (!m) return bad(`${what}=${s}: expected MS or MIN-MAX`);
  const lo = parseMs(m[1]!, what);
  const hi = m[2] === undefined ? lo : parseMs(m[2], what);
  if (hi < lo) bad(`${what}=${s}: max below min`);
  return [lo, hi];
}

function parseNodes(s: string, what: string): number[] {
  if (!/^[0-9]+(\+[0-9]+)*$/.test(s))
    bad(`${what}: node list ${JSON.stringify(s)} must be indexes joined by + (e.g. 0+1)`);
  return [...new Set(s.split('+').map(Number))].sort((a, b) => a - b);
}

/**
 * Parse a fault spec on top of a base plan. Items, comma-separated:
 *   none | loss=P | dup=P | delay=MIN-MAX | tail=P:MAXMS | skew=MS | storage-loss=P
 *   partition=sym|asym:START-END:A|B   (A, B: node indexes joined by +; asym: A cannot reach B)
 *   crash=NODE:AT[-RESTART]
 * P is 20%, 0.5% or 200000ppm. `none` resets to no faults (keeping nothing of the base).
 */
export function parseFaults(spec: string, base: FaultPlan = NO_FAULTS): FaultPlan {
  const p: FaultPlan = { ...base, partitions: [...base.partitions], crashes: [...base.crashes] };
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (item === 'none') {
      Object.assign(p, { ...NO_FAULTS, partitions: [], crashes: [] });
      continue;
    }
    const eq = item.indexOf('=');
    if (eq < 0) bad(`${JSON.stringify(item)}: expected key=value`);
    const k = item.slice(0, eq);
    const v = item.slice(eq + 1);
    switch (k) {
      case 'loss':
        p.lossPpm = parsePpm(v, k);
        break;
      case 'dup':
        p.dupPpm = parsePpm(v, k);
        break;
      case 'delay':
        [p.delayMinMs, p.delayMaxMs] = parseRange(v, k);
        break;
      case 'tail': {
        const [pp, ms] = v.split(':');
        if (ms === undefined) bad(`tail=${v}: expected P:MAXMS`);
        p.tailPpm = parsePpm(pp!, k);
        p.tailMaxMs = parseMs(ms!, k);
        break;
      }
      case 'skew':
        p.skewMaxMs = parseMs(v, k);
        break;
      case 'storage-loss':
        p.unsyncedLossPpm = parsePpm(v, k);
        break;
      case 'partition': {
        const [kind, range, sides] = v.split(':');
        if (kind !== 'sym' && kind !== 'asym') bad(`partition=${v}: kind must be sym or asym`);
        if (range === undefined || sides === undefined)
          bad(`partition=${v}: expected sym|asym:START-END:A|B`);
        const [startMs, endMs] = parseRange(range!, 'partition');
        const [a, b] = sides!.split('|');
        if (a === undefined || b === undefined) bad(`partition=${v}: sides must be A|B`);
        p.partitions.push({
          kind: kind === 'sym' ? 'symmetric' : 'asymmetric',
          startMs,
          endMs,
          a: parseNodes(a!, 'partition'),
          b: parseNodes(b!, 'partition'),
        });
        break;
      }
      case 'crash': {
        const [n, range] = v.split(':');
        if (n === undefined || range === undefined || !/^[0-9]+$/.test(n))
          bad(`crash=${v}: expected NODE:AT[-RESTART]`);
        const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(range!);
        if (!m) return bad(`crash=${v}: expected NODE:AT[-RESTART]`);
        const c: Crash = { node: Number(n), atMs: parseMs(m[1]!, 'crash') };
        if (m[2] !== undefined) {
          c.restartMs = parseMs(m[2], 'crash');
          if (c.restartMs <= c.atMs) bad(`crash=${v}: restart must come after the crash`);
        }
        p.crashes.push(c);
        break;
      }
      default:
        bad(
          `unknown fault ${JSON.stringify(k)} (known: none, loss, dup, delay, tail, skew, storage-loss, partition, crash)`,
        );
    }
  }
  return p;
}

/** Check a plan against a node count (indexes in range, no overlapping crashes of one node). */
export function checkFaults(p: FaultPlan, nodes: number): void {
  const idx = (i: number, what: string) => {
    if (!Number.isInteger(i) || i < 0 || i >= nodes)
      bad(`${what}: node ${i} does not exist (nodes 0..${nodes - 1})`);
  };
  for (const pt of p.partitions) {
    [...pt.a, ...pt.b].forEach((i) => idx(i, 'partition'));
    if (pt.a.some((i) => pt.b.includes(i))) bad('partition: a node cannot be on both sides');
    if (pt.endMs <= pt.startMs) bad('partition: end must come after start');
  }
  const byNode = new Map<number, Crash[]>();
  for (const c of p.crashes) {
    idx(c.node, 'crash');
    byNode.set(c.node, [...(byNode.get(c.node) ?? []), c]);
  }
  for (const cs of byNode.values()) {
    const s = [...cs].sort((x, y) => x.atMs - y.atMs);
    for (let i = 1; i < s.length; i++) {
      if (s[i - 1]!.restartMs === undefined || s[i - 1]!.restartMs! > s[i]!.atMs)
        bad(`crash: node ${s[i]!.node} crashes again before it restarted`);
    }
  }
  if (p.delayMinMs < 0 || p.delayMaxMs < p.delayMinMs) bad('delay: need 0 ≤ min ≤ max');
}

/**
 * VOPR-style: the seed's faults stream picks every parameter (loss ≤ 30%, dup ≤ 5%, delays,
 * a long tail, skew, one partition and one crash/restart inside `horizonMs`).
 */
export function randomFaults(rng: Rng, nodes: number, horizonMs: number): FaultPlan {
  const loss = rng.below(300_001);
  const delayMin = rng.int(0, 20);
  const p: FaultPlan = {
    lossPpm: loss,
    dupPpm: rng.below(50_001),
    delayMinMs: delayMin,
    delayMaxMs: delayMin + rng.int(1, 200),
    tailPpm: rng.below(50_001),
    tailMaxMs: rng.int(0, 2000),
    skewMaxMs: rng.int(0, 500),
    unsyncedLossPpm: rng.below(1_000_001),
    partitions: [],
    crashes: [],
  };
  if (nodes >= 2) {
    const order = rng.shuffle([...Array(nodes).keys()]);
    const cut = rng.int(1, nodes - 1);
    const start = rng.int(0, Math.max(0, (horizonMs >> 1) - 1));
    p.partitions.push({
      kind: rng.below(2) === 0 ? 'symmetric' : 'asymmetric',
      startMs: start,
      endMs: start + rng.int(1, Math.max(1, horizonMs >> 2)),
      a: order.slice(0, cut).sort((x, y) => x - y),
      b: order.slice(cut).sort((x, y) => x - y),
    });
    const at = rng.int(0, Math.max(0, (horizonMs >> 1) - 1));
    p.crashes.push({
      node: rng.below(nodes),
      atMs: at,
      restartMs: at + rng.int(1, Math.max(1, horizonMs >> 2)),
    });
  }
  return p;
}

const pct = (ppm: number) => {
  const whole = Math.floor(ppm / 10_000);
  const frac = String(ppm % 10_000)
    .padStart(4, '0')
    .replace(/0+$/, '');
  return frac ? `${whole}.${frac}%` : `${whole}%`;
};

/** The exact `--faults` string for a plan (`none,…`: nothing inherited from a scenario). */
export function faultSpec(p: FaultPlan): string {
  const items = [
    'none',
    `loss=${pct(p.lossPpm)}`,
    `dup=${pct(p.dupPpm)}`,
    `delay=${p.delayMinMs}-${p.delayMaxMs}`,
    `tail=${pct(p.tailPpm)}:${p.tailMaxMs}`,
    `skew=${p.skewMaxMs}`,
    `storage-loss=${pct(p.unsyncedLossPpm)}`,
  ];
  for (const pt of p.partitions)
    items.push(
      `partition=${pt.kind === 'symmetric' ? 'sym' : 'asym'}:${pt.startMs}-${pt.endMs}:${pt.a.join('+')}|${pt.b.join('+')}`,
    );
  for (const c of p.crashes)
    items.push(`crash=${c.node}:${c.atMs}${c.restartMs === undefined ? '' : `-${c.restartMs}`}`);
  return items.join(',');
}

/** Human-readable lines for the run header: every parameter. */
export function describeFaults(p: FaultPlan): string[] {
  const lines = [
    `loss=${pct(p.lossPpm)} dup=${pct(p.dupPpm)} delay=${p.delayMinMs}..${p.delayMaxMs}ms tail=${pct(p.tailPpm)} up to +${p.tailMaxMs}ms`,
    `clock skew=±${p.skewMaxMs}ms storage: unsynced writes lost on crash=${pct(p.unsyncedLossPpm)}`,
  ];
  if (p.partitions.length === 0) lines.push('partitions: none');
  for (const pt of p.partitions)
    lines.push(
      `partition ${pt.kind} ${pt.startMs}..${pt.endMs}ms: [${pt.a.join(',')}] ${pt.kind === 'symmetric' ? '<-/->' : '-/->'} [${pt.b.join(',')}]`,
    );
  if (p.crashes.length === 0) lines.push('crashes: none');
  for (const c of p.crashes)
    lines.push(
      `crash node ${c.node} at ${c.atMs}ms${c.restartMs === undefined ? ', no restart' : `, restart at ${c.restartMs}ms`}`,
    );
  return lines;
}
