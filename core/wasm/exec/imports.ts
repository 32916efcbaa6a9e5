/**
 * Which imports of a module the executor provides. Every profile (raw too) links against the
 * icn.* host interface (profiles.ts HOST_IMPORTS) and nothing else, so a module importing
 * anything else cannot be instantiated: `check` reports this before a run, `exec` names the
 * missing imports instead of V8's "Import #0 module=… error".
 */
import type { ExternKind, FuncType, WasmModule } from '../binary/types.js';
import { HOST_IMPORTS } from '../profiles.js';

export interface ImportLink {
  module: string;
  name: string;
  kind: ExternKind;
  /** Byte offset of the import entry. */
  offset: number;
  /** Why the executor cannot provide it (absent when it is provided). */
  missing?: string;
}

export interface ImportPlan {
  provided: ImportLink[];
  missing: ImportLink[];
}

/** `icn.log, icn.timestamp, icn.entropy_seed`: what the executor offers, for messages. */
export const PROVIDED_IMPORTS = HOST_IMPORTS.map((h) => `${h.module}.${h.name}`).join(', ');

const sig = (t: FuncType): string => `[${t.params.join(' ')}] -> [${t.results.join(' ')}]`;

export function importPlan(m: WasmModule): ImportPlan {
  const plan: ImportPlan = { provided: [], missing: [] };
  for (const im of m.imports) {
    const link: ImportLink = {
      module: im.module,
      name: im.name,
      kind: im.desc.kind,
      offset: im.offset,
    };
    const host = HOST_IMPORTS.find((h) => h.module === im.module && h.name === im.name);
    if (host === undefined)
      link.missing = `not provided: execution provides only ${PROVIDED_IMPORTS}`;
    else if (im.desc.kind !== 'func')
      link.missing = `${im.module}.${im.name} is a function, imported here as a ${im.desc.kind}`;
    else {
      const t = m.types[im.desc.typeIndex];
      const want = { params: [...host.params], results: [...host.results] };
      if (t === undefined || sig(t) !== sig(want))
        link.missing = `imported with type ${t ? sig(t) : '?'}, execution provides ${sig(want)}`;
    }
    (link.missing === undefined ? plan.provided : plan.missing).push(link);
  }
  return plan;
}

/** `a.b (func)` */
export function importName(l: ImportLink): string {
  return `${l.module}.${l.name} (${l.kind})`;
}
