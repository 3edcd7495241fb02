import type Docker from 'dockerode';
import { compareServices, COMPOSE_PROJECT_LABEL, labelFilters, projectName, serviceOf, WORKSPACE_LABEL } from './labels.ts';

/** A container's health as its healthcheck reports it; null when it has none (or is not running). */
export type ContainerHealth = 'healthy' | 'unhealthy' | 'starting' | null;

/** A workspace's state, derived from its containers (see deriveWorkspaceState). */
export type WorkspaceState = 'running' | 'starting' | 'unhealthy' | 'stopped' | 'partial';

export interface PortBinding {
  host: string;
  hostPort: number;
  containerPort: number;
}

export interface ServiceStatus {
  service: string;
  id: string;
  name: string;
  image: string;
  /** Docker's container state: created, running, paused, restarting, removing, exited or dead. */
  state: string;
  health: ContainerHealth;
  /** The exit code of the last run; null while running and for a container never started. */
  exitCode: number | null;
  /** When the container last started (ISO 8601); null if it never has. */
  startedAt: string | null;
  ports: PortBinding[];
}

export interface Instance {
  workspace: string;
  project: string;
  state: WorkspaceState;
  services: ServiceStatus[];
}

/** A workspace has no containers (it is not running and was never started, or was removed). */
export class InstanceNotFoundError extends Error {
  override readonly name = 'InstanceNotFoundError';
  readonly code = 'INSTANCE_NOT_FOUND';

  constructor(
    readonly workspace: string,
    readonly service?: string,
  ) {
    super(service ? `Workspace "${workspace}" has no "${service}" container.` : `Workspace "${workspace}" has no containers: it is not running.`);
  }
}

/**
 * Every Paddock workspace that has containers, found by their labels (there is no state file):
 * one list call, then an inspect of each container that has run, for its health, exit code and
 * start time. Workspaces are sorted by name, services firewall, agent, dind, then others.
 */
export async function listInstances(docker: Docker, { workspace }: { workspace?: string } = {}): Promise<Instance[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: labelFilters(workspace) } });
  const statuses = await Promise.all(containers.map((info) => serviceStatus(docker, info)));
  const byWorkspace = new Map<string, { project: string; services: ServiceStatus[] }>();
  containers.forEach((info, index) => {
    const status = statuses[index];
    const name = info.Labels?.[WORKSPACE_LABEL];
    if (!status || !name) return;
    let entry = byWorkspace.get(name);
    if (!entry) {
      entry = { project: info.Labels[COMPOSE_PROJECT_LABEL] || projectName(name), services: [] };
      byWorkspace.set(name, entry);
    }
    entry.services.push(status);
  });
  return [...byWorkspace.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, { project, services }]) => {
      services.sort((a, b) => compareServices(a.service, b.service) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { workspace: name, project, state: deriveWorkspaceState(services), services };
    });
}

/** One workspace's instance, or null when it has no containers. */
export async function getInstance(docker: Docker, workspace: string): Promise<Instance | null> {
  return (await listInstances(docker, { workspace })).find((instance) => instance.workspace === workspace) ?? null;
}

async function serviceStatus(docker: Docker, info: Docker.ContainerInfo): Promise<ServiceStatus | null> {
  const service = serviceOf(info.Labels);
  if (!service) return null;
  const base: ServiceStatus = {
    service,
    id: info.Id,
    name: (info.Names?.[0] ?? info.Id).replace(/^\//, ''),
    image: info.Image,
    state: info.State,
    health: info.State === 'running' ? healthFromStatus(info.Status) : null,
    exitCode: info.State === 'exited' || info.State === 'dead' ? exitCodeFromStatus(info.Status) : null,
    startedAt: null,
    ports: portsFromList(info.Ports),
  };
  // A created container has no start time, exit code or health yet: the list says it all.
  if (info.State === 'created') return base;
  let inspected: Docker.ContainerInspectInfo;
  try {
    inspected = await docker.getContainer(info.Id).inspect();
  } catch (error) {
    // Removed between the list and the inspect: it is gone, unless it is merely being removed.
    if ((error as { statusCode?: number }).statusCode === 404) return info.State === 'removing' ? base : null;
    throw error;
  }
  return { ...base, ...fromInspect(inspected) };
}

/** What only an inspect knows: state, health, exit code and start time. */
export function fromInspect(inspected: Pick<Docker.ContainerInspectInfo, 'State'>): Pick<ServiceStatus, 'state' | 'health' | 'exitCode' | 'startedAt'> {
  const state = inspected.State;
  const running = state.Running || state.Status === 'running';
  const health = state.Health?.Status;
  return {
    state: state.Status,
    health: running && (health === 'healthy' || health === 'unhealthy' || health === 'starting') ? health : null,
    exitCode: running || state.Status === 'created' ? null : state.ExitCode,
    startedAt: validTime(state.StartedAt),
  };
}

/** Docker's zero time (`0001-01-01T00:00:00Z`) means never. */
export function validTime(value: string | undefined | null): string | null {
  return value && !value.startsWith('0001-') ? value : null;
}

/** The health a list entry's Status shows: `Up 2 minutes (healthy)`, `(health: starting)`, … */
export function healthFromStatus(status: string | undefined): ContainerHealth {
  const match = /\((healthy|unhealthy|health: starting)\)/.exec(status ?? '');
  if (!match) return null;
  return match[1] === 'health: starting' ? 'starting' : (match[1] as 'healthy' | 'unhealthy');
}

/** The exit code a list entry's Status shows: `Exited (3) 5 seconds ago`. */
export function exitCodeFromStatus(status: string | undefined): number | null {
  const match = /^Exited \((-?\d+)\)/.exec(status ?? '');
  return match ? Number(match[1]) : null;
}

/** Published ports, one per container port and host address (IPv4 and IPv6 duplicates merged). */
export function portsFromList(ports: Docker.Port[] | undefined): PortBinding[] {
  const seen = new Map<string, PortBinding>();
  for (const port of ports ?? []) {
    if (!port.PublicPort) continue;
    const host = port.IP || '0.0.0.0';
    const key = `${port.PrivatePort}/${port.Type}/${port.PublicPort}`;
    const existing = seen.get(key);
    // Docker lists a 0.0.0.0 binding twice (0.0.0.0 and ::); keep the IPv4 address.
    if (existing && !existing.host.includes(':')) continue;
    seen.set(key, { host, hostPort: port.PublicPort, containerPort: port.PrivatePort });
  }
  return [...seen.values()].sort((a, b) => a.containerPort - b.containerPort || a.hostPort - b.hostPort);
}

/**
 * A workspace's state from its containers:
 * - `stopped` when none runs;
 * - `unhealthy` when a running container's healthcheck fails;
 * - `starting` when a running container's healthcheck has not passed yet (and every container that
 *   does not run is merely created: still to be started, not exited);
 * - `running` when every container runs and every healthcheck (the agent's included) passes;
 * - `partial` otherwise (some run, some do not).
 */
export function deriveWorkspaceState(services: ReadonlyArray<Pick<ServiceStatus, 'state' | 'health'>>): WorkspaceState {
  const running = services.filter((service) => service.state === 'running');
  if (running.length === 0) return 'stopped';
  if (running.some((service) => service.health === 'unhealthy')) return 'unhealthy';
  const notRunning = services.filter((service) => service.state !== 'running');
  if (running.some((service) => service.health === 'starting')) return notRunning.every((service) => service.state === 'created') ? 'starting' : 'partial';
  return notRunning.length === 0 ? 'running' : 'partial';
}
