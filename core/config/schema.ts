import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseEnvFile } from './envfile.ts';
import { LINK_REFUSED } from './host-sources.ts';
import { parseMount } from './mounts.ts';
import { parseAllowEntry } from '../net/names.ts';
import { ALLOW_PRESET_NAMES, isAllowPreset } from '../net/presets.ts';
import { closest } from './suggest.ts';
import { displayPath, expandHome, isAbsoluteHostPath, normalizeHostPath } from './paths.ts';
import {
  ACCESS_MODES, AGENTS, BASE_VARIANTS, BUILD_NETWORKS, DOCKER_NETWORK_NAME, EGRESS_MODES, FILE_SECRET_NAME, MEMORY,
  MIN_MEMORY_BYTES, PASSWORD_MODES, POSIX_NAME, RESERVED_ENV_KEYS, RESERVED_SECRET_ENV_KEYS, WORKSPACE_NAME,
  buildContextProblem, hostAgentFolderProblem, hostSourceProblem, mountTargetConflict, workspacePathConflict,
} from './rules.ts';

/** What validation may look at on the host: kept behind an interface so rules stay testable. */
export interface HostView {
  home: string;
  exists(path: string): boolean;
  isFile(path: string): boolean;
  /** Reads a file; below `agentWritable` folders it follows no symlink (see host-sources.ts). */
  readText(path: string, agentWritable?: readonly string[]): string;
  /** The real path (symlinks resolved), null when missing; without it, paths are taken as they are. */
  realPath?(path: string): string | null;
}

type Ctx = z.RefinementCtx;
type Path = Array<string | number>;

/**
 * Cross-key rules run even when a sibling key already failed, so one check reports every
 * problem at once; they only need the value to be a table.
 */
const evenAfterOtherErrors = {
  when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
};

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(ctx: Ctx, message: string, path: Path = []): void {
  ctx.addIssue({ code: 'custom', message, path });
}

export function parseMemoryBytes(value: string): number {
  const unit = value.slice(-1).toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Number.parseInt(value, 10) * scale;
}

/**
 * A Docker image reference: [registry/]path[:tag][@digest]. As in Docker, the first component is a
 * registry only when it has a dot or a port or is `localhost`; every repository part is lowercase.
 */
const IMAGE_REFERENCE =
  /^(?:(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+(?=:[0-9]+\/))(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export function imageReferenceProblem(value: string): string | null {
  if (value.trim() === '') return 'must not be empty or whitespace-only';
  if (IMAGE_REFERENCE.test(value)) return null;
  if (IMAGE_REFERENCE.test(value.toLowerCase())) return `"${value}" is not a valid image reference: repository names must be lowercase`;
  return `"${value}" is not a valid image reference (expected [registry/]name[:tag][@digest], e.g. "ubuntu:24.04")`;
}

/** An empty dockerfile means "none" (jailoc's template writes `dockerfile = ""`). */
export function dockerfileSourceProblem(value: string, home: string): string | null {
  if (value === '') return null;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `invalid URL "${value}"`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `invalid URL "${value}": the scheme must be http or https, got "${url.protocol.slice(0, -1)}"`;
    }
    if (url.hostname === '') return `invalid URL "${value}": it has no host`;
    return null;
  }
  const file = normalizeHostPath(value, home);
  if (!isAbsoluteHostPath(file)) {
    return `must be an absolute path, a ~/ path or an http(s) URL, got "${value}"`;
  }
  const problem = buildContextProblem(path.posix.dirname(file), home);
  return problem ? `"${value}" is forbidden: its folder is the build context, and ${problem}` : null;
}

export function hostNameProblem(value: string): string | null {
  if (net.isIP(value)) return null;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return `"${value}" is a URL, not a host name; give just the host${hostOfUrl(value) ? ` ("${hostOfUrl(value)}")` : ''}`;
  }
  if (value.includes('/') && net.isIP(value.slice(0, value.indexOf('/')))) {
    return `"${value}" is a network; put CIDRs in allowed_networks`;
  }
  if (value.includes('*') && !value.startsWith('*.')) {
    return `"${value}" has a wildcard in the wrong place: a wildcard is a whole first label, as in "*.example.com"`;
  }
  const entry = parseAllowEntry(value);
  if (entry?.kind === 'name' || entry?.kind === 'wildcard') return null;
  if (value.startsWith('*.')) return `"${value}" is not a wildcard this allowlist accepts: give "*." and a domain with at least two labels, e.g. "*.githubusercontent.com"`;
  return `"${value}" is not a host name or an IP address`;
}

function hostOfUrl(value: string): string | null {
  try {
    return new URL(value).hostname || null;
  } catch {
    return null;
  }
}

export function cidrProblem(value: string): string | null {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const family = net.isIP(address);
  if (family === 0) return `"${value}" is not a CIDR network (e.g. "10.1.0.0/16" or "fd00::/8")`;
  if (slash < 0) return `"${value}" has no prefix length; did you mean "${value}/${family === 4 ? 32 : 128}"?`;
  const prefix = value.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > max) return `"${value}" has an invalid prefix length (0 to ${max})`;
  return null;
}

function envEntrySchema(reservedScope: string) {
  return z.string().superRefine((entry, ctx) => {
    const eq = entry.indexOf('=');
    if (eq < 0) return fail(ctx, `"${entry}" must be in KEY=VALUE format`);
    const key = entry.slice(0, eq);
    if (key.trim() === '') return fail(ctx, `"${entry}": the key must not be empty`);
    if (/\s/.test(key)) return fail(ctx, `"${entry}": the key must not contain white space`);
    if ((RESERVED_ENV_KEYS as readonly string[]).includes(key)) {
      fail(ctx, `${key} is reserved: Paddock sets it ${reservedScope}`);
    }
  });
}

function envFileSchema(host: HostView) {
  return z.string().superRefine((entry, ctx) => {
    const file = normalizeHostPath(entry, host.home);
    if (!isAbsoluteHostPath(file)) return fail(ctx, `env file "${entry}" must be an absolute path or start with ~/`);
    if (!host.isFile(file)) return fail(ctx, `env file "${displayPath(file, host.home)}" does not exist or is not a file`);
    let text: string;
    try {
      text = host.readText(file);
    } catch (error) {
      // Reported with the workspace's other host sources, which are checked once the schema passes.
      if ((error as NodeJS.ErrnoException).code === LINK_REFUSED) return;
      return fail(ctx, `env file "${displayPath(file, host.home)}" cannot be read: ${(error as Error).message}`);
    }
    for (const [key] of parseEnvFile(text)) {
      if ((RESERVED_ENV_KEYS as readonly string[]).includes(key)) {
        fail(ctx, `env file "${displayPath(file, host.home)}" sets ${key}, which is reserved: Paddock sets it inside the workspace`);
      }
    }
  });
}

function mountSchema(host: HostView) {
  return z.string().superRefine((entry, ctx) => {
    const parsed = parseMount(entry, host.home);
    if (!parsed.ok) return fail(ctx, parsed.message);
    const conflict = mountTargetConflict(parsed.mount.container);
    if (conflict) {
      return fail(ctx, `mount "${entry}": the container path ${parsed.mount.container} is not allowed (it would hide ${conflict}, which the image needs)`);
    }
    if (!parsed.mount.removal) {
      const problem = hostSourceProblem(parsed.mount.host, host.home);
      if (problem) return fail(ctx, `mount "${entry}": the host path ${displayPath(parsed.mount.host, host.home)} is forbidden: ${problem}`);
      const agentFolder = parsed.mount.readOnly ? null : hostAgentFolderProblem(parsed.mount.host, host.home);
      if (agentFolder) fail(ctx, `mount "${entry}" is read-write: ${agentFolder}`);
    }
  });
}

function secretsSchema(host: HostView) {
  const source = z
    .strictObject({ from_env: z.string().optional(), from_file: z.string().optional() })
    .superRefine((secret, ctx) => {
      const sources = [secret.from_env, secret.from_file].filter((value) => value !== undefined);
      if (sources.length !== 1) {
        return fail(ctx, 'a secret needs exactly one source: from_env = "HOST_VARIABLE" or from_file = "/absolute/path"');
      }
      if (secret.from_env !== undefined && !POSIX_NAME.test(secret.from_env)) {
        fail(ctx, `"${secret.from_env}" is not an environment variable name (letters, digits and _, not starting with a digit)`, ['from_env']);
      }
      if (secret.from_file !== undefined) {
        if (secret.from_file.includes('$')) fail(ctx, `"${secret.from_file}" must not contain $`, ['from_file']);
        else if (!isAbsoluteHostPath(expandHome(secret.from_file, host.home))) {
          fail(ctx, `"${secret.from_file}" must be an absolute path or start with ~/`, ['from_file']);
        }
      }
    });
  return z
    .strictObject({ env: z.record(z.string(), source).optional(), file: z.record(z.string(), source).optional() })
    .superRefine((secrets, ctx) => {
      for (const name of Object.keys(isTable(secrets.env) ? secrets.env : {})) {
        if (!POSIX_NAME.test(name)) {
          fail(ctx, `env secret name "${name}" must be a variable name (letters, digits and _, not starting with a digit)`, ['env', name]);
        } else if ((RESERVED_SECRET_ENV_KEYS as readonly string[]).includes(name)) {
          fail(ctx, `env secret name ${name} is reserved: Paddock sets it inside the workspace`, ['env', name]);
        }
        if (isTable(secrets.file) && name in secrets.file) {
          fail(ctx, `secret "${name}" is both an env and a file secret; give them different names`, ['file', name]);
        }
      }
      for (const name of Object.keys(isTable(secrets.file) ? secrets.file : {})) {
        if (!FILE_SECRET_NAME.test(name)) {
          fail(ctx, `file secret name "${name}" may only contain letters, digits, _ and - (it becomes /run/secrets/${name})`, ['file', name]);
        }
      }
    }, evenAfterOtherErrors);
}

const boolean = z.boolean();

function commonKeys(host: HostView) {
  return {
    image: z.string().superRefine((value, ctx) => {
      const problem = imageReferenceProblem(value);
      if (problem) fail(ctx, problem);
    }),
    env: z.array(envEntrySchema('inside the workspace')),
    env_file: z.array(envFileSchema(host)),
    mounts: z.array(mountSchema(host)),
    agent_writable_sources: z.array(
      z.string().superRefine((value, ctx) => {
        if (!isAbsoluteHostPath(expandHome(value, host.home))) fail(ctx, `"${value}" must be an absolute path or start with ~/`);
      }),
    ),
    allowed_hosts: z.array(
      z.string().superRefine((value, ctx) => {
        const problem = hostNameProblem(value);
        if (problem) fail(ctx, problem);
      }),
    ),
    allowed_networks: z.array(
      z.string().superRefine((value, ctx) => {
        const problem = cidrProblem(value);
        if (problem) fail(ctx, problem);
      }),
    ),
    ssh_auth_sock: boolean,
    git_config: boolean,
    expose_port: boolean,
    enable_docker: boolean,
    cpu: z.number().superRefine((value, ctx) => {
      if (!Number.isFinite(value) || value <= 0) fail(ctx, `must be a finite number greater than 0 (CPU cores, e.g. 2 or 1.5), got ${value}`);
    }),
    memory: z.string().superRefine((value, ctx) => {
      if (!MEMORY.test(value)) {
        return fail(ctx, `"${value}" is not a memory size: a positive whole number, optionally followed by k, m or g (e.g. "4g", "512m")`);
      }
      if (parseMemoryBytes(value) < MIN_MEMORY_BYTES) fail(ctx, `"${value}" is below Docker's minimum memory limit of 6m`);
    }),
    secrets: secretsSchema(host),
    agent: z.enum(AGENTS),
    command: z.array(z.string().min(1, 'must not be an empty string')).min(1, 'must name a program: give at least one word, e.g. ["bash", "-l"]'),
    networks: z.array(
      z.string().regex(DOCKER_NETWORK_NAME, 'is not a Docker network name (letters, digits, _, . and -)'),
    ),
    egress: z.enum(EGRESS_MODES),
    allow_presets: z.array(
      z.string().superRefine((value, ctx) => {
        if (isAllowPreset(value)) return;
        const hint = closest(value, ALLOW_PRESET_NAMES);
        fail(ctx, `"${value}" is not a preset${hint ? `; did you mean "${hint}"?` : ''} (presets: ${ALLOW_PRESET_NAMES.join(', ')})`);
      }),
    ),
    dns: z.array(
      z.string().superRefine((value, ctx) => {
        if (!net.isIP(value)) fail(ctx, `"${value}" is not an IP address: dns lists the resolvers the workspace asks, e.g. ["192.168.1.1"]`);
      }),
    ),
    build_network: z.enum(BUILD_NETWORKS),
    dind_image: z.string().superRefine((value, ctx) => {
      const problem = imageReferenceProblem(value);
      if (problem) fail(ctx, problem);
    }),
  };
}

function workspacePathSchema(host: HostView) {
  return z.string().superRefine((value, ctx) => {
    if (value.trim() === '') return fail(ctx, 'a workspace path must not be empty');
    const hostPath = normalizeHostPath(value, host.home);
    if (!isAbsoluteHostPath(hostPath)) return fail(ctx, `"${value}" must be an absolute path or start with ~/`);
    const conflict = workspacePathConflict(hostPath);
    if (conflict) {
      return fail(ctx, `"${value}" conflicts with the container-internal folder ${conflict} (workspace paths are mounted at the same path inside the container)`);
    }
    const problem = hostSourceProblem(hostPath, host.home);
    if (problem) fail(ctx, `"${value}" is forbidden: ${problem}`);
  });
}

/** The whole config document. Every object is strict: unknown keys are reported, never ignored. */
export function configSchema(host: HostView) {
  const dockerfile = z.string().superRefine((value, ctx) => {
    const problem = dockerfileSourceProblem(value, host.home);
    if (problem) fail(ctx, problem);
  });
  const common = commonKeys(host);
  const defaults = z.strictObject(partial(common));
  const workspace = z
    .strictObject({
      ...partial(common),
      paths: z.array(workspacePathSchema(host)).optional(),
      port: z
        .number()
        .superRefine((value, ctx) => {
          if (!Number.isInteger(value) || value < 1024 || value > 65535) fail(ctx, `must be a whole number from 1024 to 65535 (a port on 127.0.0.1), got ${value}`);
        })
        .optional(),
      dockerfile: dockerfile.optional(),
      build_context: z
        .string()
        .superRefine((value, ctx) => {
          const folder = normalizeHostPath(value, host.home);
          if (!isAbsoluteHostPath(folder)) return fail(ctx, `"${value}" must be an absolute path or start with ~/`);
          const problem = buildContextProblem(folder, host.home);
          if (problem) fail(ctx, `"${value}" is forbidden: ${problem}`);
        })
        .optional(),
    })
    .superRefine((ws, ctx) => {
      if (ws.image !== undefined && ws.dockerfile) {
        fail(ctx, 'cannot set both "image" and "dockerfile": image is used as is, with no build; remove one', ['image']);
      }
      if (ws.image !== undefined && ws.build_context !== undefined) {
        fail(ctx, 'cannot set both "image" and "build_context": image is used as is, with no build; remove one', ['image']);
      }
    }, evenAfterOtherErrors);
  return z
    .strictObject({
      mode: z.enum(ACCESS_MODES).optional(),
      password_mode: z.enum(PASSWORD_MODES).optional(),
      base: z
        .strictObject({
          dockerfile: dockerfile.optional(),
          from: z
            .string()
            .superRefine((value, ctx) => {
              const problem = imageReferenceProblem(value);
              if (problem) fail(ctx, problem);
            })
            .optional(),
          variant: z.enum(BASE_VARIANTS).optional(),
        })
        .optional(),
      defaults: defaults.optional(),
      workspaces: z.record(z.string(), workspace).optional(),
    })
    .superRefine((config, ctx) => {
      const ports = new Map<unknown, string>();
      for (const [name, ws] of Object.entries(isTable(config.workspaces) ? config.workspaces : {})) {
        const port = isTable(ws) ? ws.port : undefined;
        if (port === undefined) continue;
        const owner = ports.get(port);
        if (owner) fail(ctx, `port ${String(port)} is also the port of workspace "${owner}"; each workspace needs its own`, ['workspaces', name, 'port']);
        else ports.set(port, name);
      }
      for (const name of Object.keys(isTable(config.workspaces) ? config.workspaces : {})) {
        if (!WORKSPACE_NAME.test(name)) {
          fail(ctx, `workspace name "${name}" is invalid: use lowercase letters, digits and - only (e.g. "${suggestName(name)}")`, ['workspaces', name]);
        }
      }
    }, evenAfterOtherErrors);
}

function suggestName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'my-project';
}

type OptionalShape<T> = { [K in keyof T]: z.ZodOptional<T[K] & z.ZodType> };

function partial<T extends Record<string, z.ZodType>>(shape: T): OptionalShape<T> {
  return Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.optional()])) as OptionalShape<T>;
}

export type ConfigSchema = ReturnType<typeof configSchema>;
export type PaddockConfig = z.infer<ConfigSchema>;
export type WorkspaceConfig = NonNullable<PaddockConfig['workspaces']>[string];
export type DefaultsConfig = NonNullable<PaddockConfig['defaults']>;
export type SecretsConfig = NonNullable<WorkspaceConfig['secrets']>;

/**
 * The keys the table at `path` accepts, read from the schema itself so hints never drift from it.
 * Record keys (workspace and secret names) match any segment.
 */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<string | number>): string[] {
  let current: z.ZodType | undefined = schema;
  for (const segment of path) {
    current = current && unwrap(current);
    if (current instanceof z.ZodObject) current = current.shape[segment as string];
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else return [];
  }
  current = current && unwrap(current);
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  return current;
}
