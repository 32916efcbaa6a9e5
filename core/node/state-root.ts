/**
 * The node state root: one canonical hash over every component of a node's shared state, with a
 * per-component breakdown so two nodes can see *which* component diverged.
 *
 *   component root  = contentHash(icn/node/component-root/v1, {name, root})
 *   state root      = contentHash(icn/node/state-root/v1, {version, components: [[name, component root]…]})
 *
 * Components (fixed, sorted by name): contracts, installations, contract_states, ledger, trust,
 * governance. Each area supplies its own root through ComponentRootSource (the ledger's
 * Ledger.root(), the trust graph's TrustGraph.root(), Governance.root(), and the contract
 * registry's roots), so this module depends on none of them.
 */
import { IcnError } from '../errors.js';
import { contentHash, DOMAIN, isHash, type Hash } from '../hash/index.js';

export const STATE_ROOT_VERSION = 'icn-node-state-root/v1';

export const COMPONENTS = [
  'contract_states',
  'contracts',
  'governance',
  'installations',
  'ledger',
  'trust',
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** Anything that can state its component root (a ledger, a trust graph, a registry…). */
export interface ComponentRootSource {
  root(): Hash;
}

export type ComponentSources = Record<ComponentName, ComponentRootSource>;

export interface StateRoot {
  version: typeof STATE_ROOT_VERSION;
  root: Hash;
  /** Per component, sorted by name: the component's own root and its bound component hash. */
  components: { name: ComponentName; root: Hash; bound: Hash }[];
}

export function componentHash(name: ComponentName, root: Hash): Hash {
  return contentHash(DOMAIN.componentRoot, { name, root });
}

/** Compute the state root from component roots. Throws NODE_STATE_ROOT on a missing/unknown/bad component. */
export function stateRootFromRoots(roots: Readonly<Record<string, Hash>>): StateRoot {
  const names = Object.keys(roots).sort();
  const unknown = names.filter((n) => !(COMPONENTS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new IcnError(
      'NODE_STATE_ROOT',
      `unknown state component(s): ${unknown.join(', ')} (known: ${COMPONENTS.join(', ')})`,
    );
  const components = COMPONENTS.map((name) => {
    const root = roots[name];
    if (root === undefined)
      throw new IcnError('NODE_STATE_ROOT', `state component ${name} has no root`);
    if (!isHash(root))
      throw new IcnError(
        'NODE_STATE_ROOT',
        `state component ${name}: ${JSON.stringify(root)} is not sha256:<hex>`,
      );
    return { name, root, bound: componentHash(name, root) };
  });
  const root = contentHash(DOMAIN.stateRoot, {
    version: STATE_ROOT_VERSION,
    components: components.map((c) => [c.name, c.bound]),
  });
  return { version: STATE_ROOT_VERSION, root, components };
}

/** Ask each source for its root and compute the state root. */
export function computeStateRoot(sources: ComponentSources): StateRoot {
  const roots: Record<string, Hash> = {};
  for (const name of COMPONENTS) {
    const src = sources[name];
    if (!src) throw new IcnError('NODE_STATE_ROOT', `state component ${name} has no source`);
    roots[name] = src.root();
  }
  return stateRootFromRoots(roots);
}

/** Components whose roots differ between two state roots, sorted by name (empty when equal). */
export function diffStateRoots(
  a: StateRoot,
  b: StateRoot,
): { name: ComponentName; a: Hash; b: Hash }[] {
  const out: { name: ComponentName; a: Hash; b: Hash }[] = [];
  for (const name of COMPONENTS) {
    const x = a.components.find((c) => c.name === name)!;
    const y = b.components.find((c) => c.name === name)!;
    if (x.root !== y.root) out.push({ name, a: x.root, b: y.root });
  }
  return out;
}

/** Recompute a state root from its breakdown and check it: what an auditor does with a published root. */
export function verifyStateRoot(s: StateRoot): boolean {
  try {
    const again = stateRootFromRoots(Object.fromEntries(s.components.map((c) => [c.name, c.root])));
    return (
      again.root === s.root &&
      again.components.every(
        (c, i) => s.components[i]?.bound === c.bound && s.components[i]?.name === c.name,
      )
    );
  } catch {
    return false;
  }
}
