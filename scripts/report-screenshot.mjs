#!/usr/bin/env node
// Render reports/report.html in headless Chromium (Debian's `chromium`) and write a PNG beside it,
// so a human (or CI artifact viewer) can look at the report as a browser shows it.
//   npm run report:screenshot [-- path/to/report.html [out.png]]
// Exit 2 when the report or the browser is missing, 1 when Chromium fails.
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
const browser = ['chromium', 'chromium-browser', 'google-chrome'].find((b) => spawnSync('which', [b]).status === 0);
if (!browser) {
  process.stderr.write('report-screenshot: no chromium on PATH (Debian: apt-get install chromium)\n');
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), 'icn-chromium-'));
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
} finally {
  rmSync(profile, { recursive: true, force: true });
}
