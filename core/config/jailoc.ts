import { parse as parseToml } from 'smol-toml';
import { TomlDocument } from './document.ts';
import { applyEdits, type ConfigEdit } from './edit.ts';
import { ConfigError, formatKeyPath, type ConfigIssue, type KeyPath } from './errors.ts';
import { parseMount } from './mounts.ts';
import { displayPath, isSameOrUnder, normalizeHostPath } from './paths.ts';
import { BUILTIN_COPIES } from './resolve.ts';
import type { HostView } from './schema.ts';
import { validateConfigText } from './load.ts';

/** The keys jailoc reads (reference §1.2–1.8); it silently ignored everything else. */
const JAILOC_KEYS = {
  root: ['mode', 'password_mode', 'base', 'defaults', 'workspaces'],
  base: ['dockerfile'],
  common: ['image', 'env', 'env_file', 'mounts', 'allowed_hosts', 'allowed_networks', 'ssh_auth_sock', 'git_config', 'expose_port', 'enable_docker', 'cpu', 'memory', 'secrets'],
  workspace: ['paths', 'build_context', 'dockerfile'],
  secrets: ['env', 'file'],
  secret: ['from_env', 'from_file'],
};

export interface JailocImport {
  text: string;
  /** What changed and why, one line each, for the user to read. */
  notes: string[];
}

/**
 * Converts a jailoc config into a Paddock config by editing its text, so comments and layout
 * survive. Keys jailoc ignored are removed (keeping them could change behaviour or fail
 * validation), and jailoc's different default for enable_docker is written out explicitly.
 */
export function convertJailocConfig(text: string, file: string, host: HostView): JailocImport {
  let data: Record<string, unknown>;
  try {
    data = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const line = (error as { line?: number }).line ?? null;
    const column = (error as { column?: number }).column ?? null;
    throw new ConfigError(file, [{ message: `TOML syntax error: ${(error as Error).message.split('\n')[0]}`, path: null, line, column }]);
  }
  const notes: string[] = [];
  const edits: ConfigEdit[] = [];
  const drop = (keyPath: KeyPath, why: string) => {
    edits.push({ op: 'unset', path: keyPath });
    notes.push(`removed ${formatKeyPath(keyPath)}: ${why}`);
  };
  for (const key of Object.keys(data)) {
    if (!JAILOC_KEYS.root.includes(key)) drop([key], 'jailoc ignored this key');
  }
  const table = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
  for (const key of Object.keys(table(data.base) ?? {})) {
    if (!JAILOC_KEYS.base.includes(key)) drop(['base', key], 'jailoc ignored this key');
  }
  const defaults = table(data.defaults);
  for (const key of Object.keys(defaults ?? {})) {
    if (!JAILOC_KEYS.common.includes(key)) drop(['defaults', key], 'jailoc ignored this key');
  }
  const dropInSecrets = (scope: KeyPath, secrets: unknown) => {
    for (const [kind, entries] of Object.entries(table(secrets) ?? {})) {
      if (!JAILOC_KEYS.secrets.includes(kind)) {
        drop([...scope, 'secrets', kind], 'jailoc ignored this key');
        continue;
      }
      for (const [name, source] of Object.entries(table(entries) ?? {})) {
        for (const key of Object.keys(table(source) ?? {})) {
          if (!JAILOC_KEYS.secret.includes(key)) drop([...scope, 'secrets', kind, name, key], 'jailoc ignored this key');
        }
      }
    }
  };
  dropInSecrets(['defaults'], defaults?.secrets);
  for (const [name, workspace] of Object.entries(table(data.workspaces) ?? {})) {
    for (const key of Object.keys(table(workspace) ?? {})) {
      if (JAILOC_KEYS.common.includes(key) || JAILOC_KEYS.workspace.includes(key)) continue;
      drop(['workspaces', name, key], key === 'mode' ? 'jailoc documents a workspace-level mode but never read it' : 'jailoc ignored this key');
    }
    dropInSecrets(['workspaces', name], table(workspace)?.secrets);
  }
  if (defaults?.enable_docker === undefined) {
    edits.push({ op: 'set', path: ['defaults', 'enable_docker'], value: true });
    notes.push('set defaults.enable_docker = true: jailoc started a Docker daemon for every workspace by default, Paddock does not; remove it if your agents do not need Docker');
  }
  const builtinCopies = BUILTIN_COPIES.map((entry) => parseMount(entry, host.home)).flatMap((parsed) => (parsed.ok ? [parsed.mount] : []));
  const dropBuiltinCopies = (scope: KeyPath, mounts: unknown) => {
    for (const entry of Array.isArray(mounts) ? mounts : []) {
      const parsed = typeof entry === 'string' ? parseMount(entry, host.home) : null;
      if (!parsed?.ok || parsed.mount.readOnly) continue;
      const { host: source, container } = parsed.mount;
      if (!builtinCopies.some((copy) => copy.host === source && copy.container === container)) continue;
      edits.push({ op: 'remove', path: [...scope, 'mounts'], value: entry as string });
      notes.push(
        `removed "${entry as string}" from ${formatKeyPath([...scope, 'mounts'])}: a read-write mount let the agent plant code that the OpenCode on your computer runs; each workspace now gets its own copy of that folder, seeded from yours`,
      );
    }
  };
  dropBuiltinCopies(['defaults'], defaults?.mounts);
  for (const [name, workspace] of Object.entries(table(data.workspaces) ?? {})) dropBuiltinCopies(['workspaces', name], table(workspace)?.mounts);
  for (const [name, workspace] of Object.entries(table(data.workspaces) ?? {})) {
    const inProject = sourcesInPaths(table(workspace) ?? {}, defaults ?? {}, host.home);
    if (inProject.length === 0) continue;
    edits.push({ op: 'set', path: ['workspaces', name, 'agent_writable_sources'], value: inProject });
    notes.push(
      `set workspaces.${name}.agent_writable_sources = ${JSON.stringify(inProject)}: ${inProject.length === 1 ? 'it lies' : 'they lie'} in the workspace's own folders, which the agent can change; jailoc read them there, so this keeps that, and Paddock never follows a symlink there. Safer: move them out of the project and remove the key`,
    );
  }
  const converted = applyEdits(text, edits);
  try {
    validateConfigText(converted, file, host);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Report places in the user's jailoc file: key paths are the same in both texts, lines are
    // not. An issue that pointed at a value in the converted text points at the value here too.
    const original = new TomlDocument(text);
    const edited = new TomlDocument(converted);
    const issues: ConfigIssue[] = error.issues.map((issue) => {
      const keyPath = issue.path === null ? null : keyPathOf(issue.path);
      if (!keyPath) return issue;
      const atValue = edited.locate(keyPath, 'value');
      const prefer = atValue?.line === issue.line && atValue?.column === issue.column ? 'value' : 'key';
      const place = original.locate(keyPath, prefer);
      return { ...issue, line: place?.line ?? null, column: place?.column ?? null };
    });
    throw new ConfigError(file, issues);
  }
  return { text: `# Imported from ${file} by \`paddock config import-jailoc\`.\n${converted}`, notes };
}

function keyPathOf(dotted: string): KeyPath {
  const parts: Array<string | number> = [];
  for (const match of dotted.matchAll(/([^.[\]"]+)|"((?:[^"\\]|\\.)*)"|\[(\d+)\]/g)) {
    if (match[3] !== undefined) parts.push(Number(match[3]));
    else if (match[2] !== undefined) parts.push(JSON.parse(`"${match[2]}"`) as string);
    else if (match[1] !== undefined) parts.push(match[1]);
  }
  return parts;
}

/**
 * Env files, secret files and mount sources (as written) that lie in one of a workspace's paths,
 * which Paddock only accepts once confirmed in `agent_writable_sources`.
 */
function sourcesInPaths(workspace: Record<string, unknown>, defaults: Record<string, unknown>, home: string): string[] {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []);
  const secretFiles = (secrets: unknown) =>
    Object.values(secrets && typeof secrets === 'object' ? secrets : {}).flatMap((kind: unknown) =>
      Object.values(kind && typeof kind === 'object' ? kind : {}).flatMap((source: unknown) => {
        const file = (source as { from_file?: unknown } | null)?.from_file;
        return typeof file === 'string' ? [file] : [];
      }),
    );
  const mountSources = (entries: unknown) =>
    strings(entries).flatMap((entry) => {
      const parsed = parseMount(entry, home);
      return parsed.ok && !parsed.mount.removal ? [parsed.mount.host] : [];
    });
  const roots = strings(workspace.paths).map((entry) => normalizeHostPath(entry, home));
  const candidates = [
    ...strings(defaults.env_file), ...strings(workspace.env_file),
    ...secretFiles(defaults.secrets), ...secretFiles(workspace.secrets),
    ...mountSources(defaults.mounts), ...mountSources(workspace.mounts),
  ];
  const inRoots = candidates.map((entry) => normalizeHostPath(entry, home)).filter((file) => roots.some((root) => isSameOrUnder(file, root)));
  return [...new Set(inRoots.map((file) => displayPath(file, home)))];
}
