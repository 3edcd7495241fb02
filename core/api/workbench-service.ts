import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/edit.ts';
import { ConfigConflictError } from '../config/errors.ts';
import { displayPath } from '../config/paths.ts';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { hostSourceProblem, workspacePathConflict } from '../config/rules.ts';
import type { HostView } from '../config/schema.ts';
import { BLOCKING, lintDockerfile, type Diagnostic } from '../lint/index.ts';
import { textHash } from './config-service.ts';
import { apiError } from './errors.ts';

/** Where the overlay of a workspace that names none goes: beside the config, one file per workspace. */
export function defaultOverlayPath(configFile: string, workspace: string): string {
  return path.join(path.dirname(configFile), 'overlays', `${workspace}.Dockerfile`);
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

/**
 * Saves an overlay: refused while the linter finds something fatal (it would not build or would
 * break the sandbox), and refused when the file changed since the client read it (`baseHash`).
 */
export function writeOverlay(file: string, text: string, baseHash: string, ws: Pick<ResolvedWorkspace, 'paths'>): { hash: string; diagnostics: Diagnostic[] } {
  const diagnostics = lintDockerfile(text, { workspacePaths: ws.paths });
  const fatal = diagnostics.filter((diagnostic) => diagnostic.severity === 'fatal');
  if (fatal.length) {
    throw apiError('lint-fatal', `the Dockerfile is not saved: ${fatal.map((d) => `line ${d.line}: ${d.message}`).join(' ')}`, { diagnostics: fatal });
  }
  let current: string | null = null;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (textHash(current ?? '') !== baseHash) throw new ConfigConflictError(file);
  writeFileAtomic(file, text, current ?? undefined);
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
