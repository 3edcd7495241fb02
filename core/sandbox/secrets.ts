import { Buffer } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pack as tarPack } from 'tar-stream';
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

/** The secrets as a tar for the container's /run/secrets, readable by UID 1000 only. */
export async function secretsArchive(values: Map<string, Buffer>): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  const owner = { uid: 1000, gid: 1000, mtime: new Date(0) };
  pack.entry({ name: 'run/secrets/', type: 'directory', mode: 0o500, ...owner });
  for (const [name, value] of values) pack.entry({ name: `run/secrets/${name}`, mode: 0o400, ...owner }, value);
  pack.finalize();
  return done;
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
