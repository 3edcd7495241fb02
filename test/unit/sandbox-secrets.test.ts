import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { SecretModel } from '../../core/compose/model.ts';
import { composeSecretsDir, ensurePassword, readSecretValues, SecretSourceError, secretsArchive, writeComposeSecretFiles } from '../../core/sandbox/secrets.ts';

const tempDirs: string[] = [];

afterEach(() => {
  for (const dir of tempDirs.splice(0)) {
    fs.chmodSync(dir, 0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-secrets-test-'));
  tempDirs.push(dir);
  return dir;
}

function envSecret(name: string, variable: string, asEnv = true): SecretModel {
  return { name, source: { kind: 'env', variable }, asEnv };
}

function fileSecret(name: string, file: string, asEnv = false): SecretModel {
  return { name, source: { kind: 'file', path: file }, asEnv };
}

function text(values: Map<string, Buffer>): Record<string, string> {
  return Object.fromEntries([...values].map(([name, value]) => [name, value.toString('utf8')]));
}

describe('readSecretValues', () => {
  it('reads env secrets from the host environment, without trailing newlines', () => {
    const values = readSecretValues([envSecret('API_KEY', 'HOST_API_KEY'), envSecret('TOKEN', 'HOST_TOKEN')], {
      HOST_API_KEY: 'sk-$HOME\n\n',
      HOST_TOKEN: 'line1\nline2\r\n',
    });
    expect(text(values)).toEqual({ API_KEY: 'sk-$HOME', TOKEN: 'line1\nline2\r' });
  });

  it('reads env-destined file secrets without trailing newlines', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'gh'), 'ghp_abc\n');
    const values = readSecretValues([fileSecret('GH_TOKEN', path.join(dir, 'gh'), true)], {});
    expect(text(values)).toEqual({ GH_TOKEN: 'ghp_abc' });
  });

  it('reads the generated password like an env secret', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'pw'), 'a'.repeat(64));
    const values = readSecretValues([{ name: 'OPENCODE_SERVER_PASSWORD', source: { kind: 'generated', path: path.join(dir, 'pw') }, asEnv: true }], {});
    expect(text(values)).toEqual({ OPENCODE_SERVER_PASSWORD: 'a'.repeat(64) });
  });

  it('keeps file secrets byte for byte', () => {
    const dir = tempDir();
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x24, 0x48, 0x0d, 0x0a, 0x0a]);
    fs.writeFileSync(path.join(dir, 'key.bin'), bytes);
    const pem = '-----BEGIN KEY-----\nabc\n-----END KEY-----\n\n';
    fs.writeFileSync(path.join(dir, 'cert.pem'), pem);
    const values = readSecretValues([fileSecret('key', path.join(dir, 'key.bin')), fileSecret('cert', path.join(dir, 'cert.pem'))], {});
    expect(values.get('key')).toEqual(bytes);
    expect(values.get('cert')?.toString('utf8')).toBe(pem);
  });

  it('keeps a file secret that comes from a host variable byte for byte', () => {
    const values = readSecretValues([envSecret('npmrc', 'HOST_NPMRC', false)], { HOST_NPMRC: '//registry/:_authToken=x\n' });
    expect(values.get('npmrc')?.toString('utf8')).toBe('//registry/:_authToken=x\n');
  });

  it('reports every missing source in one SecretSourceError', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'present'), 'ok');
    fs.mkdirSync(path.join(dir, 'folder'));
    const secrets = [
      envSecret('UNSET', 'HOST_UNSET'),
      envSecret('EMPTY', 'HOST_EMPTY'),
      envSecret('FINE', 'HOST_FINE'),
      fileSecret('missing', path.join(dir, 'missing')),
      fileSecret('folder', path.join(dir, 'folder')),
      fileSecret('present', path.join(dir, 'present')),
    ];
    let caught: unknown;
    try {
      readSecretValues(secrets, { HOST_EMPTY: '', HOST_FINE: 'yes' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SecretSourceError);
    const error = caught as SecretSourceError;
    expect(error.code).toBe('SECRET_SOURCE');
    expect(error.name).toBe('SecretSourceError');
    expect(error.message).toMatch(/secret UNSET\b.*HOST_UNSET/);
    expect(error.message).toMatch(/secret EMPTY\b.*HOST_EMPTY/);
    expect(error.message).toMatch(new RegExp(`secret missing\\b.*${path.join(dir, 'missing')}.*does not exist`));
    expect(error.message).toMatch(new RegExp(`secret folder\\b.*${path.join(dir, 'folder')}`));
    expect(error.message).not.toContain('FINE');
    expect(error.message).not.toMatch(/secret present\b/);
    expect(error.message).not.toContain('yes');
    expect(error.message).toContain('Nothing was started');
  });

  // Root reads any file whatever its mode, so this only means something for a normal user.
  it.skipIf(process.getuid?.() === 0)('reports an unreadable file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'locked');
    fs.writeFileSync(file, 'x', { mode: 0o000 });
    expect(() => readSecretValues([fileSecret('locked', file)], {})).toThrow(SecretSourceError);
  });

  it('returns an empty map for no secrets', () => {
    expect(readSecretValues([], {}).size).toBe(0);
  });
});

interface Entry {
  header: Header;
  body: Buffer;
}

async function untar(archive: Buffer): Promise<Entry[]> {
  const entries: Entry[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', () => resolve());
    ex.on('error', reject);
  });
  ex.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    body.on('end', () => {
      entries.push({ header, body: Buffer.concat(chunks) });
      next();
    });
  });
  Readable.from([archive]).pipe(ex as unknown as NodeJS.WritableStream);
  await done;
  return entries;
}

describe('secretsArchive', () => {
  const binary = Buffer.from([0x00, 0x01, 0xff, 0x0a]);

  it('holds run/secrets/ (0500) and each secret (0400), owned by 1000:1000, byte for byte', async () => {
    const archive = await secretsArchive(new Map([['API_KEY', Buffer.from('sk-$HOME')], ['cert', binary]]));
    const entries = await untar(archive);
    expect(entries.map((entry) => entry.header.name)).toEqual(['run/secrets/', 'run/secrets/API_KEY', 'run/secrets/cert']);
    const [dir, key, cert] = entries;
    expect(dir!.header.type).toBe('directory');
    expect(dir!.header.mode & 0o7777).toBe(0o500);
    for (const file of [key!, cert!]) {
      expect(file.header.type).toBe('file');
      expect(file.header.mode & 0o7777).toBe(0o400);
    }
    for (const entry of entries) {
      expect(entry.header.uid).toBe(1000);
      expect(entry.header.gid).toBe(1000);
    }
    expect(key!.body.toString('utf8')).toBe('sk-$HOME');
    expect(cert!.body).toEqual(binary);
  });

  it('is a tar that GNU tar lists the same way', async () => {
    const archive = await secretsArchive(new Map([['TOKEN', Buffer.from('value')]]));
    const listing = spawnSync('tar', ['--numeric-owner', '-tvf', '-'], { input: archive, encoding: 'utf8' });
    expect(listing.status).toBe(0);
    const lines = listing.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^dr-x------ 1000\/1000 .* run\/secrets\/$/);
    expect(lines[1]).toMatch(/^-r-------- 1000\/1000 +5 .* run\/secrets\/TOKEN$/);
  });

  it('holds just the folder when there are no secrets', async () => {
    const entries = await untar(await secretsArchive(new Map()));
    expect(entries.map((entry) => entry.header.name)).toEqual(['run/secrets/']);
  });

  it('carries no timestamps that would vary between runs', async () => {
    const values = new Map([['A', Buffer.from('1')]]);
    const first = await secretsArchive(values);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await secretsArchive(values)).equals(first)).toBe(true);
  });
});

describe('ensurePassword', () => {
  it('creates a 64-hex-character password, 0600 in a 0700 folder, and returns its path', () => {
    const dataDir = path.join(tempDir(), 'data');
    const file = ensurePassword(dataDir, 'web');
    expect(file).toBe(path.join(dataDir, 'workspaces', 'web', 'opencode-password'));
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, 'workspaces')).mode & 0o777).toBe(0o700);
  });

  it('keeps the password on later calls', () => {
    const dataDir = tempDir();
    const file = ensurePassword(dataDir, 'web');
    const password = fs.readFileSync(file, 'utf8');
    expect(ensurePassword(dataDir, 'web')).toBe(file);
    expect(ensurePassword(dataDir, 'web')).toBe(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(password);
  });

  it('gives each workspace its own password', () => {
    const dataDir = tempDir();
    const web = fs.readFileSync(ensurePassword(dataDir, 'web'), 'utf8');
    const api = fs.readFileSync(ensurePassword(dataDir, 'api'), 'utf8');
    expect(web).not.toBe(api);
  });

  it('keeps a password file that already exists', () => {
    const dataDir = tempDir();
    const folder = path.join(dataDir, 'workspaces', 'web');
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(folder, 'opencode-password'), 'chosen-by-the-user', { mode: 0o600 });
    expect(fs.readFileSync(ensurePassword(dataDir, 'web'), 'utf8')).toBe('chosen-by-the-user');
  });
});

describe('writeComposeSecretFiles', () => {
  it('writes the value of each secret taken from a host variable to a file in a 0700 folder, and nothing else', () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-compose-secrets-'));
    try {
      const files = writeComposeSecretFiles([envSecret('API_KEY', 'HOST_API_KEY'), fileSecret('cert', '/somewhere/cert.pem')], { HOST_API_KEY: 'sk-1\n' }, data, 'web');
      const folder = composeSecretsDir(data, 'web');
      expect([...files]).toEqual([['API_KEY', path.join(folder, 'API_KEY')]]);
      expect(fs.readFileSync(path.join(folder, 'API_KEY'), 'utf8')).toBe('sk-1');
      expect(fs.statSync(folder).mode & 0o777).toBe(0o700);
      expect(fs.readdirSync(folder)).toEqual(['API_KEY']);
      expect(() => writeComposeSecretFiles([envSecret('API_KEY', 'HOST_UNSET')], {}, data, 'web')).toThrow(/HOST_UNSET is not set/);
    } finally {
      fs.rmSync(data, { recursive: true, force: true });
    }
  });
});
