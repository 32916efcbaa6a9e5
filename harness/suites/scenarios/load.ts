/** Reading scenario definitions from scenarios/*.json (strict JSON, validated). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, readJsonFile } from '../../io/files.js';
import { checkScenario, type ScenarioDef } from '../../sim/scenario.js';

export function scenarioDir(repoRoot: string): string {
  return join(repoRoot, 'scenarios');
}

/** Every scenario, sorted by name. Throws UsageError on a bad file or a name that does not match its file. */
export function loadScenarios(repoRoot: string): ScenarioDef[] {
  const dir = scenarioDir(repoRoot);
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((f) => {
    const def = checkScenario(readJsonFile(join(dir, f)), `scenarios/${f}`);
    if (`${def.name}.json` !== f) throw new UsageError('SCENARIO_FORMAT', `scenarios/${f}: name ${JSON.stringify(def.name)} must match the file name`);
    return def;
  });
}

export function loadScenario(repoRoot: string, name: string): ScenarioDef {
  const all = loadScenarios(repoRoot);
  const d = all.find((s) => s.name === name);
  if (!d) throw new UsageError('SCENARIO_UNKNOWN', `no scenario ${JSON.stringify(name)} (known: ${all.map((s) => s.name).join(', ') || 'none'})`);
  return d;
}
