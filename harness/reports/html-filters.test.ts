/**
 * The report page as a browser runs it: the exact inline script of a generated report, executed
 * against happy-dom's DOM. Planted failures come first; the status, suite and class filters and the
 * id search hide exactly the rows they should; outputs are collapsed.
 */
import { Window } from 'happy-dom';
import { describe, expect, it } from 'vitest';
import { contentHash, DOMAIN } from '../../core/hash/index.js';
import { buildManifest, sealEntry } from '../manifest/build.js';
import type { EntryClass, EntryStatus, Manifest } from '../manifest/types.js';
import { htmlReport } from './html.js';

interface Plant {
  id: string;
  suite: string;
  cls: EntryClass;
  status: EntryStatus;
}

/** 60 passes over two suites, plus planted problems and other statuses in the middle of the id order. */
function planted(): { m: Manifest; plants: Plant[] } {
  const plants: Plant[] = [];
  for (let i = 0; i < 60; i++) plants.push({ id: `${i % 2 ? 'vectors' : 'nasties'}/case${String(i).padStart(3, '0')}`, suite: i % 2 ? 'vectors' : 'nasties', cls: i % 3 ? 'lc' : 'advisory', status: 'pass' });
  plants.push({ id: 'vectors/case031::broken', suite: 'vectors', cls: 'lc', status: 'fail' });
  plants.push({ id: 'nasties/case040::crash', suite: 'nasties', cls: 'lc', status: 'error' });
  plants.push({ id: 'nasties/case050::surprise', suite: 'nasties', cls: 'advisory', status: 'xpass' });
  plants.push({ id: 'vectors/case011::known', suite: 'vectors', cls: 'advisory', status: 'xfail' });
  plants.push({ id: 'vectors/case013::later', suite: 'vectors', cls: 'lc', status: 'skip' });
  plants.sort((a, b) => (a.id < b.id ? -1 : 1));
  const entries = plants.map((p, i) =>
    sealEntry({
      id: p.id, suite: p.suite, class: p.cls, tags: [], inputs: contentHash(DOMAIN.test, i),
      outputs: { outputHash: `sha256:${String(i).repeat(8)}`, returns: `i32:${i}` },
      status: p.status,
      ...(p.status === 'pass' ? {} : { reason: `planted ${p.status}` }),
    }),
  );
  const m = buildManifest({ entries, platform: { arch: 'x64', os: 'linux', node: 'v20.20.2', v8: '11.3', v8Flags: [], tier: 'default', cpuFeatures: [] }, generator: { name: 'icn-harness', version: 't' }, volatile: { caseMs: {} } });
  return { m, plants };
}

/** Load the report into a DOM and run its own inline script (the text between <script> and </script>). */
function open(html: string) {
  const w = new Window({ url: 'file:///report.html' });
  const doc = w.document;
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  doc.write(html.replace(/<script>[\s\S]*?<\/script>/, ''));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the report's own script, as a browser would
  new Function('document', script)(doc);
  const rows = () => [...doc.querySelectorAll('#entries tbody tr')];
  const visible = () => rows().filter((r) => !(r as unknown as { hidden: boolean }).hidden).map((r) => r.getAttribute('data-id'));
  const fire = (id: string, type: string) => doc.getElementById(id)!.dispatchEvent(new w.Event(type, { bubbles: true }));
  const set = (id: string, value: string) => {
    (doc.getElementById(id) as unknown as { value: string }).value = value;
    fire(id, id === 'f-search' ? 'input' : 'change');
  };
  return { w, doc, rows, visible, set, fire, count: () => doc.getElementById('f-count')!.textContent };
}

describe('HTML report page (its own script in a DOM)', () => {
  const { m, plants } = planted();
  const html = htmlReport(m);

  it('lists failures, errors and xpasses first, then xfail, skip, pass; outputs collapsed', () => {
    const p = open(html);
    const statuses = p.rows().map((r) => r.getAttribute('data-status'));
    expect(statuses.slice(0, 5)).toEqual(['fail', 'error', 'xpass', 'xfail', 'skip']);
    expect(statuses.slice(5).every((s) => s === 'pass')).toBe(true);
    expect(p.rows()[0]!.getAttribute('data-id')).toBe('vectors/case031::broken');
    expect(p.count()).toBe(`${plants.length} of ${plants.length} entries shown`);
    // every entry's outputs sit in a closed <details>
    const details = p.doc.querySelectorAll('#entries details');
    expect(details.length).toBe(plants.length);
    expect([...details].every((d) => !d.hasAttribute('open'))).toBe(true);
    expect(p.doc.getElementById('filters')!.hasAttribute('hidden')).toBe(false); // the script showed the bar
  });

  it('"failures only" keeps exactly fail, error and xpass; "all" brings everything back', () => {
    const p = open(html);
    (p.doc.getElementById('f-problems') as unknown as { click(): void }).click();
    expect(p.visible()).toEqual(['vectors/case031::broken', 'nasties/case040::crash', 'nasties/case050::surprise']);
    expect(p.count()).toBe(`3 of ${plants.length} entries shown`);
    (p.doc.getElementById('f-all') as unknown as { click(): void }).click();
    expect(p.visible()).toHaveLength(plants.length);
  });

  it('a status box, the suite and class selects and the id search each filter, and they combine', () => {
    const p = open(html);
    const box = p.doc.querySelector('#filters input[value=pass]') as unknown as { checked: boolean };
    box.checked = false;
    p.fire('filters', 'change');
    expect(p.visible()).toHaveLength(5);
    box.checked = true;
    p.set('f-suite', 'nasties');
    expect(p.visible()).toHaveLength(plants.filter((x) => x.suite === 'nasties').length);
    p.set('f-class', 'advisory');
    expect(p.visible().sort()).toEqual(plants.filter((x) => x.suite === 'nasties' && x.cls === 'advisory').map((x) => x.id).sort());
    p.set('f-suite', '');
    p.set('f-class', '');
    p.set('f-search', 'CASE03');
    expect(p.visible().sort()).toEqual(plants.filter((x) => x.id.includes('case03')).map((x) => x.id).sort());
    p.set('f-search', 'no-such-id');
    expect(p.visible()).toEqual([]);
    expect(p.count()).toBe(`0 of ${plants.length} entries shown`);
  });

  it('is one file: no external resource, and the filter bar is hidden without the script', () => {
    expect(html).not.toMatch(/(?:src|href)="(?!#)[^"]*"/);
    expect(html).toMatch(/<div id="filters" hidden>/);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });
});
