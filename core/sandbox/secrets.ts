import { Buffer } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tarArchive } from '../docker/archive.ts';
import type { SecretModel } from '../compose/model.ts';
import { readHostFile } from '../config/host-sources.ts';

/** A secret whose source is missing: reported before anything is created. */
export class SecretSourceError extends Error {
  override readonly name = 'SecretSourceError';
  readonly code = 'SECRET_SOURCE';
}

/**
 * Reads every secret's value from its source, or throws naming each one that cannot be read. Files
 * in `agentWritable` folders are read without following any symlink the agent could have planted.
 */
export function readSecretValues(
  secrets: SecretModel[],
  env: NodeJS.ProcessEnv,
  { agentWritable = [], home = '' }: { agentWritable?: readonly string[]; home?: string } = {},
): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  const problems: string[] = [];
  for (const secret of secrets) {
    const { source } = secret;
    if (source.kind === 'env') {
      const value = env[source.variable];
      if (!value) problems.push(`secret ${secret.name}: the host variable ${source.variable} is not set (or empty)`);
      else values.set(secret.name, Buffer.from(secret.asEnv ? value.replace(/\n+$/, '') : value));
      continue;
    }
    try {
      const content = source.kind === 'generated' ? fs.readFileSync(source.path) : readHostFile(source.path, agentWritable, home);
      values.set(secret.name, secret.asEnv ? Buffer.from(content.toString('utf8').replace(/\n+$/, '')) : content);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
      problems.push(`secret ${secret.name}: cannot read ${source.path}: ${reason}`);
    }
  }
  if (problems.length) throw new SecretSourceError(`${problems.join('\n')}\nNothing was started.`);
  return values;
}

/** The secrets as a tar for the container's /run/secrets, readable by the agent's UID only. */
export function secretsArchive(values: Map<string, Buffer>, agent: { uid: number; gid: number } = { uid: 1000, gid: 1000 }): Promise<Buffer> {
  const owner = { uid: agent.uid, gid: agent.gid, mtime: new Date(0) };
  return tarArchive([
    { header: { name: 'run/secrets/', type: 'directory', mode: 0o500, ...owner } },
    ...[...values].map(([name, value]) => ({ header: { name: `run/secrets/${name}`, mode: 0o400, ...owner }, body: value })),
  ]);
}

/** Where the workspace's OpenCode server password is kept. */
export function passwordPath(dataDir: string, workspace: string): string {
  return path.join(dataDir, 'workspaces', workspace, 'opencode-password');
}

/** The workspace's OpenCode server password: generated once, kept 0600 in the user's data folder. */
export function ensurePassword(dataDir: string, workspace: string): string {
  const file = passwordPath(dataDir, workspace);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return file;
}

/** Where `paddock compose` keeps the values of secrets taken from host variables, for Compose to mount. */
export function composeSecretsDir(dataDir: string, workspace: string): string {
  return path.join(dataDir, 'workspaces', workspace, 'compose-secrets');
}

/**
 * Writes the value of every secret taken from a host variable to a file, so the exported Compose
 * file can give it as a Compose secret (a file under /run/secrets, which the agent's wrapper
 * exports) instead of an environment entry that `docker inspect` shows. The folder is 0700; the
 * files are readable through their mount only, where UID 1000 must read them. Returns name → file.
 */
export function writeComposeSecretFiles(secrets: SecretModel[], env: NodeJS.ProcessEnv, dataDir: string, workspace: string): Map<string, string> {
  const fromVariables = secrets.filter((secret) => secret.source.kind === 'env');
  const values = readSecretValues(fromVariables, env);
  const dir = composeSecretsDir(dataDir, workspace);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const files = new Map<string, string>();
  for (const [name, value] of values) {
    const file = path.join(dir, name);
    fs.rmSync(file, { force: true });
    fs.writeFileSync(file, value, { flag: 'wx', mode: 0o644 });
    files.set(name, file);
  }
  return files;
}
