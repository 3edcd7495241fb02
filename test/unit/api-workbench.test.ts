import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../core/api/contract.ts';
import { createApi, type Api } from '../../core/api/handlers.ts';
import { DockerConnectionError } from '../../core/docker/connect.ts';
import { tempHome } from '../support/cli.ts';

// The workbench calls need no engine: an API whose engine never answers proves it.
const unavailable = () => Promise.reject(new DockerConnectionError([], 'Start Docker.'));

async function failure(promise: Promise<unknown>): Promise<ApiCallError> {
  const error = await promise.then(() => null, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(ApiCallError);
  return error as ApiCallError;
}

describe('the workbench calls: lint, detect, folders, the overlay file', () => {
  let sandbox: ReturnType<typeof tempHome>;
  let api: Api;
  let project: string;
  const CONFIG = (project: string) => `# my workspaces\n[workspaces.web]\npaths = ["${project}"]  # the app\nagent = "shell"\n`;

  beforeEach(() => {
    sandbox = tempHome();
    project = path.join(sandbox.home, 'projects', 'web');
    fs.mkdirSync(project, { recursive: true });
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, CONFIG(project));
    api = createApi({ configFile: sandbox.config, env: { HOME: sandbox.home }, home: sandbox.home, connect: unavailable });
  });

  afterEach(async () => {
    await api.close();
    sandbox.cleanup();
  });

  it('lints as paddock lint does, and says whether a finding blocks', async () => {
    const result = await api.call('lint.dockerfile', { text: 'FROM debian:12\nVOLUME /home/agent/work\n' });
    expect(result.blocking).toBe(true);
    expect(result.diagnostics.map((d) => [d.rule, d.line])).toEqual([['overlay/from-base', 1], ['overlay/volume', 2]]);
    expect((await api.call('lint.dockerfile', { text: 'FROM ${BASE}\nENV EDITOR=vim\n' })).blocking).toBe(false);
  });

  it('detects a project\'s stack and proposes an overlay that lints clean', async () => {
    fs.writeFileSync(path.join(project, 'requirements.txt'), 'psycopg2==2.9.9\n');
    const { stack, overlay } = await api.call('onboarding.detect', { dir: project });
    expect(stack.languages.map((language) => language.language)).toEqual(['python']);
    expect(stack.systemPackages.map((pkg) => pkg.name)).toContain('libpq-dev');
    expect((await api.call('lint.dockerfile', { text: overlay })).blocking).toBe(false);
    expect((await failure(api.call('onboarding.detect', { dir: path.join(project, 'nope') }))).code).toBe('not-found');
  });

  it('lists folders, hidden ones left out, each saying whether it can be a workspace path', async () => {
    fs.mkdirSync(path.join(sandbox.home, '.ssh'), { recursive: true });
    const home = await api.call('files.listDirectories', {});
    expect(home.dir).toBe(sandbox.home);
    expect(home.entries.map((entry) => entry.name)).toContain('projects');
    expect(home.entries.map((entry) => entry.name)).not.toContain('.ssh');
    // Home contains ~/.ssh, so home itself may not be a workspace path; a project below it may.
    expect(home.forbidden).toMatch(/\.ssh/);
    const projects = await api.call('files.listDirectories', { dir: path.join(sandbox.home, 'projects') });
    expect(projects.entries).toEqual([{ name: 'web', path: project, forbidden: null }]);
    expect(projects.parent).toBe(sandbox.home);
    expect((await api.call('files.listDirectories', { dir: '/etc' })).forbidden).toMatch(/system state/);
    expect((await failure(api.call('files.listDirectories', { dir: path.join(sandbox.home, 'missing') }))).code).toBe('not-found');
  });

  it('writes a new overlay beside the config and points the workspace at it, keeping the config\'s comments', async () => {
    const fresh = await api.call('overlay.read', { workspace: 'web' });
    expect(fresh).toMatchObject({ configured: false, exists: false, text: '', path: path.join(path.dirname(sandbox.config), 'overlays', 'web.Dockerfile') });
    const saved = await api.call('overlay.write', { workspace: 'web', text: 'ARG BASE\nFROM ${BASE}\nRUN echo hi\n', baseHash: fresh.hash });
    expect(saved).toMatchObject({ configured: true, exists: true });
    expect(fs.readFileSync(fresh.path, 'utf8')).toBe('ARG BASE\nFROM ${BASE}\nRUN echo hi\n');
    const config = fs.readFileSync(sandbox.config, 'utf8');
    expect(config).toContain('# my workspaces');
    expect(config).toContain('# the app');
    expect(config).toContain(`dockerfile = "${fresh.path}"`);
    expect((await api.call('overlay.read', { workspace: 'web' })).configured).toBe(true);
  });

  it('saves nothing while a fatal finding remains, and nothing over a file changed meanwhile', async () => {
    const fresh = await api.call('overlay.read', { workspace: 'web' });
    const fatal = await failure(api.call('overlay.write', { workspace: 'web', text: 'FROM ${BASE}\nRUN userdel agent\n', baseHash: fresh.hash }));
    expect(fatal.code).toBe('lint-fatal');
    expect(fs.existsSync(fresh.path)).toBe(false);
    expect(fs.readFileSync(sandbox.config, 'utf8')).toBe(CONFIG(project));
    await api.call('overlay.write', { workspace: 'web', text: 'FROM ${BASE}\n', baseHash: fresh.hash });
    fs.writeFileSync(fresh.path, 'FROM ${BASE}\nRUN echo someone else\n');
    const conflict = await failure(api.call('overlay.write', { workspace: 'web', text: 'FROM ${BASE}\nRUN echo mine\n', baseHash: fresh.hash }));
    expect(conflict.code).toBe('config-conflict');
    expect(fs.readFileSync(fresh.path, 'utf8')).toBe('FROM ${BASE}\nRUN echo someone else\n');
  });

  describe('writes only Dockerfiles, only in a workspace path or Paddock\'s folders, never through a link', () => {
    const TEXT = 'ARG BASE\nFROM ${BASE}\nRUN echo "ssh-ed25519 AAAA attacker"\n';
    const pointAt = (file: string) => fs.writeFileSync(sandbox.config, `${CONFIG(project)}dockerfile = "${file}"\n`);
    async function attempt(): Promise<ApiCallError> {
      const fresh = await api.call('overlay.read', { workspace: 'web' });
      return failure(api.call('overlay.write', { workspace: 'web', text: TEXT, baseHash: fresh.hash }));
    }

    it('refuses a config that points dockerfile at ~/.ssh/authorized_keys, so nothing can be written there', async () => {
      fs.mkdirSync(path.join(sandbox.home, '.ssh'));
      fs.writeFileSync(path.join(sandbox.home, '.ssh', 'authorized_keys'), 'ssh-ed25519 BBBB me\n');
      const snapshot = await api.call('config.read', {});
      const refused = await failure(api.call('config.save', { baseHash: snapshot.hash, edits: [{ op: 'set', path: ['workspaces', 'web', 'dockerfile'], value: '~/.ssh/authorized_keys' }] }));
      expect(refused.message).toMatch(/~\/\.ssh holds host secrets/);
      expect(fs.readFileSync(path.join(sandbox.home, '.ssh', 'authorized_keys'), 'utf8')).toBe('ssh-ed25519 BBBB me\n');
    });

    it('refuses a file that is not a Dockerfile, or lies outside the workspace paths and Paddock\'s folders', async () => {
      pointAt(path.join(project, '.git', 'hooks', 'pre-commit'));
      expect((await attempt()).message).toMatch(/pre-commit is not a Dockerfile/);
      fs.mkdirSync(path.join(sandbox.home, 'elsewhere'));
      pointAt(path.join(sandbox.home, 'elsewhere', 'app.Dockerfile'));
      expect((await attempt()).message).toMatch(/not in one of the workspace's paths or Paddock's own folders/);
      expect(fs.existsSync(path.join(project, '.git'))).toBe(false);
      expect(fs.existsSync(path.join(sandbox.home, 'elsewhere', 'app.Dockerfile'))).toBe(false);
    });

    it('refuses a Dockerfile that is a symlink, or lies behind one, and leaves the target alone', async () => {
      const target = path.join(sandbox.home, 'elsewhere', 'victim.Dockerfile');
      fs.mkdirSync(path.dirname(target));
      fs.writeFileSync(target, 'FROM scratch\n');
      pointAt(path.join(project, 'Dockerfile'));
      const fresh = await api.call('overlay.read', { workspace: 'web' });
      fs.symlinkSync(target, path.join(project, 'Dockerfile'));
      const linked = await failure(api.call('overlay.write', { workspace: 'web', text: TEXT, baseHash: fresh.hash }));
      expect(linked.message).toMatch(/symlink/);
      fs.rmSync(path.join(project, 'Dockerfile'));
      fs.symlinkSync(path.dirname(target), path.join(project, 'docker'));
      fs.writeFileSync(sandbox.config, `${CONFIG(project)}dockerfile = "${project}/docker/victim.Dockerfile"\n`);
      const behind = await failure(api.call('overlay.write', { workspace: 'web', text: TEXT, baseHash: (await api.call('overlay.read', { workspace: 'web' }).catch(() => fresh)).hash }));
      expect(behind.message).toMatch(/symlink/);
      expect(fs.readFileSync(target, 'utf8')).toBe('FROM scratch\n');
    });

    it('still writes a Dockerfile in the project', async () => {
      pointAt(path.join(project, 'Dockerfile'));
      const fresh = await api.call('overlay.read', { workspace: 'web' });
      await api.call('overlay.write', { workspace: 'web', text: TEXT, baseHash: fresh.hash });
      expect(fs.readFileSync(path.join(project, 'Dockerfile'), 'utf8')).toBe(TEXT);
    });
  });
});
