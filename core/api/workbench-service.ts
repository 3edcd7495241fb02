import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigConflictError } from '../config/errors.ts';
import { realPathOf } from '../config/host-sources.ts';
import { displayPath, isSameOrUnder } from '../config/paths.ts';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { hostSourceProblem, workspacePathConflict } from '../config/rules.ts';
import type { HostView } from '../config/schema.ts';
import { BLOCKING, lintDockerfile, type Diagnostic } from '../lint/index.ts';
import { textHash } from './config-service.ts';
import { apiError } from './errors.ts';

/** Paddock's folder for the overlays of workspaces that name none: beside the config. */
export function overlaysFolder(configFile: string): string {
  return path.join(path.dirname(configFile), 'overlays');
}

/** Where the overlay of a workspace that names none goes: one file per workspace. */
export function defaultOverlayPath(configFile: string, workspace: string): string {
  return path.join(overlaysFolder(configFile), `${workspace}.Dockerfile`);
}

export interface OverlayFile {
  path: string;
  /** The workspace's config names this file (`dockerfile`); false: where a new overlay would go. */
  configured: boolean;
  exists: boolean;
  text: string;
  hash: string;
  /** Its build context, for the linter's and the user's information. */
  context: string;
}

/** The overlay Dockerfile a workspace uses, or where one for it would go. URLs are read-only elsewhere. */
export function readOverlay(configFile: string, ws: ResolvedWorkspace): OverlayFile {
  if (ws.dockerfile && /^https?:\/\//i.test(ws.dockerfile)) {
    throw apiError('invalid-input', `workspace "${ws.name}" builds its overlay from ${ws.dockerfile}, a URL: edit it where it lives, or point dockerfile at a local file`);
  }
  const file = ws.dockerfile ?? defaultOverlayPath(configFile, ws.name);
  let text = '';
  let exists = false;
  try {
    text = fs.readFileSync(file, 'utf8');
    exists = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { path: file, configured: ws.dockerfile !== null, exists, text, hash: textHash(text), context: ws.buildContext ?? path.dirname(file) };
}

/** A Dockerfile by its name: `Dockerfile`, `Containerfile`, `<name>.Dockerfile`, `Dockerfile.<name>`. */
const DOCKERFILE_NAME = /^(?:(?:Dockerfile|Containerfile)(?:\..+)?|.+\.(?:Dockerfile|Containerfile))$/i;

/**
 * Why the API may not write this file, or null. It writes Dockerfiles only, only in a workspace
 * path or one of Paddock's own folders (`allowed`), and never through a symlink: the file must not
 * be one, and no folder below the allowed one on the way to it may be one (the agent can plant
 * links in a workspace path). A config pointed at `~/.ssh/authorized_keys` gets nothing written.
 */
export function overlayWriteProblem(file: string, allowed: readonly string[], home: string): string | null {
  const shown = displayPath(file, home);
  if (!DOCKERFILE_NAME.test(path.basename(file))) {
    return `${shown} is not a Dockerfile (its name must be Dockerfile, Containerfile, <name>.Dockerfile or Dockerfile.<name>); Paddock writes nothing else`;
  }
  const root = allowed.find((folder) => isSameOrUnder(file, folder));
  if (!root) return `${shown} is not in one of the workspace's paths or Paddock's own folders, the only places Paddock writes a Dockerfile`;
  const rootReal = realPathOf(root) ?? root;
  for (let folder = path.dirname(file); isSameOrUnder(folder, root); folder = path.dirname(folder)) {
    const real = realPathOf(folder);
    if (real === null) continue;
    if (real !== rootReal + folder.slice(root.length)) return `${shown} lies behind a symlink (${displayPath(folder, home)} leads to ${displayPath(real, home)}); Paddock writes through no link`;
    break;
  }
  let stat: fs.Stats | null = null;
  try {
    stat = fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (stat?.isSymbolicLink()) return `${shown} is a symlink; Paddock writes through no link: replace it with the file itself`;
  if (stat && !stat.isFile()) return `${shown} is not a regular file`;
  return null;
}

/** Writes via a temp file renamed over the name, so a link swapped in meanwhile is replaced, never followed. */
function writeNoFollow(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(temp, text, { flag: 'wx', mode: 0o644 });
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/** The current text of a file that must not be a symlink (checked by overlayWriteProblem), or null. */
function readNoFollow(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Saves an overlay: refused outside the places overlayWriteProblem allows, while the linter finds
 * something fatal (it would not build or would break the sandbox), and when the file changed since
 * the client read it (`baseHash`).
 */
export function writeOverlay(
  file: string,
  text: string,
  baseHash: string,
  ws: Pick<ResolvedWorkspace, 'paths'>,
  place: { paddockFolders: readonly string[]; home: string },
): { hash: string; diagnostics: Diagnostic[] } {
  const refused = overlayWriteProblem(file, [...ws.paths, ...place.paddockFolders], place.home);
  if (refused) throw apiError('invalid-input', `the Dockerfile is not saved: ${refused}`);
  const diagnostics = lintDockerfile(text, { workspacePaths: ws.paths });
  const fatal = diagnostics.filter((diagnostic) => diagnostic.severity === 'fatal');
  if (fatal.length) {
    throw apiError('lint-fatal', `the Dockerfile is not saved: ${fatal.map((d) => `line ${d.line}: ${d.message}`).join(' ')}`, { diagnostics: fatal });
  }
  const current = readNoFollow(file);
  if (textHash(current ?? '') !== baseHash) throw new ConfigConflictError(file);
  writeNoFollow(file, text);
  return { hash: textHash(text), diagnostics };
}

export function blocking(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => BLOCKING.has(diagnostic.severity));
}

export interface DirectoryListing {
  dir: string;
  display: string;
  parent: string | null;
  entries: Array<{ name: string; path: string; forbidden: string | null }>;
  /** Why this folder itself cannot be a workspace path, or null. */
  forbidden: string | null;
}

const MAX_ENTRIES = 500;

/**
 * The folders in a folder, for picking a project in browser mode (Electron has its own dialog).
 * Hidden folders are left out; each says whether it could be a workspace path at all.
 */
export function listDirectories(dir: string | undefined, host: HostView): DirectoryListing {
  const target = path.resolve(dir ?? host.home);
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(target, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw apiError(code === 'ENOENT' ? 'not-found' : 'invalid-input', `${displayPath(target, host.home)} cannot be listed: ${code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`);
  }
  const entries = names
    .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(path.join(target, entry.name)))))
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b))
    .slice(0, MAX_ENTRIES)
    .map((name) => {
      const full = path.join(target, name);
      return { name, path: full, forbidden: forbiddenReason(full, host) };
    });
  const parent = path.dirname(target);
  return { dir: target, display: displayPath(target, host.home), parent: parent === target ? null : parent, entries, forbidden: forbiddenReason(target, host) };
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** The config engine's own rules for workspace paths, so the picker and a save agree. */
function forbiddenReason(dir: string, host: HostView): string | null {
  const problem = hostSourceProblem(dir, host.home);
  if (problem) return problem;
  const conflict = workspacePathConflict(dir);
  return conflict ? `it is mounted at the same path inside the container, where it would hide ${conflict}` : null;
}
