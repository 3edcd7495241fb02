import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import type { KeyPath } from './errors.ts';
import { displayPath, isSameOrUnder } from './paths.ts';
import type { ResolvedWorkspace } from './resolve.ts';
import { buildContextProblem, hostSourceProblem } from './rules.ts';

/**
 * Host sources the agent could redirect. Docker follows symlinks in a bind's source, and reading a
 * file follows them too, so a folder the agent can write (a workspace path, a read-write mount)
 * must not hold a source unless the user says so, and never a symlink on the way to one.
 */
export type SourceKind = 'path' | 'mount' | 'env_file' | 'secret' | 'build_context' | 'dockerfile';

export interface HostSource {
  kind: SourceKind;
  /** Normalized host path, as configured. */
  path: string;
  keyPath: KeyPath;
  /** Read-write mounts are folders the agent can write, so they hold other sources as workspace paths do. */
  writable: boolean;
}

export interface SourceProblem {
  keyPath: KeyPath;
  message: string;
}

/** The real path of a host file, or null when it does not exist (the caller reports that itself). */
export function realPathOf(file: string): string | null {
  try {
    return fs.realpathSync.native(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

type RealPath = (file: string) => string | null;

/** A folder the agent can write, by its configured and its real path. */
interface Root {
  path: string;
  real: string;
}

function rootsOf(paths: readonly string[], realPath: RealPath): Root[] {
  return paths.map((root) => ({ path: root, real: realPath(root) ?? root }));
}

/**
 * Why reading or mounting `file` could hand the agent something else than the user named, or null.
 * Below a folder the agent can write, no component may be a symlink: the real path must be the
 * folder's real path plus the same rest. A source reached through a symlink must not end in a
 * forbidden folder (a link in the user's own dotfiles elsewhere is fine).
 */
function linkProblem(file: string, real: string, roots: readonly Root[], home: string, own: string | null): string | null {
  const shown = displayPath(file, home);
  for (const root of roots) {
    if (root.path === own) continue;
    if (isSameOrUnder(file, root.path)) {
      const expected = root.real + file.slice(root.path.length);
      if (real !== expected) {
        return `${shown} passes through a symlink inside ${displayPath(root.path, home)}, which the agent can write (it leads to ${displayPath(real, home)}); Paddock follows no link the agent could have planted: replace the link with the real file or folder`;
      }
    } else if (isSameOrUnder(real, root.real)) {
      return `${shown} is a link into ${displayPath(root.path, home)}, which the agent can write; name the file by its path inside that folder`;
    }
  }
  if (real !== file) {
    const problem = hostSourceProblem(real, home);
    if (problem) return `${shown} leads to ${displayPath(real, home)}, which is forbidden: ${problem}`;
  }
  return null;
}

/** The agent-writable folder (other than the source itself) a source lies in, or null. */
function writableRootOf(file: string, roots: readonly Root[], own: string | null): Root | null {
  return roots.find((root) => root.path !== own && isSameOrUnder(file, root.path)) ?? null;
}

/**
 * Checks every host source of a workspace on the real file system: the forbidden list on the real
 * path, no symlink below a folder the agent can write, and nothing in such a folder (but the
 * workspace paths themselves) unless listed in `agent_writable_sources`. Returns each source's real
 * path, which is what gets mounted, so a swap after the check changes nothing.
 */
export function checkHostSources(
  sources: readonly HostSource[],
  confirmed: readonly string[],
  home: string,
  realPath: RealPath = realPathOf,
): { problems: SourceProblem[]; real: Map<string, string> } {
  const roots = rootsOf(
    sources.filter((source) => source.kind === 'path' || (source.kind === 'mount' && source.writable)).map((source) => source.path),
    realPath,
  );
  const problems: SourceProblem[] = [];
  const real = new Map<string, string>();
  for (const source of sources) {
    const resolved = realPath(source.path);
    if (resolved === null) continue;
    const own = source.kind === 'path' || source.kind === 'mount' ? source.path : null;
    const folderLike = source.kind === 'path' || source.kind === 'mount' || source.kind === 'build_context';
    const checked = source.kind === 'dockerfile' ? parentOf(resolved) : resolved;
    const forbidden = source.kind === 'dockerfile' || source.kind === 'build_context' ? buildContextProblem(checked, home) : folderLike ? hostSourceProblem(checked, home) : null;
    const problem =
      linkProblem(source.path, resolved, roots, home, own) ??
      (forbidden ? `${displayPath(source.path, home)} resolves to ${displayPath(checked, home)}, which is forbidden: ${forbidden}` : null);
    if (problem) {
      problems.push({ keyPath: source.keyPath, message: problem });
      continue;
    }
    const root = source.kind === 'path' || source.kind === 'build_context' || source.kind === 'dockerfile' ? null : writableRootOf(source.path, roots, own);
    if (root && !confirmed.includes(source.path)) {
      problems.push({
        keyPath: source.keyPath,
        message: `${displayPath(source.path, home)} lies in ${displayPath(root.path, home)}, which the agent can write: it could swap it for a link to your secrets between two starts. Move it out of there, or confirm it with agent_writable_sources = ["${displayPath(source.path, home)}"] in the workspace`,
      });
      continue;
    }
    real.set(source.path, resolved);
  }
  return { problems, real };
}

function parentOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash <= 0 ? '/' : file.slice(0, slash);
}

/** Every host source of a resolved workspace, with the config key each comes from. */
export function workspaceSources(ws: ResolvedWorkspace): HostSource[] {
  const scope = (origin: 'defaults' | 'workspace'): KeyPath => (origin === 'defaults' ? ['defaults'] : ['workspaces', ws.name]);
  const isUrl = (value: string) => /^https?:\/\//i.test(value);
  return [
    ...ws.paths.map((p, index): HostSource => ({ kind: 'path', path: p, keyPath: ['workspaces', ws.name, 'paths', index], writable: true })),
    ...ws.mounts
      .filter((mount) => mount.kind === 'bind')
      .map((mount): HostSource => ({
        kind: 'mount',
        path: mount.host,
        keyPath: mount.origin === 'builtin' ? ['workspaces', ws.name] : [...scope(mount.origin), 'mounts'],
        writable: !mount.readOnly,
      })),
    ...ws.envFiles.map((file): HostSource => ({ kind: 'env_file', path: file.path, keyPath: [...scope(file.origin), 'env_file'], writable: false })),
    ...ws.secrets.flatMap((secret): HostSource[] =>
      secret.source.kind === 'file'
        ? [{ kind: 'secret', path: secret.source.path, keyPath: [...scope(secret.origin), 'secrets', secret.destination, secret.name, 'from_file'], writable: false }]
        : [],
    ),
    ...(ws.buildContext ? [{ kind: 'build_context' as const, path: ws.buildContext, keyPath: ['workspaces', ws.name, 'build_context'], writable: false }] : []),
    ...(ws.dockerfile && !isUrl(ws.dockerfile) ? [{ kind: 'dockerfile' as const, path: ws.dockerfile, keyPath: ['workspaces', ws.name, 'dockerfile'], writable: false }] : []),
    ...(ws.base.dockerfile && !isUrl(ws.base.dockerfile) ? [{ kind: 'dockerfile' as const, path: ws.base.dockerfile, keyPath: ['base', 'dockerfile'], writable: false }] : []),
  ];
}

/** The folders of a workspace the agent can write: its paths and its read-write user mounts. */
export function agentWritableFolders(ws: Pick<ResolvedWorkspace, 'paths' | 'mounts'>): string[] {
  return [...ws.paths, ...ws.mounts.filter((mount) => mount.kind === 'bind' && !mount.readOnly).map((mount) => mount.host)];
}

/** The error code of a read refused because of where the file's links lead. */
export const LINK_REFUSED = 'PADDOCK_LINK_REFUSED';

/**
 * Reads a host file the agent may have tried to redirect: the real path is checked as above, opened
 * without following a final symlink, and the opened file must still be the one at that path after
 * the open (so swapping a folder for a link and back in between is caught too).
 */
export function readHostFile(file: string, agentWritable: readonly string[], home: string): Buffer {
  const real = realPathOf(file);
  if (real === null) throw Object.assign(new Error('it does not exist'), { code: 'ENOENT' });
  const problem = linkProblem(file, real, rootsOf(agentWritable, realPathOf), home, null);
  if (problem) throw Object.assign(new Error(problem), { code: LINK_REFUSED });
  const fd = fs.openSync(real, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) throw new Error('it is not a regular file');
    const now = fs.statSync(real);
    if (realPathOf(file) !== real || now.ino !== opened.ino || now.dev !== opened.dev) {
      throw new Error(`${displayPath(file, home)} changed while it was being read; Paddock refuses a source that moves under it`);
    }
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
