import { parseEnvFile } from './envfile.ts';
import { agentWritableFolders } from './host-sources.ts';
import type { KeyPath } from './errors.ts';
import { parseMount, type MountSpec } from './mounts.ts';
import { isSameOrUnder, normalizeHostPath } from './paths.ts';
import type { AllowPreset } from '../net/presets.ts';
import type { AgentName } from './rules.ts';
import type { DefaultsConfig, PaddockConfig, SecretsConfig, WorkspaceConfig } from './schema.ts';

export type Origin = 'builtin' | 'defaults' | 'workspace';

export interface ResolvedMount {
  host: string;
  container: string;
  readOnly: boolean;
  origin: Origin;
  /** Built-in mounts are skipped when their host folder does not exist; user mounts are not. */
  optional: boolean;
  /**
   * `bind`: the host folder itself. `copy`: a volume of the workspace's own, seeded once from the
   * host folder, so what the agent writes there never reaches the host.
   */
  kind: 'bind' | 'copy';
}

export interface ResolvedSecret {
  name: string;
  destination: 'env' | 'file';
  source: { kind: 'env'; variable: string } | { kind: 'file'; path: string };
  origin: Exclude<Origin, 'builtin'>;
}

export interface ResolvedWorkspace {
  name: string;
  paths: string[];
  /** The first path: where the agent starts. */
  workdir: string | null;
  image: string | null;
  defaultsImage: string | null;
  dockerfile: string | null;
  buildContext: string | null;
  base: { dockerfile: string | null; from: string; variant: 'full' | 'minimal' };
  env: Array<[string, string]>;
  mounts: ResolvedMount[];
  secrets: ResolvedSecret[];
  /** The env files read into `env`, where they are checked again at every start. */
  envFiles: Array<{ path: string; origin: Exclude<Origin, 'builtin'> }>;
  /** Sources the user accepts in folders the agent can write (`agent_writable_sources`). */
  agentWritableSources: string[];
  allowedHosts: string[];
  allowedNetworks: string[];
  sshAuthSock: boolean;
  gitConfig: boolean;
  exposePort: boolean;
  enableDocker: boolean;
  cpu: number;
  memory: string;
  agent: AgentName;
  command: string[] | null;
  networks: string[];
  egress: 'open' | 'allowlist';
  /** Named host lists (core/net/presets.ts) allowed on top of allowedHosts. */
  allowPresets: AllowPreset[];
  /** The resolvers the firewall's resolver asks; empty for the engine's. */
  dns: string[];
  /** The network of RUN steps in builds of the workspace's own Dockerfiles. */
  buildNetwork: 'default' | 'none';
  /** The Docker sidecar's image, used as is; null for the embedded one built from `[base] from`. */
  dindImage: string | null;
  /** The host port chosen for the agent's server, or null for the one derived from the name. */
  port: number | null;
  /**
   * Host folders some workspace's agent can write (every workspace's paths and read-write mounts):
   * a Dockerfile or build context there is untrusted input.
   */
  agentWritable: string[];
}

export const BUILTIN_DEFAULTS = {
  from: 'ubuntu:24.04',
  variant: 'full',
  sshAuthSock: false,
  gitConfig: true,
  exposePort: true,
  enableDocker: false,
  cpu: 2,
  memory: '4g',
  agent: 'opencode',
  egress: 'open',
  buildNetwork: 'default',
} as const;

/**
 * Agent config and transcripts, as jailoc shared them; each layer can remove them. jailoc mounted
 * the first three read-write, which let the agent plant code the host's OpenCode runs: each
 * workspace now gets its own copy of them instead (kind `copy`), seeded once from the host.
 */
export const BUILTIN_COPIES = [
  '~/.config/opencode:/home/agent/.config/opencode',
  '~/.opencode:/home/agent/.opencode',
  '~/.claude/transcripts:/home/agent/.claude/transcripts',
];
export const BUILTIN_MOUNTS = ['~/.agents:/home/agent/.agents:ro'];

/** Env layers merged by key: the last value wins, the order of first appearance is kept. */
export function mergeEnv(layers: ReadonlyArray<ReadonlyArray<readonly [string, string]>>): Array<[string, string]> {
  const merged = new Map<string, string>();
  for (const layer of layers) for (const [key, value] of layer) merged.set(key, value);
  return [...merged];
}

export function parseEnvEntries(entries: readonly string[]): Array<[string, string]> {
  return entries.map((entry) => {
    const eq = entry.indexOf('=');
    return [entry.slice(0, eq), entry.slice(eq + 1)];
  });
}

/**
 * Mount layers merged by container path, the last layer winning; an entry with an empty host
 * removes what earlier layers put there. Order follows each container path's first appearance.
 */
export function mergeMounts(layers: ReadonlyArray<{ origin: Origin; mounts: readonly MountSpec[]; kind?: ResolvedMount['kind'] }>): ResolvedMount[] {
  const merged = new Map<string, ResolvedMount | null>();
  for (const { origin, mounts, kind = 'bind' } of layers) {
    for (const mount of mounts) {
      merged.set(
        mount.container,
        mount.removal ? null : { host: mount.host, container: mount.container, readOnly: mount.readOnly, origin, optional: origin === 'builtin', kind },
      );
    }
  }
  return [...merged.values()].filter((mount): mount is ResolvedMount => mount !== null);
}

/** Secrets merged by name: a workspace secret replaces the defaults' entry of that name, even across kinds. */
export function mergeSecrets(defaults: SecretsConfig | undefined, workspace: SecretsConfig | undefined, home: string): ResolvedSecret[] {
  const merged = new Map<string, ResolvedSecret>();
  for (const [origin, secrets] of [['defaults', defaults], ['workspace', workspace]] as const) {
    for (const destination of ['env', 'file'] as const) {
      for (const [name, source] of Object.entries(secrets?.[destination] ?? {})) {
        merged.set(name, {
          name,
          destination,
          source:
            source.from_env !== undefined
              ? { kind: 'env', variable: source.from_env }
              : { kind: 'file', path: normalizeHostPath(source.from_file ?? '', home) },
          origin,
        });
      }
    }
  }
  return [...merged.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Union of lists, duplicates dropped, order of first appearance kept. */
export function mergeUnique(...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  return [...new Set(lists.flatMap((list) => list ?? []))];
}

function mountsOf(entries: readonly string[] | undefined, home: string): MountSpec[] {
  return (entries ?? []).flatMap((entry) => {
    const parsed = parseMount(entry, home);
    return parsed.ok ? [parsed.mount] : [];
  });
}

export interface ResolveOptions {
  home: string;
  /**
   * Reads an env file (already validated to exist); `agentWritable` are the folders the agent can
   * write, where the reader follows no symlink.
   */
  readText(path: string, agentWritable?: readonly string[]): string;
}

/** A workspace with everything inherited from [defaults] and [base] applied. The config must be valid. */
export function resolveWorkspace(config: PaddockConfig, name: string, options: ResolveOptions): ResolvedWorkspace {
  const workspace: WorkspaceConfig | undefined = config.workspaces?.[name];
  if (!workspace) throw new Error(`no workspace named "${name}"`);
  const defaults: DefaultsConfig = config.defaults ?? {};
  const { home } = options;
  const paths = (workspace.paths ?? []).map((entry) => normalizeHostPath(entry, home));
  const envFiles = [...new Set([...(defaults.env_file ?? []), ...(workspace.env_file ?? [])].map((file) => normalizeHostPath(file, home)))];
  const defaultsFiles = new Set((defaults.env_file ?? []).map((file) => normalizeHostPath(file, home)));
  const mounts = mergeMounts([
    { origin: 'builtin', mounts: mountsOf(BUILTIN_COPIES, home), kind: 'copy' },
    { origin: 'builtin', mounts: mountsOf(BUILTIN_MOUNTS, home) },
    { origin: 'defaults', mounts: mountsOf(defaults.mounts, home) },
    { origin: 'workspace', mounts: mountsOf(workspace.mounts, home) },
  ]);
  const writable = agentWritableFolders({ paths, mounts });
  const fileLayer = (fromDefaults: boolean) =>
    envFiles.filter((file) => defaultsFiles.has(file) === fromDefaults).flatMap((file) => parseEnvFile(options.readText(file, writable)));
  return {
    name,
    paths,
    workdir: paths[0] ?? null,
    image: workspace.image ?? null,
    defaultsImage: defaults.image ?? null,
    dockerfile: workspace.dockerfile ? normalizeSource(workspace.dockerfile, home) : null,
    buildContext: workspace.build_context !== undefined ? normalizeHostPath(workspace.build_context, home) : null,
    base: {
      dockerfile: config.base?.dockerfile ? normalizeSource(config.base.dockerfile, home) : null,
      from: config.base?.from ?? BUILTIN_DEFAULTS.from,
      variant: config.base?.variant ?? BUILTIN_DEFAULTS.variant,
    },
    env: mergeEnv([parseEnvEntries(defaults.env ?? []), fileLayer(true), fileLayer(false), parseEnvEntries(workspace.env ?? [])]),
    mounts,
    secrets: mergeSecrets(defaults.secrets, workspace.secrets, home),
    envFiles: envFiles.map((file) => ({ path: file, origin: defaultsFiles.has(file) ? 'defaults' : 'workspace' })),
    agentWritableSources: mergeUnique(defaults.agent_writable_sources, workspace.agent_writable_sources).map((entry) => normalizeHostPath(entry, home)),
    allowedHosts: mergeUnique(defaults.allowed_hosts, workspace.allowed_hosts),
    allowedNetworks: mergeUnique(defaults.allowed_networks, workspace.allowed_networks),
    sshAuthSock: workspace.ssh_auth_sock ?? defaults.ssh_auth_sock ?? BUILTIN_DEFAULTS.sshAuthSock,
    gitConfig: workspace.git_config ?? defaults.git_config ?? BUILTIN_DEFAULTS.gitConfig,
    exposePort: workspace.expose_port ?? defaults.expose_port ?? BUILTIN_DEFAULTS.exposePort,
    enableDocker: workspace.enable_docker ?? defaults.enable_docker ?? BUILTIN_DEFAULTS.enableDocker,
    cpu: workspace.cpu ?? defaults.cpu ?? BUILTIN_DEFAULTS.cpu,
    memory: workspace.memory ?? defaults.memory ?? BUILTIN_DEFAULTS.memory,
    agent: workspace.agent ?? defaults.agent ?? BUILTIN_DEFAULTS.agent,
    command: workspace.command ?? defaults.command ?? null,
    networks: mergeUnique(defaults.networks, workspace.networks),
    egress: workspace.egress ?? defaults.egress ?? BUILTIN_DEFAULTS.egress,
    allowPresets: mergeUnique(defaults.allow_presets, workspace.allow_presets) as AllowPreset[],
    dns: workspace.dns ?? defaults.dns ?? [],
    buildNetwork: workspace.build_network ?? defaults.build_network ?? BUILTIN_DEFAULTS.buildNetwork,
    dindImage: workspace.dind_image ?? defaults.dind_image ?? null,
    port: workspace.port ?? null,
    agentWritable: anyAgentWritableFolders(config, home),
  };
}

/** Every folder any workspace's agent can write: its paths and its read-write mounts' sources. */
export function anyAgentWritableFolders(config: PaddockConfig, home: string): string[] {
  const defaults: DefaultsConfig = config.defaults ?? {};
  const folders = Object.values(config.workspaces ?? {}).flatMap((workspace) => [
    ...(workspace.paths ?? []).map((entry) => normalizeHostPath(entry, home)),
    ...mergeMounts([
      { origin: 'builtin', mounts: mountsOf(BUILTIN_MOUNTS, home) },
      { origin: 'defaults', mounts: mountsOf(defaults.mounts, home) },
      { origin: 'workspace', mounts: mountsOf(workspace.mounts, home) },
    ])
      .filter((mount) => !mount.readOnly)
      .map((mount) => mount.host),
  ]);
  return mergeUnique(folders);
}

function normalizeSource(source: string, home: string): string {
  return /^https?:\/\//i.test(source) ? source : normalizeHostPath(source, home);
}

/**
 * Problems only visible once a workspace is resolved: an env secret and a plain env entry of the
 * same name (which one would the agent see?). Reported as config errors, before anything starts.
 */
export function resolutionIssues(workspace: ResolvedWorkspace): Array<{ keyPath: KeyPath; message: string }> {
  const envKeys = new Set(workspace.env.map(([key]) => key));
  return workspace.secrets
    .filter((secret) => secret.destination === 'env' && envKeys.has(secret.name))
    .map((secret) => {
      const keyPath = secret.origin === 'workspace'
        ? ['workspaces', workspace.name, 'secrets', 'env', secret.name]
        : ['defaults', 'secrets', 'env', secret.name];
      return {
        keyPath,
        message: `env secret ${secret.name} collides with an env entry of the same name in workspace "${workspace.name}"; remove one of them`,
      };
    });
}

/**
 * The workspace a folder belongs to: the longest matching path counted in segments, ties to the
 * alphabetically first name; `default` when none matches.
 */
export function workspaceForPath(config: PaddockConfig, target: string, home: string): string {
  let best: { name: string; depth: number } | null = null;
  for (const name of Object.keys(config.workspaces ?? {}).sort()) {
    for (const entry of config.workspaces?.[name]?.paths ?? []) {
      const root = normalizeHostPath(entry, home);
      if (!isSameOrUnder(target, root)) continue;
      const depth = root.split('/').filter(Boolean).length;
      if (!best || depth > best.depth) best = { name, depth };
    }
  }
  return best?.name ?? 'default';
}
