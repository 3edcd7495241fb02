import crypto from 'node:crypto';
import net from 'node:net';
import process from 'node:process';
import type Docker from 'dockerode';
import { agentWritableFolders, checkHostSources, workspaceSources } from '../config/host-sources.ts';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { demuxToText, StreamDemuxer } from '../docker/streams.ts';
import type { BuildApprovalRequest } from '../images/approval.ts';
import { buildSidecar, buildUserLayer, buildWorkspace, type BuildEvent } from '../images/build.ts';
import { decideAgentIdentity, engineFacts, processUser } from '../sandbox/identity.ts';
import { SYSTEM_PATHS_UNCONFINED } from '../sandbox/dind.ts';
import { FIREWALL_READY_LINE, FIREWALL_WARNING_PREFIX } from '../sandbox/firewall.ts';
import { hostAddresses, policyText } from '../net/policy.ts';
import { applyPolicy, currentPolicy, gatewaysOf, putPolicy } from '../net/steer.ts';
import { ensurePassword, readSecretValues, secretsArchive } from '../sandbox/secrets.ts';
import { writeGitConfigCopy } from '../sandbox/gitconfig.ts';
import { seedArchive } from '../sandbox/seed.ts';
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, SERVICE_LABEL, WORKSPACE_LABEL } from '../instances/labels.ts';
import { dockerTimestamp } from '../instances/logs.ts';
import { withWorkspaceLock } from './lock.ts';
import { AGENT_READY_LINE, projectName, servesOpenCode, workspaceModel, workspacePort, type ComposeModel, type ServiceModel, type ServiceName } from './model.ts';

export type ServiceAction = 'kept' | 'started' | 'created' | 'recreated' | 'removed';

export type LaunchEvent =
  | BuildEvent
  | { type: 'lock-wait'; pid: number }
  | { type: 'service'; service: ServiceName; action: ServiceAction; id: string }
  | { type: 'waiting'; service: ServiceName; until: 'healthy' }
  | { type: 'ready'; workspace: string; port: number | null };

export interface LaunchOptions {
  docker: Docker;
  cacheDir: string;
  dataDir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  exists(path: string): boolean;
  onEvent?: (event: LaunchEvent) => void;
  signal?: AbortSignal;
  /**
   * Asked when the workspace's Dockerfile or build context lies where an agent can write and
   * changed since the user last approved a build; without it, up refuses such a build.
   */
  approveBuild?: (request: BuildApprovalRequest) => boolean | Promise<boolean>;
}

export interface ServiceResult {
  id: string;
  action: ServiceAction;
}

export interface UpResult {
  project: string;
  port: number | null;
  services: { firewall: ServiceResult; agent: ServiceResult; dind?: ServiceResult };
}

/** A workspace that could not start, with what the user can do about it. */
export class LaunchError extends Error {
  override readonly name = 'LaunchError';
  readonly code = 'LAUNCH_FAILED';
}

const CONFIG_HASH = 'com.docker.compose.config-hash';

/** Compose's own labels, so `docker compose -p paddock-<ws> ps|logs|down` see the workspace. */
function labels(model: ComposeModel, service: ServiceName | null, hash?: string): Record<string, string> {
  const out: Record<string, string> = { [COMPOSE_PROJECT_LABEL]: model.project, [WORKSPACE_LABEL]: model.workspace };
  if (service) {
    Object.assign(out, {
      [COMPOSE_SERVICE_LABEL]: service,
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.version': '2.0.0',
      [SERVICE_LABEL]: service,
    });
  }
  if (hash) out[CONFIG_HASH] = hash;
  return out;
}

/**
 * `systempaths=unconfined` is the CLI's (and Compose's) spelling; the Engine API wants the masked
 * and read-only path lists emptied instead.
 */
function engineSecurity(securityOpt: string[]): Pick<Docker.HostConfig, 'SecurityOpt' | 'MaskedPaths' | 'ReadonlyPaths'> {
  const unconfined = securityOpt.includes(SYSTEM_PATHS_UNCONFINED);
  return {
    SecurityOpt: securityOpt.filter((option) => option !== SYSTEM_PATHS_UNCONFINED),
    ...(unconfined ? { MaskedPaths: [], ReadonlyPaths: [] } : {}),
  };
}

function createOptions(model: ComposeModel, svc: ServiceModel, networkMode: string): Docker.ContainerCreateOptions {
  const healthcheck = svc.healthcheck;
  return {
    name: `${model.project}-${svc.name}-1`,
    Image: svc.image,
    Entrypoint: [''],
    Cmd: svc.command,
    User: svc.user ?? undefined,
    Env: svc.env.map(([key, value]) => `${key}=${value}`),
    WorkingDir: svc.workdir ?? undefined,
    ExposedPorts: Object.fromEntries(svc.ports.map((port) => [`${port.containerPort}/tcp`, {}])),
    Healthcheck: healthcheck
      ? { Test: healthcheck.test, Interval: healthcheck.intervalMs * 1e6, Timeout: 5e9, Retries: healthcheck.retries, StartPeriod: healthcheck.startPeriodMs * 1e6 }
      : undefined,
    HostConfig: {
      Init: true,
      CapDrop: ['ALL'],
      CapAdd: svc.capAdd,
      ...engineSecurity(svc.securityOpt),
      ...(svc.devices.length ? { Devices: svc.devices.map((device) => ({ PathOnHost: device, PathInContainer: device, CgroupPermissions: 'rwm' })) } : {}),
      NetworkMode: networkMode,
      PortBindings: Object.fromEntries(svc.ports.map((port) => [`${port.containerPort}/tcp`, [{ HostIp: port.host, HostPort: String(port.hostPort) }]])),
      Mounts: [
        ...svc.binds.map((bind) => ({ Type: 'bind' as const, Source: bind.source, Target: bind.target, ReadOnly: bind.readOnly })),
        ...svc.volumes.map((volume) => ({ Type: 'volume' as const, Source: volume.volume, Target: volume.target })),
      ],
      Memory: svc.memoryBytes ?? undefined,
      MemorySwap: svc.memoryBytes ?? undefined,
      NanoCpus: svc.nanoCpus ?? undefined,
      PidsLimit: svc.pidsLimit,
    },
  };
}

/** The config hash: the create options, with the image by ID so a rebuilt image recreates. */
function configHash(options: Docker.ContainerCreateOptions, imageId: string, extra = ''): string {
  return crypto.createHash('sha256').update(JSON.stringify({ ...options, Image: imageId })).update(extra).digest('hex');
}

async function findContainer(docker: Docker, project: string, service: string): Promise<Docker.ContainerInfo | null> {
  const found = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${COMPOSE_PROJECT_LABEL}=${project}`, `${COMPOSE_SERVICE_LABEL}=${service}`] }) });
  return found[0] ?? null;
}

async function notFound<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** Who holds a host port: another workspace (whose name hashes to the same port) or some program. */
async function portHolder(docker: Docker, port: number): Promise<string> {
  const firewalls = await docker.listContainers({ filters: JSON.stringify({ label: [`${SERVICE_LABEL}=firewall`] }) });
  const holder = firewalls.find((container) => container.Ports.some((binding) => binding.PublicPort === port));
  return holder ? `workspace "${holder.Labels[WORKSPACE_LABEL]}"` : 'another program';
}

/** Creates what is missing; returns the volumes created now (a copy is seeded only into a new one). */
/**
 * Makes the networks and volumes a workspace needs; says which volumes it created, and the gateways
 * of the workspace's networks (read from the inspects it makes anyway, for the egress policy).
 */
async function ensureNetworkAndVolumes(docker: Docker, model: ComposeModel): Promise<{ created: Set<string>; gateways: string[] }> {
  const gateways: string[] = [];
  for (const name of model.externalNetworks) {
    const info = await notFound(docker.getNetwork(name).inspect());
    if (!info) {
      throw new LaunchError(`the Docker network "${name}" (in networks) does not exist; create it (\`docker network create ${name}\`) or remove it from the workspace`);
    }
    gateways.push(...gatewaysOf(info));
  }
  let own = await notFound(docker.getNetwork(model.network).inspect());
  if (!own) {
    await docker.createNetwork({ Name: model.network, Driver: 'bridge', Labels: { ...labels(model, null), 'com.docker.compose.network': 'default' } });
    own = await docker.getNetwork(model.network).inspect();
  }
  gateways.unshift(...gatewaysOf(own));
  const created = new Set<string>();
  for (const [role, name] of Object.entries(model.volumes)) {
    if (name && !(await notFound(docker.getVolume(name).inspect()))) {
      await docker.createVolume({ Name: name, Labels: { ...labels(model, null), 'com.docker.compose.volume': role } });
      created.add(name);
    }
  }
  return { created, gateways };
}

async function logsTail(container: Docker.Container): Promise<string> {
  try {
    const logs = (await container.logs({ stdout: true, stderr: true, tail: 20 })) as Buffer;
    return demuxToText(logs).trim();
  } catch (error) {
    return `(its output could not be read: ${(error as Error).message})`;
  }
}

/** Runs a container's health test once, now; Docker's own checks only come at their interval. */
async function passesHealthTest(container: Docker.Container, test: string[]): Promise<boolean> {
  const command = test[0] === 'CMD' ? test.slice(1) : ['sh', '-c', test.slice(1).join(' ')];
  try {
    const exec = await container.exec({ Cmd: command, AttachStdout: false, AttachStderr: false });
    const stream = await exec.start({ Detach: false });
    stream.resume();
    await new Promise((resolve) => stream.on('end', resolve));
    return (await exec.inspect()).ExitCode === 0;
  } catch {
    return false;
  }
}

/**
 * Waits until a container is ready: running, and healthy by Docker's check or by running the same
 * test ourselves (Docker's first check only comes after a whole interval). A container that exits
 * or turns unhealthy fails with its logs.
 */
async function waitReady(container: Docker.Container, service: ServiceName, test: string[] | null, timeoutMs: number, signal?: AbortSignal): Promise<Docker.ContainerInspectInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const info = await notFound(container.inspect());
    if (!info) throw new LaunchError(`the ${service} container was removed while it was starting (by another program?); run up again`);
    const health = info.State.Health?.Status;
    if (info.State.Running && (health === undefined || health === 'healthy')) return info;
    if (!info.State.Running || health === 'unhealthy') {
      const state = info.State.Running ? 'is unhealthy' : `exited with code ${info.State.ExitCode}`;
      throw new LaunchError(`the ${service} container ${state}:\n${await logsTail(container)}`);
    }
    if (test && (await passesHealthTest(container, test))) return info;
    if (Date.now() > deadline) throw new LaunchError(`the ${service} container did not become healthy within ${Math.round(timeoutMs / 1000)} s:\n${await logsTail(container)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Resolves true as soon as the container prints `line` (its output so far included), false when
 * its output ends first (it exited) or the time is up; without `follow`, whether it has printed it
 * so far. Docker's own health check would only see the firewall ready half a second later, and
 * polling it with exec costs a round trip each time.
 */
async function printed(container: Docker.Container, line: string, timeoutMs: number, signal?: AbortSignal, { follow = true } = {}): Promise<boolean> {
  // Only this run's output: a container started again still has the lines of its earlier runs.
  const since = dockerTimestamp((await container.inspect()).State.StartedAt);
  if (!follow) return demuxToText(await container.logs({ follow: false, stdout: true, stderr: true, since })).includes(line);
  const stream = (await container.logs({ follow: true, stdout: true, stderr: true, since })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  return new Promise<boolean>((resolve) => {
    let text = '';
    const finish = (seen: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      stream.destroy();
      resolve(seen);
    };
    const abort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    signal?.addEventListener('abort', abort);
    const demuxer = new StreamDemuxer((_, payload) => {
      text += payload.toString('utf8');
      if (text.includes(line)) finish(true);
    });
    stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
    stream.on('end', () => finish(false));
    stream.on('error', () => finish(false));
  });
}

/** What the firewall warned about in this run (an allowlist name that never resolves, no resolver known, …). */
async function firewallWarnings(container: Docker.Container, info: Docker.ContainerInspectInfo): Promise<string[]> {
  const output = demuxToText(await container.logs({ follow: false, stdout: true, stderr: true, since: dockerTimestamp(info.State.StartedAt), tail: 200 }));
  return output
    .split('\n')
    .filter((line) => line.startsWith(FIREWALL_WARNING_PREFIX))
    .map((line) => `firewall: ${line.slice(FIREWALL_WARNING_PREFIX.length)}`);
}

async function converge(
  docker: Docker,
  model: ComposeModel,
  svc: ServiceModel,
  options: Docker.ContainerCreateOptions,
  hash: string,
  prepare: (container: Docker.Container) => Promise<void>,
  /** Creates at once but starts only once this settles (and not at all if it fails). */
  startAfter?: Promise<unknown>,
): Promise<{ container: Docker.Container; action: ServiceAction }> {
  const existing = await findContainer(docker, model.project, svc.name);
  if (existing && existing.Labels[CONFIG_HASH] === hash) {
    const container = docker.getContainer(existing.Id);
    if (existing.State === 'running') return { container, action: 'kept' };
    await startAfter;
    await container.start();
    return { container, action: 'started' };
  }
  if (existing) await docker.getContainer(existing.Id).remove({ force: true });
  const container = await docker.createContainer({ ...options, Labels: labels(model, svc.name, hash) });
  await prepare(container);
  await startAfter;
  await container.start();
  return { container, action: existing ? 'recreated' : 'created' };
}

/**
 * A terminal agent says on its output when its tmux session exists, which is what its health check
 * asks. Reading that spares running the check ourselves (an exec each time, a process started in
 * the container, slow on a busy machine), for an agent just started and for one running that
 * Docker has not checked yet. waitReady covers the rest: OpenCode's server (ready when it listens),
 * an agent that says nothing, and saying why one failed.
 */
async function agentReady(agent: { container: Docker.Container; action: ServiceAction }, svc: ServiceModel, inTmux: boolean, signal?: AbortSignal): Promise<void> {
  if (inTmux && (await printed(agent.container, AGENT_READY_LINE, 90_000, signal, { follow: agent.action !== 'kept' })) && (await agent.container.inspect()).State.Running) return;
  await waitReady(agent.container, 'agent', svc.healthcheck?.test ?? null, 90_000, signal);
}

/**
 * The Docker sidecar, in the firewall's namespace like the agent and, like it, recreated with a
 * new firewall. A workspace that turned `enable_docker` off loses the sidecar (its data volume
 * stays until `down --volumes`).
 */
async function convergeDind(
  docker: Docker,
  model: ComposeModel,
  fwInfo: Docker.ContainerInspectInfo,
  fwReady: Promise<unknown>,
  emit: (event: LaunchEvent) => void,
  signal?: AbortSignal,
): Promise<ServiceResult | null> {
  const svc = model.services.dind;
  if (!svc) {
    const stale = await findContainer(docker, model.project, 'dind');
    if (!stale) return null;
    await docker.getContainer(stale.Id).remove({ force: true });
    emit({ type: 'service', service: 'dind', action: 'removed', id: stale.Id });
    return { id: stale.Id, action: 'removed' };
  }
  const options = createOptions(model, svc, `container:${fwInfo.Id}`);
  const hash = configHash(options, (await docker.getImage(svc.image).inspect()).Id, fwInfo.State.StartedAt);
  const dind = await converge(docker, model, svc, options, hash, async () => undefined, fwReady);
  emit({ type: 'service', service: 'dind', action: dind.action, id: dind.container.id });
  emit({ type: 'waiting', service: 'dind', until: 'healthy' });
  await waitReady(dind.container, 'dind', svc.healthcheck?.test ?? null, 60_000, signal);
  return { id: dind.container.id, action: dind.action };
}

/**
 * Starts a workspace: images from the pipeline, then the firewall, then (only once the firewall
 * reports its rules installed) the Docker sidecar if asked and the agent, both in the firewall's
 * network namespace. Converges: what is
 * unchanged is kept, what changed is recreated, and an agent whose firewall was recreated or
 * restarted is recreated with it (it would otherwise keep a namespace without rules).
 */
export async function up(ws: ResolvedWorkspace, options: LaunchOptions): Promise<UpResult> {
  const emit = options.onEvent ?? (() => undefined);
  return withWorkspaceLock(options.dataDir, ws.name, async () => {
    const { docker } = options;
    const passwordFile = servesOpenCode(ws) ? ensurePassword(options.dataDir, ws.name) : null;
    const hostPort = servesOpenCode(ws) && ws.exposePort ? workspacePort(ws) : null;
    // Host sources are checked on the real file system at every start, before anything is built
    // or created; what gets mounted is the real path found now, so a later swap changes nothing.
    const sources = checkHostSources(workspaceSources(ws), ws.agentWritableSources, options.home);
    if (sources.problems.length) {
      throw new LaunchError(`workspace "${ws.name}" was not started:\n${sources.problems.map((problem) => `  ${problem.message}`).join('\n')}\nNothing was started.`);
    }
    const realSource = (source: string) => sources.real.get(source) ?? source;
    const gitConfigCopy = ws.gitConfig ? writeGitConfigCopy(options.home, options.dataDir, ws.name) : null;
    const draft = workspaceModel(ws, { agentImage: '', firewallImage: '', dindImage: '', hostPort, passwordFile, exists: options.exists, home: options.home, env: options.env, realSource, gitConfigCopy });
    const secretValues = readSecretValues(draft.secrets, options.env, { agentWritable: agentWritableFolders(ws), home: options.home });
    const buildOptions = { docker, cacheDir: options.cacheDir, signal: options.signal, onEvent: emit, approval: { dataDir: options.dataDir, approve: options.approveBuild } };
    const { image: workspaceImage } = await buildWorkspace(ws, buildOptions);
    const identity = decideAgentIdentity(process.platform, processUser(), await engineFacts(docker), { dockerSidecar: ws.enableDocker });
    const agentImage = identity.remapped ? await buildUserLayer(ws, workspaceImage, identity, buildOptions) : workspaceImage;
    const firewallImage = await buildSidecar(ws, 'firewall', buildOptions);
    const dindImage = ws.enableDocker ? await buildSidecar(ws, 'dind', buildOptions) : '';
    const model = workspaceModel(ws, { agentImage, firewallImage, dindImage, hostPort, passwordFile, exists: options.exists, home: options.home, env: options.env, agentUser: `${identity.uid}:${identity.gid}`, realSource, gitConfigCopy });
    const { created: newVolumes, gateways } = await ensureNetworkAndVolumes(docker, model);

    const fw = model.services.firewall;
    const fwOptions = createOptions(model, fw, model.network);
    const fwHash = configHash(fwOptions, (await docker.getImage(firewallImage).inspect()).Id, JSON.stringify(model.externalNetworks));
    const existingFirewall = await findContainer(docker, model.project, 'firewall');
    if (hostPort && !(existingFirewall && existingFirewall.State === 'running') && (await portInUse(hostPort))) {
      throw new LaunchError(`port ${hostPort} on 127.0.0.1, which workspace "${ws.name}" uses, is taken by ${await portHolder(docker, hostPort)}; stop it, or give this workspace another with \`port = N\` in its config`);
    }
    const policy = policyText(ws, [...new Set([...gateways, ...hostAddresses()])]);
    const firewall = await converge(docker, model, fw, fwOptions, fwHash, async (container) => {
      for (const name of model.externalNetworks) await docker.getNetwork(name).connect({ Container: container.id });
      await putPolicy(container, policy);
    });
    emit({ type: 'service', service: 'firewall', action: firewall.action, id: firewall.container.id });
    emit({ type: 'waiting', service: 'firewall', until: 'healthy' });
    // A firewall just started says on its output when the rules are in (the line follows the ready
    // file); waitReady covers the rest: one already running, and saying why one failed.
    const waitFirewall = () => waitReady(firewall.container, 'firewall', fw.healthcheck?.test ?? null, 30_000, options.signal);
    const fwStarted =
      firewall.action === 'kept'
        ? waitFirewall()
        : printed(firewall.container, FIREWALL_READY_LINE, 30_000, options.signal).then(async (seen) => {
            const info = seen ? await firewall.container.inspect() : null;
            return info?.State.Running ? info : waitFirewall();
          });
    // A firewall kept from an earlier run holds the policy of then: an allowlist edited since is
    // applied live (the agent and its connections stay); one just created already has this one.
    const fwReady = fwStarted.then(async (info) => {
      const fresh = firewall.action === 'created' || firewall.action === 'recreated';
      if (!fresh && (await currentPolicy(firewall.container)) !== policy) await applyPolicy(docker, firewall.container.id, policy);
      if (firewall.action !== 'kept') for (const warning of await firewallWarnings(firewall.container, info)) emit({ type: 'warning', message: warning });
      return info;
    });
    // Awaited below, before anything starts; meanwhile the others are created in parallel with the
    // firewall installing its rules, which is most of what starting a stopped workspace waits for.
    fwReady.catch(() => undefined);
    const fwInfo = await firewall.container.inspect();

    const dind = await convergeDind(docker, model, fwInfo, fwReady, emit, options.signal);

    const agentSvc = model.services.agent;
    const agentOptions = createOptions(model, agentSvc, `container:${fwInfo.Id}`);
    const agentHash = configHash(agentOptions, (await docker.getImage(agentImage).inspect()).Id, fwInfo.State.StartedAt);
    const agent = await converge(
      docker,
      model,
      agentSvc,
      agentOptions,
      agentHash,
      async (container) => {
        if (secretValues.size) await container.putArchive(await secretsArchive(secretValues, identity), { path: '/' });
        for (const volume of agentSvc.volumes) {
          if (volume.seed && newVolumes.has(volume.volume)) await container.putArchive(seedArchive(volume.seed, volume.target, identity), { path: '/' });
        }
      },
      fwReady,
    );
    emit({ type: 'service', service: 'agent', action: agent.action, id: agent.container.id });
    emit({ type: 'waiting', service: 'agent', until: 'healthy' });
    await agentReady(agent, agentSvc, !servesOpenCode(ws), options.signal);
    emit({ type: 'ready', workspace: ws.name, port: hostPort });
    return {
      project: model.project,
      port: hostPort,
      services: {
        firewall: { id: firewall.container.id, action: firewall.action },
        agent: { id: agent.container.id, action: agent.action },
        ...(dind ? { dind } : {}),
      },
    };
  }, { onWait: (pid) => emit({ type: 'lock-wait', pid }) });
}

export interface DownResult {
  removed: string[];
  volumesRemoved: string[];
}

/** Stops and removes a workspace's containers and network; its volumes stay unless asked. */
export async function down(workspace: string, options: { docker: Docker; dataDir: string; volumes?: boolean }): Promise<DownResult> {
  return withWorkspaceLock(options.dataDir, workspace, async () => {
    const { docker } = options;
    const project = projectName(workspace);
    const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${COMPOSE_PROJECT_LABEL}=${project}`] }) });
    // The firewall goes last: the others live in its network namespace.
    containers.sort((a, b) => Number(a.Labels[COMPOSE_SERVICE_LABEL] === 'firewall') - Number(b.Labels[COMPOSE_SERVICE_LABEL] === 'firewall'));
    const removed: string[] = [];
    for (const info of containers) {
      await docker.getContainer(info.Id).remove({ force: true });
      removed.push(info.Labels[COMPOSE_SERVICE_LABEL] ?? info.Id);
    }
    await notFound(docker.getNetwork(`${project}_default`).remove());
    const volumesRemoved: string[] = [];
    if (options.volumes) {
      const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [`${COMPOSE_PROJECT_LABEL}=${project}`] }) });
      for (const volume of Volumes ?? []) {
        await docker.getVolume(volume.Name).remove();
        volumesRemoved.push(volume.Name);
      }
    }
    return { removed, volumesRemoved };
  });
}
