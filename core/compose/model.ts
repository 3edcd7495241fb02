import crypto from 'node:crypto';
import path from 'node:path';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { parseMemoryBytes } from '../config/schema.ts';
import { DIND_CAPABILITIES, DIND_CLIENT, DIND_COMMAND, DIND_DATA_TARGET, DIND_DEVICES, DIND_ENV, DIND_HEALTH_TEST, DIND_HOST, DIND_SECURITY_OPT, DIND_SOCKET_DIR, DIND_USER } from '../sandbox/dind.ts';
import { FIREWALL_READY_FILE, WAIT_FOR_FIREWALL, firewallCommand } from '../sandbox/firewall.ts';

export const AGENT_PORT = 4096;
export const AGENT_SESSION = 'agent';
/** Printed by the wrapper once the agent's tmux session exists: up watches the output for it. */
export const AGENT_READY_LINE = 'paddock-agent: session started';
/** The OpenCode server password travels as an env secret: a file the agent's wrapper exports. */
export const PASSWORD_SECRET = 'OPENCODE_SERVER_PASSWORD';
export const SECRETS_DIR = '/run/secrets';
export const DATA_VOLUME_TARGET = '/home/agent/.local/share';
export const CACHE_VOLUME_TARGET = '/home/agent/.cache';
const PIDS_LIMIT = 512;

export type ServiceName = 'firewall' | 'agent' | 'dind';

/** Every container runs with this unless it needs file capabilities (the Docker sidecar). */
export const NO_NEW_PRIVILEGES = 'no-new-privileges:true';

export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ServiceModel {
  name: ServiceName;
  image: string;
  command: string[];
  user: string | null;
  capAdd: string[];
  securityOpt: string[];
  devices: string[];
  env: Array<[string, string]>;
  binds: BindMount[];
  /** `seed`: the host folder copied into the volume when it is created (never written back). */
  volumes: Array<{ volume: string; target: string; seed?: string }>;
  workdir: string | null;
  ports: Array<{ host: string; hostPort: number; containerPort: number }>;
  healthcheck: { test: string[]; intervalMs: number; retries: number; startPeriodMs: number } | null;
  memoryBytes: number | null;
  nanoCpus: number | null;
  pidsLimit: number;
  /** Secret names this service receives at /run/secrets/<name>; values are never in the model. */
  secrets: string[];
}

export interface SecretModel {
  name: string;
  source: { kind: 'env'; variable: string } | { kind: 'file'; path: string } | { kind: 'generated'; path: string };
  /** Exported into the agent's environment by its wrapper, rather than only read as a file. */
  asEnv: boolean;
}

export interface ComposeModel {
  project: string;
  workspace: string;
  network: string;
  /** Existing networks the firewall joins (the agent shares its network namespace). */
  externalNetworks: string[];
  /** Named volumes by role; a role is null when a user mount takes its place. */
  volumes: Record<VolumeRole, string | null>;
  services: { firewall: ServiceModel; agent: ServiceModel; dind: ServiceModel | null };
  secrets: SecretModel[];
}

/** `copy-…`: the workspace's own copy of a host folder (see ResolvedMount's `copy`). */
export type VolumeRole = 'data' | 'cache' | 'docker' | 'docker-socket' | `copy-${string}`;

export interface ModelInputs {
  agentImage: string;
  firewallImage: string;
  /** The Docker sidecar's image (used only when the workspace has `enable_docker`). */
  dindImage: string;
  /** The host port for the agent's server, or null when nothing is published. */
  hostPort: number | null;
  /** Where the workspace's generated OpenCode password is stored on the host. */
  passwordFile: string | null;
  /** Host paths that exist, for the optional mounts and passthroughs. */
  exists(path: string): boolean;
  home: string;
  env: NodeJS.ProcessEnv;
  /** `uid:gid` the agent runs as (core/sandbox/identity.ts); 1000:1000 when absent. */
  agentUser?: string;
  /** The filtered copy of the user's git config (sandbox/gitconfig.ts), mounted with `git_config`. */
  gitConfigCopy?: string | null;
  /** The checked real path to mount for a host path of the config; the path itself when absent. */
  realSource?(path: string): string;
}

export function projectName(workspace: string): string {
  return `paddock-${workspace}`;
}

/**
 * A port per workspace derived from its name alone, so adding a workspace never moves another's.
 * The range 24000–31999 stays below the ports systems hand out to outgoing connections (Linux
 * 32768–60999, macOS and Windows 49152–65535), which could otherwise hold it for a moment.
 */
export function stablePort(workspace: string): number {
  const digest = crypto.createHash('sha256').update(workspace).digest();
  return 24000 + (digest.readUInt32BE(0) % 8000);
}

/** The workspace runs OpenCode's server (with its port and password) rather than a terminal agent. */
export function servesOpenCode(ws: Pick<ResolvedWorkspace, 'command' | 'agent'>): boolean {
  return !ws.command && ws.agent === 'opencode';
}

/** The host port of a workspace's agent server: its `port`, else the one derived from its name. */
export function workspacePort(ws: Pick<ResolvedWorkspace, 'name' | 'port'>): number {
  return ws.port ?? stablePort(ws.name);
}

/** Where the wrapper finds its own tools: folders only root can write, unlike the agent's ~/.local/bin. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The agent's program: waits for this run's firewall, exports env secrets from their files (so
 * values never sit in the container's config), then runs the agent; every agent but OpenCode's
 * server runs inside tmux, so attaching and detaching never kills it. Until the agent starts, only
 * root-owned folders are on PATH: the agent's persistent home could otherwise plant a program that
 * runs before the wait (its own PATH comes back for the agent itself).
 */
export const AGENT_WRAPPER = `set -eu
agent_path=\${PATH:-${SYSTEM_PATH}}
PATH=${SYSTEM_PATH}
${WAIT_FOR_FIREWALL}
for name in \${PADDOCK_ENV_SECRETS:-}; do
  if [ -r "${SECRETS_DIR}/$name" ]; then
    value=$(cat "${SECRETS_DIR}/$name")
    export "$name=$value"
  elif eval "[ -z \\"\\\${$name:-}\\" ]"; then
    echo "paddock: secret $name is missing" >&2; exit 1
  fi
done
unset PADDOCK_ENV_SECRETS
if [ -x ${DIND_CLIENT} ] && ! PATH="$agent_path" command -v docker >/dev/null 2>&1; then
  mkdir -p "$HOME/.local/bin" && ln -sf ${DIND_CLIENT} "$HOME/.local/bin/docker"
fi
if [ "\${PADDOCK_IN_TMUX:-0}" = 1 ]; then
  tmux=$(command -v tmux) || { echo "paddock: this image has no tmux; Paddock runs the agent in tmux so that detaching never kills it. Install tmux in your overlay." >&2; exit 1; }
  export PATH="$agent_path"
  "$tmux" new-session -d -s ${AGENT_SESSION} -x 200 -y 50 "$@"
  echo "${AGENT_READY_LINE}"
  while "$tmux" has-session -t ${AGENT_SESSION} 2>/dev/null; do /bin/sleep 1; done
  exit 0
fi
export PATH="$agent_path"
exec "$@"`;

/** A health check that needs nothing but a POSIX shell: is anything listening on the agent's port? */
const LISTENING_CHECK = `while read -r _ local _ state _; do case "$local:$state" in *:${AGENT_PORT.toString(16).toUpperCase().padStart(4, '0')}:0A) exit 0 ;; esac; done < /proc/net/tcp; exit 1`;

function agentCommand(ws: ResolvedWorkspace): { command: string[]; tmux: boolean } {
  if (ws.command) return { command: ws.command, tmux: true };
  switch (ws.agent) {
    case 'opencode':
      return { command: ['opencode', 'serve', '--hostname', '0.0.0.0', '--port', String(AGENT_PORT)], tmux: false };
    case 'claude':
      return { command: ['claude'], tmux: true };
    case 'codex':
      return { command: ['codex'], tmux: true };
    case 'gemini':
      return { command: ['gemini'], tmux: true };
    case 'shell':
      return { command: ['bash', '-l'], tmux: true };
  }
}

/** The Compose model of a workspace: what `up` creates and what `paddock compose` prints. */
export function workspaceModel(ws: ResolvedWorkspace, inputs: ModelInputs): ComposeModel {
  const project = projectName(ws.name);
  const { command, tmux } = agentCommand(ws);
  const mountTargets = new Set(ws.mounts.map((mount) => mount.container));
  const real = inputs.realSource ?? ((source: string) => source);
  const binds: BindMount[] = [
    ...ws.paths.map((p) => ({ source: real(p), target: p, readOnly: false })),
    ...ws.mounts
      .filter((mount) => mount.kind === 'bind' && (!mount.optional || inputs.exists(mount.host)))
      .map((mount) => ({ source: real(mount.host), target: mount.container, readOnly: mount.readOnly })),
  ];
  const copies = ws.mounts
    .filter((mount) => mount.kind === 'copy' && inputs.exists(mount.host))
    .map((mount) => ({ role: `copy-${mount.container.replace(/^\/home\/agent\//, '').replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}` as const, mount }));
  const env: Array<[string, string]> = [...ws.env, ['PADDOCK', '1'], ['PADDOCK_WORKSPACE', ws.name], ['PADDOCK_IN_TMUX', tmux ? '1' : '0']];
  if (ws.sshAuthSock) {
    const socket = ['/run/host-services/ssh-auth.sock', inputs.env.SSH_AUTH_SOCK].find((candidate) => candidate && inputs.exists(candidate));
    if (socket) {
      binds.push({ source: socket, target: '/run/paddock/ssh-agent.sock', readOnly: false });
      env.push(['SSH_AUTH_SOCK', '/run/paddock/ssh-agent.sock']);
    }
    const knownHosts = path.join(inputs.home, '.ssh', 'known_hosts');
    if (inputs.exists(knownHosts)) binds.push({ source: knownHosts, target: '/home/agent/.ssh/known_hosts', readOnly: true });
  }
  if (ws.gitConfig && inputs.gitConfigCopy) {
    binds.push({ source: inputs.gitConfigCopy, target: '/home/agent/.gitconfig', readOnly: true });
  }
  const secrets: SecretModel[] = ws.secrets.map((secret) => ({ name: secret.name, source: secret.source, asEnv: secret.destination === 'env' }));
  const serves = servesOpenCode(ws);
  if (serves && inputs.passwordFile) {
    secrets.push({ name: PASSWORD_SECRET, source: { kind: 'generated', path: inputs.passwordFile }, asEnv: true });
  }
  env.push(['PADDOCK_ENV_SECRETS', secrets.filter((secret) => secret.asEnv).map((secret) => secret.name).join(' ')]);
  const data = mountTargets.has(DATA_VOLUME_TARGET) ? null : `${project}_data`;
  const cache = mountTargets.has(CACHE_VOLUME_TARGET) ? null : `${project}_cache`;
  const dockerData = ws.enableDocker ? `${project}_docker` : null;
  const dockerSocket = ws.enableDocker ? `${project}_docker-socket` : null;
  if (dockerSocket) env.push(['DOCKER_HOST', DIND_HOST]);
  return {
    project,
    workspace: ws.name,
    network: `${project}_default`,
    externalNetworks: ws.networks,
    volumes: { data, cache, docker: dockerData, 'docker-socket': dockerSocket, ...Object.fromEntries(copies.map(({ role }) => [role, `${project}_${role}`])) },
    secrets,
    services: {
      firewall: {
        name: 'firewall',
        image: inputs.firewallImage,
        command: firewallCommand(serves && ws.exposePort && inputs.hostPort ? AGENT_PORT : null),
        user: '0:0',
        capAdd: ['NET_ADMIN'],
        securityOpt: [NO_NEW_PRIVILEGES],
        devices: [],
        env: [],
        binds: [],
        volumes: [],
        workdir: null,
        ports: serves && ws.exposePort && inputs.hostPort ? [{ host: '127.0.0.1', hostPort: inputs.hostPort, containerPort: AGENT_PORT }] : [],
        // up reads the firewall's ready line instead; this check is for the app's state, `docker ps`
        // and Compose's depends_on. Each check is an exec the engine starts in the container, which
        // an idle workspace pays for: every 2 s, as the agent's, rather than the 500 ms it was.
        healthcheck: { test: ['CMD', 'test', '-f', FIREWALL_READY_FILE], intervalMs: 2000, retries: 15, startPeriodMs: 0 },
        memoryBytes: 64 * 1024 * 1024,
        nanoCpus: null,
        pidsLimit: 64,
        secrets: [],
      },
      agent: {
        name: 'agent',
        image: inputs.agentImage,
        command: ['/bin/sh', '-c', AGENT_WRAPPER, 'paddock-agent', ...command],
        user: inputs.agentUser ?? '1000:1000',
        capAdd: [],
        securityOpt: [NO_NEW_PRIVILEGES],
        devices: [],
        env,
        binds,
        volumes: [
          ...(data ? [{ volume: data, target: DATA_VOLUME_TARGET }] : []),
          ...(cache ? [{ volume: cache, target: CACHE_VOLUME_TARGET }] : []),
          ...(dockerSocket ? [{ volume: dockerSocket, target: DIND_SOCKET_DIR }] : []),
          ...copies.map(({ role, mount }) => ({ volume: `${project}_${role}`, target: mount.container, seed: mount.host })),
        ],
        workdir: ws.workdir,
        ports: [],
        healthcheck: serves
          ? { test: ['CMD', 'sh', '-c', LISTENING_CHECK], intervalMs: 2000, retries: 30, startPeriodMs: 0 }
          : { test: ['CMD', '/bin/sh', '-c', `PATH=${SYSTEM_PATH} exec tmux has-session -t ${AGENT_SESSION}`], intervalMs: 2000, retries: 3, startPeriodMs: 0 },
        memoryBytes: parseMemoryBytes(ws.memory),
        nanoCpus: Math.round(ws.cpu * 1e9),
        pidsLimit: PIDS_LIMIT,
        secrets: secrets.map((secret) => secret.name),
      },
      dind:
        dockerData && dockerSocket
          ? {
              name: 'dind',
              image: inputs.dindImage,
              command: DIND_COMMAND,
              user: DIND_USER,
              capAdd: DIND_CAPABILITIES,
              securityOpt: DIND_SECURITY_OPT,
              devices: DIND_DEVICES,
              env: DIND_ENV,
              binds: [],
              volumes: [
                { volume: dockerData, target: DIND_DATA_TARGET },
                { volume: dockerSocket, target: DIND_SOCKET_DIR },
              ],
              workdir: null,
              ports: [],
              healthcheck: { test: DIND_HEALTH_TEST, intervalMs: 2000, retries: 5, startPeriodMs: 0 },
              // The daemon and everything it runs share these, on top of the agent's own.
              memoryBytes: parseMemoryBytes(ws.memory),
              nanoCpus: Math.round(ws.cpu * 1e9),
              pidsLimit: PIDS_LIMIT * 4,
              secrets: [],
            }
          : null,
    },
  };
}
