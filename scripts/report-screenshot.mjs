#!/usr/bin/env node
// Render reports/report.html in headless Chromium (Debian's `chromium`) and write a PNG beside it,
// so a human (or CI artifact viewer) can look at the report as a browser shows it.
//   npm run report:screenshot [-- path/to/report.html [out.png]]
// Then it loads the page once more with --dump-dom and checks that the report's inline filter
// script ran in the browser (the filter bar is shown and counts the entries).
// Exit 2 when the report or the browser is missing, 1 when Chromium fails or the script did not run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const html = resolve(process.argv[2] ?? 'reports/report.html');
const png = resolve(process.argv[3] ?? html.replace(/\.html$/, '.png'));
if (!existsSync(html)) {
  process.stderr.write(`report-screenshot: ${html} not found: run \`npm run conformance\` first\n`);
  process.exit(2);
}
const browser = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (b) => spawnSync('which', [b]).status === 0,
);
if (!browser) {
  process.stderr.write(
    'report-screenshot: no chromium on PATH (Debian: apt-get install chromium)\n',
  );
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), 'icn-chromium-'));
const common = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  `--user-data-dir=${profile}`,
];
try {
  const r = spawnSync(
    browser,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--window-size=1400,2200',
      `--screenshot=${png}`,
      pathToFileURL(html).href,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0 || !existsSync(png) || statSync(png).size === 0) {
    process.stderr.write(`report-screenshot: chromium failed (status ${r.status})\n${r.stderr}\n`);
    process.exit(1);
  }
  process.stdout.write(`wrote ${png} (${statSync(png).size} bytes)\n`);
  const dom = spawnSync(browser, [...common, '--dump-dom', pathToFileURL(html).href], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (dom.stdout.includes('id="filters"')) {
    const count = /<span id="f-count"[^>]*>([^<]*)<\/span>/.exec(dom.stdout)?.[1] ?? '';
    if (/<div id="filters" hidden/.test(dom.stdout) || !/entries shown$/.test(count)) {
      process.stderr.write(
        "report-screenshot: the report's filter script did not run in Chromium (filter bar hidden or no entry count)\n",
      );
      process.exit(1);
    }
    process.stdout.write(`filter script ran in Chromium: ${count}\n`);
  }
} finally {
  rmSync(profile, { recursive: true, force: true });
}
