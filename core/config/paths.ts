import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

/** Where the config lives: `--config`, then `$PADDOCK_CONFIG`, then XDG, then `~/.config`. */
export function configFilePath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return path.resolve(explicit);
  if (env.PADDOCK_CONFIG) return path.resolve(env.PADDOCK_CONFIG);
  if (env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)) {
    return path.join(env.XDG_CONFIG_HOME, 'paddock', 'config.toml');
  }
  return path.join(homeDir(env), '.config', 'paddock', 'config.toml');
}

/** Per-user data (passwords, caches that must survive reboots), XDG-aware. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)) return path.join(env.XDG_DATA_HOME, 'paddock');
  return path.join(homeDir(env), '.local', 'share', 'paddock');
}

/** Per-user caches that can be thrown away (file hashes of build contexts), XDG-aware. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'paddock');
  return path.join(homeDir(env), '.cache', 'paddock');
}

export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}

/** Expands a leading `~` or `~/`; `~user` forms are left alone and later fail the absolute-path check. */
export function expandHome(value: string, home: string): string {
  if (value === '~') return home;
  if (value.startsWith('~/') || value.startsWith('~\\')) return path.join(home, value.slice(2));
  return value;
}

const windowsAbsolute = /^[A-Za-z]:[\\/]/;

/** Absolute on the host: POSIX absolute, or a Windows drive path (configs travel between machines). */
export function isAbsoluteHostPath(value: string): boolean {
  return value.startsWith('/') || windowsAbsolute.test(value);
}

/** True when `child` is `parent` or lies below it, comparing whole path segments. */
export function isSameOrUnder(child: string, parent: string): boolean {
  if (parent === '/') return child.startsWith('/');
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}

/** Normalizes a host path the way the engine will see it: `~` expanded, `..` resolved, no trailing slash. */
export function normalizeHostPath(value: string, home: string): string {
  const expanded = expandHome(value, home);
  if (windowsAbsolute.test(expanded)) return path.win32.normalize(expanded);
  const normalized = path.posix.normalize(expanded);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/** Shows a host path with the home folder folded back to `~`, for messages. */
export function displayPath(value: string, home: string): string {
  return isSameOrUnder(value, home) && home !== '/' ? `~${value.slice(home.length)}` : value;
}
