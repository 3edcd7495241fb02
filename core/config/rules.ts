import { isAbsoluteHostPath, isSameOrUnder, displayPath } from './paths.ts';

export const AGENTS = ['opencode', 'claude', 'codex', 'gemini', 'shell'] as const;
export type AgentName = (typeof AGENTS)[number];
export const EGRESS_MODES = ['open', 'allowlist'] as const;
/** The network of RUN steps when Paddock builds a workspace's own Dockerfiles (`[base] dockerfile`, `dockerfile`). */
export const BUILD_NETWORKS = ['default', 'none'] as const;
export const BASE_VARIANTS = ['full', 'minimal'] as const;
export const ACCESS_MODES = ['', 'remote', 'exec'] as const;
export const PASSWORD_MODES = ['', 'auto', 'env', 'keyring', 'file'] as const;

export const WORKSPACE_NAME = /^[a-z0-9-]+$/;
export const POSIX_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const FILE_SECRET_NAME = /^[a-zA-Z0-9_-]+$/;
export const MEMORY = /^[1-9][0-9]*[kmgKMG]?$/;
/** Docker refuses memory limits under 6 MiB; saying so at config time beats a failed start. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
export const DOCKER_NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Env keys Paddock sets itself inside the container; a user value would break the sandbox or the agent. */
export const RESERVED_ENV_KEYS = [
  'PADDOCK',
  'PADDOCK_WORKSPACE',
  'OPENCODE_LOG',
  'OPENCODE_SERVER_PASSWORD',
  'DOCKER_HOST',
  'DOCKER_TLS_CERTDIR',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'SSH_AUTH_SOCK',
] as const;
/** Env secrets may not replace these either: the agent's home and tools depend on them. */
export const RESERVED_SECRET_ENV_KEYS = [...RESERVED_ENV_KEYS, 'HOME', 'PATH'] as const;

/** Folders the image owns; a workspace path or mount there would shadow the agent's tools. */
export const CONTAINER_INTERNAL_DIRS = [
  '/home/agent', '/usr', '/etc', '/var', '/bin', '/sbin', '/lib', '/lib64', '/opt',
  '/root', '/proc', '/sys', '/dev', '/run', '/tmp', '/certs',
] as const;

/** Host folders that must never reach a container: system state and credentials. */
export function forbiddenHostSources(home: string): string[] {
  const inHome = [
    '.ssh', '.gnupg', '.aws', '.docker', '.kube', '.azure', '.netrc', '.password-store',
    '.config/gcloud', '.config/gh', '.config/paddock', '.local/share/paddock', '.config/jailoc', '.local/share/jailoc',
  ];
  return [
    '/boot', '/dev', '/etc', '/private', '/proc', '/sys', '/run', '/var',
    ...inHome.map((entry) => `${home}/${entry}`),
  ];
}

/**
 * Why a host folder may not be mounted, or null when it may. A folder that CONTAINS a forbidden
 * one is refused too (jailoc only checked "equal or under", so `~` or `/home` leaked `~/.ssh`).
 */
export function hostSourceProblem(hostPath: string, home: string): string | null {
  if (!isAbsoluteHostPath(hostPath)) return null;
  if (hostPath === '/') return 'the whole host file system must never be visible in a workspace';
  for (const forbidden of forbiddenHostSources(home)) {
    if (isSameOrUnder(hostPath, forbidden)) {
      return `${displayPath(forbidden, home)} holds host secrets or system state and must never be visible in a workspace`;
    }
    if (isSameOrUnder(forbidden, hostPath)) {
      return `it contains ${displayPath(forbidden, home)}, which holds host secrets or system state; mount a folder below it instead`;
    }
  }
  return null;
}

/**
 * Folders whose files the host's own agents run or load (binaries, plugins, hooks, settings,
 * transcripts they resume). A workspace may read them but never write them.
 */
export const HOST_AGENT_FOLDERS = ['.config/opencode', '.opencode', '.claude', '.codex', '.gemini', '.agents'] as const;

/** Why a host folder may not be mounted read-write, or null: it is, holds or lies in a host agent folder. */
export function hostAgentFolderProblem(hostPath: string, home: string): string | null {
  for (const entry of HOST_AGENT_FOLDERS) {
    const folder = `${home}/${entry}`;
    if (isSameOrUnder(hostPath, folder) || isSameOrUnder(folder, hostPath)) {
      return `${displayPath(folder, home)} holds code and settings the agents on your computer run, so the agent in the workspace must not write it; mount it read-only (:ro), or leave it out: each workspace gets its own copy of ~/.config/opencode, ~/.opencode and ~/.claude/transcripts, seeded from yours`;
    }
  }
  return null;
}

/**
 * Why a folder may not be a build context (`build_context`, or the folder of a local Dockerfile,
 * which is the context by default), or null: the same rules as mounts, since `COPY` bakes what it
 * holds into the image. Paddock's own overlays folder, beside its config, holds only Dockerfiles.
 */
export function buildContextProblem(folder: string, home: string): string | null {
  if (isSameOrUnder(folder, `${home}/${PADDOCK_OVERLAYS}`)) return null;
  return hostSourceProblem(folder, home);
}

/** Where overlays of workspaces that name none are written, relative to the home (see workbench-service.ts). */
export const PADDOCK_OVERLAYS = '.config/paddock/overlays';

/** The container-internal folder a workspace path (mounted at the same path) collides with, or null. */
export function workspacePathConflict(containerPath: string): string | null {
  if (containerPath === '/' || containerPath === '/home') return '/home/agent';
  return CONTAINER_INTERNAL_DIRS.find((dir) => isSameOrUnder(containerPath, dir)) ?? null;
}

/**
 * The container-internal folder a mount target collides with, or null. Unlike workspace paths,
 * files below /home/agent may be mounted (agent config, credentials); the home itself may not.
 */
export function mountTargetConflict(containerPath: string): string | null {
  if (containerPath === '/' || containerPath === '/home' || containerPath === '/home/agent') return containerPath;
  return CONTAINER_INTERNAL_DIRS.find((dir) => dir !== '/home/agent' && isSameOrUnder(containerPath, dir)) ?? null;
}
