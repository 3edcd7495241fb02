import type { TomlValue } from '../../core/api/contract.ts';

/**
 * What the config form shows for each key: its label, the words that explain it, how it is
 * edited, and its documented default (docs/configuration.md). The keys themselves come from the
 * config schema; test/unit/renderer-config-fields.test.ts fails when the two drift apart.
 */
export type FieldKind = 'text' | 'number' | 'integer' | 'select' | 'boolean' | 'list' | 'secrets';

export interface FieldSpec {
  key: string;
  label: string;
  help: string;
  kind: FieldKind;
  options?: ReadonlyArray<{ value: string; label: string }>;
  placeholder?: string;
  /** What applies when neither the workspace nor [defaults] sets it; null when that is "nothing". */
  builtin: TomlValue | null;
  /** How a built-in default reads when it is not a plain value ("the agent's own command"). */
  builtinText?: string;
  monospace?: boolean;
  /** For numbers: the input's step. */
  step?: number;
  /** A key a workspace cannot do without (its folders): no "use default" for it. */
  required?: boolean;
}

export interface FieldGroup {
  id: string;
  title: string;
  description: string;
  fields: FieldSpec[];
}

export const AGENTS = [
  { value: 'opencode', label: 'OpenCode' },
  { value: 'claude', label: 'Claude Code' },
  { value: 'codex', label: 'Codex' },
  { value: 'gemini', label: 'Gemini CLI' },
  { value: 'shell', label: 'Shell only' },
];

const agent: FieldSpec = { key: 'agent', label: 'Agent', help: 'The coding agent the workspace runs.', kind: 'select', options: AGENTS, builtin: 'opencode' };
const command: FieldSpec = {
  key: 'command',
  label: 'Command',
  help: 'Runs this instead of the agent, one word per line, e.g. bash then -l.',
  kind: 'list',
  placeholder: 'bash',
  builtin: null,
  builtinText: "the agent's own command",
  monospace: true,
};
const paths: FieldSpec = {
  key: 'paths',
  label: 'Project folders',
  help: 'Mounted at the same path inside the container. The first one is where the agent starts.',
  kind: 'list',
  placeholder: '~/projects/my-project',
  builtin: null,
  builtinText: 'none',
  monospace: true,
  required: true,
};
const image: FieldSpec = {
  key: 'image',
  label: 'Pre-built image',
  help: 'Used as is, with no build. Cannot be combined with a Dockerfile or build context.',
  kind: 'text',
  placeholder: 'ghcr.io/team/agent-image:1.2',
  builtin: null,
  builtinText: "Paddock's own image",
  monospace: true,
};
const defaultsImage: FieldSpec = {
  ...image,
  help: "Every workspace uses it as is, or builds its own Dockerfile on top of it (as BASE). Replaces Paddock's embedded image.",
};
const dockerfile: FieldSpec = {
  key: 'dockerfile',
  label: 'Overlay Dockerfile',
  help: 'Built on top of the base image: it must start with ARG BASE and FROM ${BASE}. A path, ~/ path or http(s) URL.',
  kind: 'text',
  placeholder: '~/projects/my-project/overlay.Dockerfile',
  builtin: null,
  builtinText: 'none',
  monospace: true,
};
const buildContext: FieldSpec = {
  key: 'build_context',
  label: 'Build context',
  help: "The folder whose files the overlay's COPY instructions can use. Default: the Dockerfile's folder.",
  kind: 'text',
  placeholder: '~/projects/my-project',
  builtin: null,
  builtinText: "the Dockerfile's folder",
  monospace: true,
};
const buildNetwork: FieldSpec = {
  key: 'build_network',
  label: 'Network during builds',
  help: "What the RUN steps of this workspace's own Dockerfiles can reach while the image builds. Builds run outside the sandbox's firewall.",
  kind: 'select',
  options: [
    { value: 'default', label: "Docker's default network (apt-get and downloads work)" },
    { value: 'none', label: 'None: RUN steps get no network' },
  ],
  builtin: 'default',
};
const cpu: FieldSpec = { key: 'cpu', label: 'CPU cores', help: 'How many cores the workspace may use, e.g. 2 or 1.5.', kind: 'number', step: 0.5, builtin: 2, placeholder: '2' };
const memory: FieldSpec = {
  key: 'memory',
  label: 'Memory',
  help: 'A number with k, m or g, e.g. 4g or 512m (at least 6m). There is no swap.',
  kind: 'text',
  builtin: '4g',
  placeholder: '4g',
  monospace: true,
};
const env: FieldSpec = { key: 'env', label: 'Environment variables', help: 'KEY=VALUE, one per line; $ stays literal.', kind: 'list', placeholder: 'EDITOR=vim', builtin: [], monospace: true };
const envFile: FieldSpec = {
  key: 'env_file',
  label: 'Env files',
  help: 'Docker-style files of KEY=VALUE lines, read when the workspace starts. They must exist.',
  kind: 'list',
  placeholder: '~/.config/paddock/agent.env',
  builtin: [],
  monospace: true,
};
const secrets: FieldSpec = {
  key: 'secrets',
  label: 'Secrets',
  help: 'Values that never appear on a command line or in docker inspect. An env secret becomes a variable; a file secret becomes /run/secrets/NAME.',
  kind: 'secrets',
  builtin: null,
};
const egress: FieldSpec = {
  key: 'egress',
  label: 'Internet access',
  help: 'Private networks are always blocked unless allowed below. Every name the agent looks up and every refused connection shows in the Network view of the running workspace.',
  kind: 'select',
  options: [
    { value: 'open', label: 'Open: the public internet is reachable' },
    { value: 'allowlist', label: 'Allowlist: only the hosts and networks below' },
  ],
  builtin: 'open',
};
const allowedHosts: FieldSpec = {
  key: 'allowed_hosts',
  label: 'Allowed hosts',
  help: 'Host names the agent may reach even where they are private, and the only ones it reaches with an allowlist. *.example.com covers one label below example.com. Addresses follow the DNS answers, so providers that rotate them keep working.',
  kind: 'list',
  placeholder: 'api.example.com or *.example.com',
  builtin: [],
  monospace: true,
};
const allowPresets: FieldSpec = {
  key: 'allow_presets',
  label: 'Allowed services',
  help: 'Named lists of hosts, allowed as if listed above: github, npm, pypi, crates, go, debian, ubuntu, anthropic, openai, google, opencode.',
  kind: 'list',
  placeholder: 'github',
  builtin: [],
  monospace: true,
};
const dns: FieldSpec = {
  key: 'dns',
  label: 'DNS servers',
  help: "The resolvers the workspace asks (IP addresses); by default the engine's.",
  kind: 'list',
  placeholder: '192.168.1.1',
  builtin: [],
  builtinText: "the engine's",
  monospace: true,
};
const allowedNetworks: FieldSpec = {
  key: 'allowed_networks',
  label: 'Allowed networks',
  help: 'Private networks the agent may reach, as CIDRs (IPv4 or IPv6).',
  kind: 'list',
  placeholder: '10.20.0.0/16',
  builtin: [],
  monospace: true,
};
const networks: FieldSpec = { key: 'networks', label: 'Docker networks', help: 'Existing Docker networks the workspace joins.', kind: 'list', placeholder: 'my-network', builtin: [], monospace: true };
const exposePort: FieldSpec = { key: 'expose_port', label: "Publish the agent's port on 127.0.0.1", help: 'Lets OpenCode clients on this machine attach to the agent.', kind: 'boolean', builtin: true };
const port: FieldSpec = {
  key: 'port',
  label: 'Host port',
  help: "Where the agent's server is published on 127.0.0.1 (1024–65535). Two workspaces cannot share one.",
  kind: 'integer',
  builtin: null,
  builtinText: 'one derived from the name',
  placeholder: '24000',
};
const mounts: FieldSpec = {
  key: 'mounts',
  label: 'Extra mounts',
  help: 'host:container[:ro|rw]. An empty host part (":/home/agent/.config/opencode") removes an inherited mount.',
  kind: 'list',
  placeholder: '~/data:/data:ro',
  builtin: [],
  monospace: true,
};
const agentWritableSources: FieldSpec = {
  key: 'agent_writable_sources',
  label: 'Sources inside the project',
  help: 'Mount sources, env files and secret files that lie in the workspace\'s folders, which the agent can change. Each must be listed here to be used; symlinks there are never followed.',
  kind: 'list',
  placeholder: '~/project/.env',
  builtin: [],
  monospace: true,
};
const gitConfig: FieldSpec = { key: 'git_config', label: 'Share my git config (filtered, read-only)', help: 'So commits carry your name and email. Credential helpers, tokens in URLs, HTTP headers and includes are left out.', kind: 'boolean', builtin: true };
const sshAuthSock: FieldSpec = { key: 'ssh_auth_sock', label: 'Forward my SSH agent', help: 'The agent can use your SSH keys for git; the keys stay on this machine.', kind: 'boolean', builtin: false };
const enableDocker: FieldSpec = {
  key: 'enable_docker',
  label: 'Docker for the agent',
  help: "A Docker daemon of its own in a sidecar container; never this machine's Docker.",
  kind: 'boolean',
  builtin: false,
};
const dindImage: FieldSpec = {
  key: 'dind_image',
  label: 'Docker sidecar image',
  help: "The image of the agent's Docker daemon, used as is.",
  kind: 'text',
  placeholder: 'my/rootless-dind:1',
  builtin: null,
  builtinText: 'built by Paddock',
  monospace: true,
};

/** A workspace's groups; `forDefaults` leaves out the keys only a workspace may have. */
export function workspaceGroups({ forDefaults }: { forDefaults: boolean }): FieldGroup[] {
  const only = (field: FieldSpec) => (forDefaults ? [] : [field]);
  return [
    { id: 'project', title: 'Project', description: 'What the agent works on, and which agent.', fields: [...only(paths), agent, command] },
    {
      id: 'image',
      title: 'Image',
      description: 'Where the container image comes from.',
      fields: forDefaults ? [defaultsImage, buildNetwork] : [image, dockerfile, buildContext, buildNetwork],
    },
    { id: 'resources', title: 'Resources', description: 'Limits for the containers.', fields: [cpu, memory] },
    { id: 'environment', title: 'Environment', description: 'Variables, env files and secrets inside the container.', fields: [env, envFile, secrets] },
    { id: 'network', title: 'Network', description: 'What the agent can reach, and how you reach it.', fields: [egress, allowedHosts, allowPresets, allowedNetworks, dns, networks, exposePort, ...only(port)] },
    { id: 'host', title: 'Host access', description: 'What the workspace shares with this machine.', fields: [mounts, agentWritableSources, gitConfig, sshAuthSock, enableDocker, dindImage] },
  ];
}

/** [base]: the image every workspace starts from. */
export const baseGroup: FieldGroup = {
  id: 'base',
  title: 'Base image',
  description: "Paddock's embedded image, or a Dockerfile of your own that replaces it.",
  fields: [
    { key: 'from', label: 'Build from', help: 'Any Debian or Ubuntu image with apt.', kind: 'text', builtin: 'ubuntu:24.04', placeholder: 'ubuntu:24.04', monospace: true },
    {
      key: 'variant',
      label: 'Variant',
      help: 'Minimal is the sandbox without Node.js and the agent CLIs.',
      kind: 'select',
      options: [
        { value: 'full', label: 'Full: with the agent CLIs' },
        { value: 'minimal', label: 'Minimal: the sandbox only' },
      ],
      builtin: 'full',
    },
    {
      key: 'dockerfile',
      label: 'Replacement Dockerfile',
      help: 'Replaces the embedded Dockerfile: an absolute path, ~/ path or http(s) URL (1 MiB at most). A failing build stops the start; there is no fallback.',
      kind: 'text',
      builtin: null,
      builtinText: 'the embedded one',
      placeholder: '~/dockerfiles/base.Dockerfile',
      monospace: true,
    },
  ],
};

/** The top-level keys: how OpenCode is attached to (jailoc-compatible). */
export const topLevelGroup: FieldGroup = {
  id: 'opencode',
  title: 'OpenCode',
  description: 'How OpenCode clients attach to the agent (as jailoc does).',
  fields: [
    {
      key: 'mode',
      label: 'Attach mode',
      help: 'How to attach to an OpenCode agent.',
      kind: 'select',
      options: [
        { value: 'remote', label: 'Remote (over HTTP)' },
        { value: 'exec', label: 'Exec (inside the container)' },
      ],
      builtin: null,
      builtinText: 'automatic',
    },
    {
      key: 'password_mode',
      label: 'Server password kept in',
      help: "Where the OpenCode server's password is kept.",
      kind: 'select',
      options: [
        { value: 'auto', label: 'Chosen by Paddock' },
        { value: 'env', label: 'An environment variable' },
        { value: 'keyring', label: 'The system keyring' },
        { value: 'file', label: 'A file' },
      ],
      builtin: null,
      builtinText: 'automatic',
    },
  ],
};
