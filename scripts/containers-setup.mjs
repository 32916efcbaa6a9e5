#!/usr/bin/env node
/**
 * npm run containers:setup: make this machine able to run the `containers` scenario backend.
 * Our machines have no Docker engine and no registry (see ../shared/reference/toolchain.md):
 *   1. install podman and runc from Debian (crun refuses this machine's hybrid cgroups);
 *   2. write a containers.conf this machine can honour (ulimits it can raise, runc, cgroupfs,
 *      file events logger) into .cache/containers/;
 *   3. start `podman system service` on a unix socket (testcontainers talks Docker's API to it);
 *   4. build a local base image without a registry: a minimal root tree holding this machine's
 *      node binary and the shared libraries ldd lists, imported with `podman import`.
 * It prints the environment the backend needs (DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED,
 * CONTAINERS_CONF) and writes it to .cache/containers/env for scripts to source.
 * On GitHub runners none of this is needed: the Dockerfile's BASE_IMAGE default is an official
 * Node image, and Docker is there.
 *
 * Options: --skip-install (podman already installed), --image NAME (default localhost/icn-base:node20)
 */
import { spawn } from 'node:child_process';
import { $, argv, fs, path, echo, sleep } from 'zx';
import { checkOptions } from './lib/options.mjs';

checkOptions(import.meta.url, argv, ['skip-install', 'skipInstall', 'image']);

$.verbose = false;
const repo = path.resolve(import.meta.dirname, '..');
const dir = path.join(repo, '.cache', 'containers');
const conf = path.join(dir, 'containers.conf');
const sock = path.join(dir, 'podman.sock');
const image = String(argv.image ?? 'localhost/icn-base:node20');

function fail(msg) {
  echo(`containers:setup: error: ${msg}`);
  process.exit(2);
}

async function install() {
  if (argv['skip-install']) return;
  const have = await $`command -v podman && command -v runc`.nothrow();
  if (have.exitCode === 0) return;
  if (process.getuid?.() !== 0)
    fail(
      'podman and runc are missing and installing them needs root (apt-get install podman runc)',
    );
  echo('installing podman and runc from Debian…');
  await $`apt-get update -qq`;
  await $({
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })`apt-get install -y -qq podman runc`;
}

async function writeConf() {
  await fs.ensureDir(dir);
  await fs.writeFile(
    conf,
    [
      '# written by npm run containers:setup',
      '[containers]',
      '# this machine cannot raise limits to podman defaults',
      'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      '',
    ].join('\n'),
  );
}

async function startService(env) {
  const ping = async () =>
    (await $({ env })`curl -sf --unix-socket ${sock} http://d/_ping`.nothrow()).stdout.trim() ===
    'OK';
  if ((await fs.pathExists(sock)) && (await ping())) return;
  await fs.remove(sock);
  echo(`starting podman system service on ${sock}…`);
  // Detached, output to a log file: the service outlives this script (until the machine stops).
  const log = fs.openSync(path.join(dir, 'podman-service.log'), 'a');
  spawn('podman', ['system', 'service', '--time=0', `unix://${sock}`], {
    env,
    detached: true,
    stdio: ['ignore', log, log],
  }).unref();
  for (let i = 0; i < 50; i++) {
    if ((await fs.pathExists(sock)) && (await ping())) return;
    await sleep(200);
  }
  fail('podman system service did not answer on its socket within 10 s');
}

async function buildBaseImage(env) {
  const exists = await $({ env })`podman image exists ${image}`.nothrow();
  if (exists.exitCode === 0) return;
  echo(`building base image ${image} (node ${process.version} + its shared libraries)…`);
  const tree = path.join(dir, 'base-tree');
  await fs.remove(tree);
  const nodeBin = await fs.realpath(process.execPath);
  await fs.ensureDir(path.join(tree, 'usr/local/bin'));
  await fs.copy(nodeBin, path.join(tree, 'usr/local/bin/node'));
  const libs = (await $`ldd ${nodeBin}`).stdout.match(/\/[^\s)]+/g) ?? [];
  for (const lib of libs) {
    await fs.ensureDir(path.join(tree, path.dirname(lib)));
    await fs.copy(await fs.realpath(lib), path.join(tree, lib));
  }
  await fs.ensureDir(path.join(tree, 'tmp'));
  await fs.chmod(path.join(tree, 'tmp'), 0o1777);
  await fs.ensureDir(path.join(tree, 'etc'));
  await fs.writeFile(
    path.join(tree, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/app:/bin/sh\n',
  );
  await fs.writeFile(path.join(tree, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  await $({
    env,
  })`tar -C ${tree} -c . | podman import --change ${'ENV PATH=/usr/local/bin:/usr/bin:/bin'} - ${image}`;
  await fs.remove(tree);
}

await install();
await writeConf();
const env = { ...process.env, CONTAINERS_CONF: conf };
await startService(env);
await buildBaseImage(env);
const lines = [
  `export CONTAINERS_CONF=${conf}`,
  `export DOCKER_HOST=unix://${sock}`,
  'export TESTCONTAINERS_RYUK_DISABLED=true',
  `export ICN_BASE_IMAGE=${image}`,
];
await fs.writeFile(path.join(dir, 'env'), `${lines.join('\n')}\n`);
echo(
  `containers ready. Environment (also in ${path.relative(repo, path.join(dir, 'env'))}):\n${lines.join('\n')}`,
);
