import process from 'node:process';
import type Docker from 'dockerode';
import { engineOptions } from '../docker/lazy.ts';

/** The agent's UID and GID in every image Paddock builds (`agent` in the embedded Dockerfile). */
export const IMAGE_AGENT_ID = 1000;

export interface HostUser {
  uid: number;
  gid: number;
}

/** Who the agent runs as, and why: the host user's IDs on a Linux engine that shares its files. */
export interface AgentIdentity {
  uid: number;
  gid: number;
  /** The image needs the small layer that moves `agent` (and what it owns) from 1000 to these IDs. */
  remapped: boolean;
  /** Why the agent keeps 1000 when it does, for `paddock doctor`-style messages. */
  reason: string;
}

/** What of the engine decides whether bind mounts keep the host's numeric owners. */
export interface EngineFacts {
  /** The engine is reached through a local Unix socket (not tcp://, ssh:// or a named pipe). */
  localSocket: boolean;
  operatingSystem: string;
  kernel: string;
  name: string;
  securityOptions: string[];
}

export function processUser(): HostUser | null {
  return typeof process.getuid === 'function' && typeof process.getgid === 'function' ? { uid: process.getuid(), gid: process.getgid() } : null;
}

/**
 * Why files the agent writes would not land on the host with the agent's numeric IDs, or null when
 * they do. VM-backed engines (Docker Desktop, OrbStack, Colima, Lima) share files through the VM,
 * which maps ownership to the user already; rootless engines map container IDs into the user's
 * subordinate range, where container root is the host user; a remote engine has other users.
 */
export function notSharingOwners(engine: EngineFacts): string | null {
  if (!engine.localSocket) return 'the engine is remote';
  if (/docker desktop|orbstack/i.test(engine.operatingSystem) || /linuxkit|orbstack/i.test(engine.kernel)) return 'the engine runs in a VM that maps file ownership';
  if (/^(colima|lima-)/i.test(engine.name)) return 'the engine runs in a Lima VM that maps file ownership';
  if (engine.securityOptions.some((option) => /rootless/.test(option))) return 'the engine is rootless and maps IDs itself';
  return null;
}

/**
 * The agent's IDs: the host user's on Linux hosts whose engine shares files with their owners, so
 * what the agent writes belongs to the user; 1000 elsewhere, and 1000 when Paddock runs as root
 * (the agent is never root).
 */
export function decideAgentIdentity(platform: NodeJS.Platform, user: HostUser | null, engine: EngineFacts, { dockerSidecar = false } = {}): AgentIdentity {
  const keep = (reason: string): AgentIdentity => ({ uid: IMAGE_AGENT_ID, gid: IMAGE_AGENT_ID, remapped: false, reason });
  if (platform !== 'linux') return keep(`${platform} hosts share files through the engine's VM, which maps ownership`);
  if (!user) return keep('the host user is unknown');
  if (user.uid === 0) return keep('Paddock runs as root, and the agent never does');
  const reason = notSharingOwners(engine);
  if (reason) return keep(reason);
  if (user.uid === IMAGE_AGENT_ID && user.gid === IMAGE_AGENT_ID) return keep('the host user is 1000:1000 already');
  // The rootless daemon runs as 1000 and its socket is 1000's: the agent must stay 1000 to use it.
  if (dockerSidecar) return keep("the Docker sidecar's socket belongs to 1000");
  // A host GID of 0 would put the agent in root's group: only the UID is taken then.
  const gid = user.gid === 0 ? IMAGE_AGENT_ID : user.gid;
  return { uid: user.uid, gid, remapped: true, reason: 'the host user' };
}

export async function engineFacts(docker: Docker): Promise<EngineFacts> {
  const info = (await docker.info()) as { OperatingSystem?: string; KernelVersion?: string; Name?: string; SecurityOptions?: string[] };
  const socketPath = engineOptions(docker)?.socketPath;
  return {
    localSocket: typeof socketPath === 'string' && !socketPath.startsWith('//') && !socketPath.startsWith('\\\\'),
    operatingSystem: info.OperatingSystem ?? '',
    kernel: info.KernelVersion ?? '',
    name: info.Name ?? '',
    securityOptions: info.SecurityOptions ?? [],
  };
}

/**
 * The layer that gives the agent other IDs: `agent` in /etc/passwd and /etc/group, and every file
 * owned by 1000 (its home and whatever the image installed for it). Needs only sed, grep and find,
 * so it also works on images used as is.
 */
export const USER_LAYER_DOCKERFILE = `ARG BASE
FROM \${BASE}
ARG AGENT_UID
ARG AGENT_GID
USER 0:0
RUN set -eu; \\
    if grep -q '^agent:' /etc/passwd; then sed -i "s/^agent:\\([^:]*\\):[0-9]*:[0-9]*:/agent:\\1:$AGENT_UID:$AGENT_GID:/" /etc/passwd; fi; \\
    if grep -q '^agent:' /etc/group && ! grep -Eq "^[^:]*:[^:]*:$AGENT_GID:" /etc/group; then sed -i "s/^agent:\\([^:]*\\):[0-9]*:/agent:\\1:$AGENT_GID:/" /etc/group; fi; \\
    find / -xdev -uid ${IMAGE_AGENT_ID} -exec chown -h "$AGENT_UID" {} +; \\
    find / -xdev -gid ${IMAGE_AGENT_ID} -exec chgrp -h "$AGENT_GID" {} +
`;
