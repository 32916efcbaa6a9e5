/**
 * The containers backend: a scenario over icn-node daemons in containers, through testcontainers
 * (Docker's API: Docker on GitHub runners, podman's service here after `npm run containers:setup`).
 *
 *  - Image: built from the repository's Dockerfile (BASE_IMAGE from ICN_BASE_IMAGE, else the
 *    Dockerfile's official Node image) over a staged context: the daemon compiled from the
 *    current sources into a private dist/ (never the shared one another build may be rewriting),
 *    production node_modules, bin/, contracts/. The tag is a hash of what goes in (core/ sources,
 *    package files, Dockerfile, bin/, contracts/, base image), so an unchanged tree reuses the
 *    image without compiling anything; a new build removes this backend's older images.
 *  - Networks: `gossip` (daemons dial each other by alias `node-<i>` there) and `control` (the
 *    published HTTP ports the harness drives). A partition that isolates one node is a real
 *    `network disconnect` of that container from `gossip` (and `network connect` to heal it); the
 *    daemon's link liveness drops the dead links and redials. Other partitions are link cuts
 *    (/admin/links), as in the process backend.
 *  - Crash: SIGKILL through the engine, then `start` of the same container (its filesystem, and
 *    the daemon's data in it, survive).
 * When no engine is reachable the backend is unavailable (exit 2), never silently passing.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, sep } from 'node:path';
import { execFileSync } from 'node:child_process';
import { enc } from '../../core/canonical/index.js';
import { IcnError } from '../../core/errors.js';
import type { ScenarioDef } from '../sim/scenario.js';
import {
  request,
  runOnCluster,
  until,
  type BackendOptions,
  type BackendResult,
  type Cluster,
  type DaemonSpec,
} from './driver.js';

export type ContainersBackendOptions = BackendOptions;

/** The engine or the image cannot be had: the backend reports `unavailable: <why>` (exit 2). */
export class BackendUnavailable extends IcnError {
  override readonly name = 'BackendUnavailable';
  constructor(why: string) {
    super('BACKEND_UNAVAILABLE', why);
  }
}

/**
 * The environment `npm run containers:setup` wrote (.cache/containers/env), for variables the
 * caller has not set: running the harness does not need `source` first.
 */
export function loadSetupEnv(repoRoot: string): string[] {
  const file = join(repoRoot, '.cache', 'containers', 'env');
  if (!existsSync(file)) return [];
  const applied: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]!] === undefined) {
      process.env[m[1]!] = m[2]!;
      applied.push(m[1]!);
    }
  }
  return applied;
}

type Testcontainers = typeof import('testcontainers');

async function engine(): Promise<{
  tc: Testcontainers;
  client: Awaited<ReturnType<Testcontainers['getContainerRuntimeClient']>>;
}> {
  // No Ryuk here (its image cannot be pulled); the backend removes what it creates itself.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const tc = await import('testcontainers');
  try {
    const client = await tc.getContainerRuntimeClient();
    return { tc, client };
  } catch (e) {
    const where = process.env.DOCKER_HOST
      ? `DOCKER_HOST=${process.env.DOCKER_HOST}`
      : 'no DOCKER_HOST set and no Docker socket found';
    throw new BackendUnavailable(
      `no container engine reachable (${where}): ${(e as Error).message.split('\n')[0]}; on machines without Docker run \`npm run containers:setup\` (podman)`,
    );
  }
}

/** Every file under `dir`, sorted, as paths relative to it. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/** Hash of everything the image is made from (sources, not outputs): its tag. */
export function imageInputsHash(repoRoot: string, baseImage: string): string {
  const h = createHash('sha256');
  h.update(`base ${baseImage}\0`);
  const add = (rel: string) => {
    h.update(`${rel}\0`);
    h.update(readFileSync(join(repoRoot, rel)));
    h.update('\0');
  };
  for (const f of ['Dockerfile', 'package.json', 'package-lock.json', 'tsconfig.json']) add(f);
  for (const d of ['core', 'bin', 'contracts'])
    for (const f of files(join(repoRoot, d))) if (!f.endsWith('.test.ts')) add(`${d}/${f}`);
  return h.digest('hex').slice(0, 16);
}

/**
 * Stage the build context in .cache/containers/context: the Dockerfile's layout (package.json,
 * package-lock.json, node_modules, dist, bin, contracts) with dist/ compiled privately from the
 * current sources (icn-node's entry point and what it imports) and production dependencies only.
 */
export function stageContext(repoRoot: string, log: (line: string) => void): string {
  const dir = join(repoRoot, '.cache', 'containers', 'context');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  // A tsconfig inside the repository tree (so @types/node resolves), compiling the daemon's closure.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(repoRoot, 'tsconfig.json'),
      compilerOptions: {
        outDir: join(dir, 'dist'),
        rootDir: repoRoot,
        sourceMap: false,
        incremental: false,
      },
      include: [],
      files: [join(repoRoot, 'core', 'daemon', 'main.ts')],
    }),
  );
  try {
    execFileSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(dir, 'tsconfig.json'),
      ],
      { stdio: 'pipe' },
    );
  } catch (e) {
    const out =
      `${(e as { stdout?: Buffer }).stdout ?? ''}${(e as { stderr?: Buffer }).stderr ?? ''}`.trim();
    throw new IcnError(
      'HARNESS_FAULT',
      `compiling icn-node for the image failed: ${out.slice(0, 1500)}`,
    );
  }
  rmSync(join(dir, 'tsconfig.json'));
  for (const f of ['Dockerfile', 'package.json', 'package-lock.json'])
    cpSync(join(repoRoot, f), join(dir, f));
  for (const d of ['bin', 'contracts'])
    cpSync(join(repoRoot, d), join(dir, d), { recursive: true });
  // Production dependencies: npm's own list (top-level package dirs; nested ones come with them).
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 16 << 20,
  })
    .toString()
    .split('\n')
    .filter(Boolean);
  const top = new Set<string>();
  for (const p of listed) {
    const rel = relative(repoRoot, p).split(sep);
    if (rel[0] !== 'node_modules') continue;
    top.add(rel[1]!.startsWith('@') ? join(rel[0], rel[1]!, rel[2]!) : join(rel[0], rel[1]!));
  }
  for (const t of [...top].sort())
    cpSync(join(repoRoot, t), join(dir, t), { recursive: true, dereference: true });
  log(
    `image context staged in ${relative(repoRoot, dir)} (${top.size} production packages, daemon compiled from the sources) in ${Date.now() - t0} ms`,
  );
  return dir;
}

/** The icn-node image for the current sources (built once per content hash). */
export async function ensureImage(repoRoot: string, log: (line: string) => void): Promise<string> {
  const { tc, client } = await engine();
  const base = process.env.ICN_BASE_IMAGE;
  const tag = `localhost/icn-node:${imageInputsHash(repoRoot, base ?? '(Dockerfile default)')}`;
  if (await client.image.exists(tc.ImageName.fromString(tag)).catch(() => false)) {
    log(`image ${tag} exists (same sources): reused`);
    return tag;
  }
  const dir = stageContext(repoRoot, log);
  const t0 = Date.now();
  log(
    `building ${tag} from the Dockerfile${base ? ` (BASE_IMAGE=${base})` : ' (BASE_IMAGE: the Dockerfile default)'}…`,
  );
  try {
    await tc.GenericContainer.fromDockerfile(dir)
      .withBuildArgs(base ? { BASE_IMAGE: base } : {})
      .build(tag, { deleteOnExit: false });
  } catch (e) {
    const why = (e as Error).message.split('\n').slice(0, 3).join(' ');
    if (/pull|manifest|registry|resolve|no such image|not found|connection refused/i.test(why))
      throw new BackendUnavailable(
        `cannot build the icn-node image: the base image ${base ?? '(Dockerfile default)'} is not available here (${why}); run \`npm run containers:setup\` for a local base image`,
      );
    throw new IcnError('HARNESS_FAULT', `building the icn-node image failed: ${why}`);
  }
  log(`built ${tag} in ${Date.now() - t0} ms`);
  // Earlier builds of this backend (other sources) are dead weight: remove them, best effort (an
  // image a running container still uses is refused by the engine and stays).
  const dk = client.container.dockerode;
  const old = (await dk.listImages().catch(() => [])).flatMap((i) =>
    (i.RepoTags ?? []).filter(
      (t) => t.startsWith('localhost/icn-node:') && t !== tag && /:[0-9a-f]{16}$/.test(t),
    ),
  );
  for (const t of old)
    await dk
      .getImage(t)
      .remove()
      .then(
        () => log(`removed the older image ${t}`),
        () => undefined,
      );
  return tag;
}

const GOSSIP_PORT = 7070;
const HTTP_PORT = 7071;

const alias = (i: number) => `node-${i}`;

/** A daemon's environment in its container: the spec's settings, every other node as a peer by alias. */
function daemonEnv(s: DaemonSpec, specs: readonly DaemonSpec[]): Record<string, string> {
  return {
    ICN_NODE_DATA_DIR: '/data',
    ICN_NODE_KEY_SEED: enc.bytes(s.keySeed),
    ICN_NODE_GOSSIP: `0.0.0.0:${GOSSIP_PORT}`,
    ICN_NODE_HTTP: `0.0.0.0:${HTTP_PORT}`,
    ICN_NODE_PEERS: specs
      .filter((p) => p !== s)
      .map((p) => `${alias(p.index)}:${GOSSIP_PORT}`)
      .join(','),
    ICN_NODE_TICK_MS: String(s.tickMs),
    ICN_NODE_CLOCK: 'request',
    ICN_NODE_ADMIN: '1',
    ICN_NODE_LINK_TIMEOUT_MS: '2000',
    ...(s.defaultCreditLimit !== undefined
      ? { ICN_NODE_DEFAULT_CREDIT_LIMIT: s.defaultCreditLimit }
      : {}),
    ...(s.gossipConfig !== undefined ? { ICN_NODE_GOSSIP_CONFIG: s.gossipConfig } : {}),
  };
}

type Engine = Awaited<ReturnType<typeof engine>>;
type StartedNetwork = Awaited<ReturnType<InstanceType<Testcontainers['Network']>['start']>>;
type StartedContainer = Awaited<
  ReturnType<InstanceType<Testcontainers['GenericContainer']>['start']>
>;

/** One container a daemon, on a control network (HTTP, published) and a gossip network (cut to partition). */
class ContainersCluster implements Cluster {
  readonly description: string;
  readonly partitionMethod =
    'network disconnect/connect of the isolated container (one node cut from the rest), /admin/links cuts otherwise';
  private readonly started: (StartedContainer | undefined)[];
  private readonly up: boolean[];
  private readonly ports: number[];
  private isolatedNow: number | null = null;
  private readonly gossipNet: ReturnType<Engine['client']['container']['dockerode']['getNetwork']>;

  constructor(
    private readonly eng: Engine,
    private readonly image: string,
    private readonly control: StartedNetwork,
    private readonly gossip: StartedNetwork,
    private readonly specs: DaemonSpec[],
    private readonly log: (line: string) => void,
    private readonly o: { name: string; keepData?: boolean },
  ) {
    this.description = `icn-node containers from ${image}, networks control+gossip`;
    this.gossipNet = this.dk.getNetwork(gossip.getId());
    this.started = specs.map(() => undefined);
    this.up = specs.map(() => false);
    this.ports = specs.map(() => 0);
  }

  private get dk() {
    return this.eng.client.container.dockerode;
  }

  private async hostPort(i: number): Promise<number> {
    const info = await this.dk.getContainer(this.started[i]!.getId()).inspect();
    const b = info.NetworkSettings.Ports[`${HTTP_PORT}/tcp`]?.[0];
    if (!b) throw new IcnError('HARNESS_FAULT', `node ${i}: no host port for ${HTTP_PORT}/tcp`);
    return Number(b.HostPort);
  }

  private async waitListening(i: number): Promise<void> {
    await until(
      `node ${i} (container) to answer as ${this.specs[i]!.did}`,
      async () => {
        const r = await request(`http://127.0.0.1:${this.ports[i]}`, 'GET', '/health');
        return r.status === 200 && r.json.did === this.specs[i]!.did;
      },
      30_000,
      100,
    );
  }

  /** Create and start daemon i's container, joined to the gossip network under its alias. */
  private async create(i: number): Promise<void> {
    const { tc, client } = this.eng;
    const c = await new tc.GenericContainer(this.image)
      .withName(`icn-${this.o.name}-${process.pid}-${i}`)
      .withNetwork(this.control)
      // Both ports: podman lists the image's EXPOSEd ports as bindings, and testcontainers waits for every binding.
      .withExposedPorts(GOSSIP_PORT, HTTP_PORT)
      .withEnvironment(daemonEnv(this.specs[i]!, this.specs))
      .withWaitStrategy(tc.Wait.forLogMessage(/listening/))
      .withStartupTimeout(60_000)
      .start();
    this.started[i] = c;
    await client.container.connectToNetwork(this.dk.getContainer(c.getId()), this.gossipNet, [
      alias(i),
    ]);
    this.ports[i] = c.getMappedPort(HTTP_PORT);
  }

  async start(i: number): Promise<void> {
    if (this.started[i]) {
      // A restart after SIGKILL: the same container, its filesystem (and /data) intact.
      await this.dk.getContainer(this.started[i]!.getId()).start();
      this.ports[i] = await this.hostPort(i); // the engine may publish on new host ports
    } else await this.create(i);
    await this.waitListening(i);
    this.up[i] = true;
    this.log(
      `node ${i}: container ${this.started[i]!.getId().slice(0, 12)} up, http=127.0.0.1:${this.ports[i]}`,
    );
  }

  async kill(i: number): Promise<void> {
    if (!this.started[i] || !this.up[i]) return;
    this.up[i] = false;
    const id = this.started[i]!.getId();
    await this.dk.getContainer(id).kill({ signal: 'SIGKILL' });
    await until(
      `node ${i} to stop`,
      async () => !(await this.dk.getContainer(id).inspect()).State.Running,
      10_000,
      50,
    );
  }

  isUp(i: number): boolean {
    return this.up[i]!;
  }

  url(i: number): string {
    return `http://127.0.0.1:${this.ports[i]}`;
  }

  async isolate(x: number | null): Promise<void> {
    if (x === null) {
      if (this.isolatedNow === null) return;
      await this.gossipNet.connect({
        Container: this.started[this.isolatedNow]!.getId(),
        EndpointConfig: { Aliases: [alias(this.isolatedNow)] },
      });
      this.isolatedNow = null;
      return;
    }
    if (this.isolatedNow !== null)
      throw new IcnError('HARNESS_FAULT', `node ${this.isolatedNow} is already disconnected`);
    await this.gossipNet.disconnect({ Container: this.started[x]!.getId(), Force: true });
    this.isolatedNow = x;
  }

  async close(): Promise<void> {
    const { o, log } = this;
    await Promise.all(
      this.started.map(async (c, i) => {
        if (!c) return;
        try {
          if (this.up[i]) await c.stop({ timeout: 5_000, remove: !o.keepData });
          else if (!o.keepData) await this.dk.getContainer(c.getId()).remove({ force: true });
        } catch (e) {
          log(`node ${i}: cleanup: ${(e as Error).message}`);
        }
      }),
    );
    if (!o.keepData) {
      for (const n of [this.gossip, this.control])
        await n.stop().catch((e: Error) => log(`network cleanup: ${e.message}`));
    }
  }
}

export async function containersCluster(
  repoRoot: string,
  specs: DaemonSpec[],
  log: (line: string) => void,
  o: { name: string; keepData?: boolean },
): Promise<Cluster> {
  const eng = await engine();
  const image = await ensureImage(repoRoot, log);
  const control = await new eng.tc.Network().start();
  const gossip = await new eng.tc.Network().start();
  return new ContainersCluster(eng, image, control, gossip, specs, log, o);
}

export async function runContainersScenario(
  def: ScenarioDef,
  o: ContainersBackendOptions,
): Promise<BackendResult> {
  const applied = loadSetupEnv(o.repoRoot);
  if (applied.length) o.log?.(`environment from .cache/containers/env: ${applied.join(', ')}`);
  await engine(); // unavailable before the simulator runs
  return runOnCluster('containers', def, o, (specs, log) =>
    containersCluster(o.repoRoot, specs, log, {
      name: def.name,
      ...(o.keepData ? { keepData: true } : {}),
    }),
  );
}
