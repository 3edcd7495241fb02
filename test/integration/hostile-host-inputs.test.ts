import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApi } from '../../core/api/handlers.ts';
import { down, up, type UpResult } from '../../core/compose/launcher.ts';
import { ConfigError } from '../../core/config/errors.ts';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace, type ResolvedWorkspace } from '../../core/config/resolve.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { runCli, tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import { inAgentOf } from '../support/workspace.ts';

/**
 * The agent attacks the host through what lies around its container: files and folders it can
 * write that the host later mounts, reads, runs or loads. Every attack runs from inside a real
 * workspace, as UID 1000, against fake secrets in a throwaway HOME.
 */
describeWithDocker('hostile agent: host-side inputs', () => {
  let docker: Docker;
  let sandbox: ReturnType<typeof tempHome>;
  const id = crypto.randomBytes(3).toString('hex');
  const workspaces: string[] = [];
  let home: string;
  const FAKE_KEY = `FAKE-SSH-KEY-${id}`;
  const FAKE_AWS = `FAKE-AWS-SECRET-${id}`;

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
    sandbox = tempHome();
    home = sandbox.home;
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), `${FAKE_KEY}\n`, { mode: 0o600 });
    fs.mkdirSync(path.join(home, '.aws'));
    fs.writeFileSync(path.join(home, '.aws', 'credentials'), `AWS_SECRET=${FAKE_AWS}\n`);
  });

  afterAll(async () => {
    for (const name of workspaces) await down(name, { docker, dataDir: path.join(home, 'data'), volumes: true }).catch(() => undefined);
    sandbox?.cleanup();
  });

  /** A project folder the agent (UID 1000) owns, as a user's project would be from its view. */
  function project(name: string, files: Record<string, string> = {}): string {
    const dir = path.join(home, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    execFileSync('chown', ['-R', '1000:1000', dir]);
    return dir;
  }

  function configText(name: string, dir: string, extra = ''): string {
    return `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.${name}]\npaths = ["${dir}"]\nagent = "shell"\n${extra}`;
  }

  function resolve(name: string, text: string): ResolvedWorkspace {
    const host = nodeHost(home);
    return resolveWorkspace(validateConfigText(text, 'test.toml', host).config, name, host);
  }

  function start(ws: ResolvedWorkspace): Promise<UpResult> {
    if (!workspaces.includes(ws.name)) workspaces.push(ws.name);
    return up(ws, { docker, cacheDir: path.join(home, 'cache'), dataDir: path.join(home, 'data'), home, env: process.env, exists: (file) => fs.existsSync(file) });
  }

  const inAgent = (name: string, script: string) => inAgentOf(docker, name, script, '1000:1000');

  /** Everything Docker knows about the workspace's containers, as one text to search for leaks. */
  async function inspectAll(name: string): Promise<string> {
    const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dev.paddock.workspace=${name}`] }) });
    return JSON.stringify(await Promise.all(containers.map((info) => docker.getContainer(info.Id).inspect())));
  }

  it('13.2: swapping a mount source, a secret file and an env file for symlinks to host secrets gets nothing mounted or read', async () => {
    const name = `hs-${id}`;
    const dir = project(name, { 'data/ok.txt': 'data-ok\n', '.npmrc': 'npm-ok\n', '.env': 'FROM_ENV=env-ok\n' });
    const sources = `mounts = ["${dir}/data:/home/agent/data:rw"]\nenv_file = ["${dir}/.env"]\n[workspaces.${name}.secrets.file.npmrc]\nfrom_file = "${dir}/.npmrc"\n`;
    // The user must say that these may lie where the agent can write them.
    const unconfirmed = (() => {
      try {
        validateConfigText(configText(name, dir, sources), 'test.toml', nodeHost(home));
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(unconfirmed).toBeInstanceOf(ConfigError);
    expect((unconfirmed as ConfigError).issues.map((issue) => issue.message).join('\n')).toMatch(/agent_writable_sources/);

    const text = configText(name, dir, `agent_writable_sources = ["${dir}/data", "${dir}/.npmrc", "${dir}/.env"]\n${sources}`);
    const configFile = path.join(home, `${name}.toml`);
    fs.writeFileSync(configFile, text);
    const ws = resolve(name, text);
    await start(ws);
    const before = await inAgent(name, 'cat /home/agent/data/ok.txt /run/secrets/npmrc');
    expect(before.output).toBe('data-ok\nnpm-ok\n');

    // The agent swaps each source for a symlink to a host secret; the host follows links, the
    // container does not see these targets at all.
    const attack = await inAgent(
      name,
      `cd ${dir} && mv data data.orig && ln -s ${home}/.ssh data && rm .npmrc && ln -s ${home}/.ssh/id_rsa .npmrc && rm .env && ln -s ${home}/.aws/credentials .env && ls -l`,
    );
    expect(attack.code).toBe(0);

    // `paddock restart` (down, then up) refuses, saying which link and why.
    const restart = await runCli('node', ['--config', configFile, 'restart', name], { home });
    expect(restart.code).not.toBe(0);
    expect(restart.stderr).toMatch(/passes through a symlink inside/);
    expect(restart.stderr).toContain(`${dir}/data`.replace(home, '~'));

    // up itself checks again, whatever was checked before (a swap after loading the config).
    const direct = await start(ws).catch((error: Error) => error);
    expect(direct).toBeInstanceOf(Error);
    expect((direct as Error).message).toMatch(/passes through a symlink inside/);
    expect((direct as Error).message).toMatch(/Nothing was started/);

    const leaked = await inspectAll(name);
    expect(leaked).not.toContain(`${home}/.ssh`);
    expect(leaked).not.toContain(FAKE_AWS);
    const running = await docker.listContainers({ filters: JSON.stringify({ label: [`dev.paddock.workspace=${name}`] }) });
    for (const container of running) {
      const view = await inAgent(name, 'cat /home/agent/data/id_rsa /run/secrets/npmrc 2>&1; env');
      expect(view.output, container.Id).not.toContain(FAKE_KEY);
      expect(view.output).not.toContain(FAKE_AWS);
    }
  }, 600_000);
  it('13.1: what the agent writes to its OpenCode config, binary folder and transcripts never reaches the host', async () => {
    const name = `ha-${id}`;
    const hostFiles = {
      '.config/opencode/opencode.json': '{"host": true}\n',
      '.opencode/bin/opencode': '#!/bin/sh\necho host-opencode\n',
      '.claude/transcripts/t.jsonl': '{"host": 1}\n',
    };
    for (const [file, text] of Object.entries(hostFiles)) {
      fs.mkdirSync(path.dirname(path.join(home, file)), { recursive: true });
      fs.writeFileSync(path.join(home, file), text, { mode: 0o755 });
    }
    // Owned by the agent's UID, as a host user's files are on a Linux machine where that user is 1000.
    execFileSync('chown', ['-R', '1000:1000', path.join(home, '.config'), path.join(home, '.opencode'), path.join(home, '.claude')]);
    // A link in the host's folder is copied as a link, never as what it points to.
    fs.symlinkSync(path.join(home, '.ssh', 'id_rsa'), path.join(home, '.config', 'opencode', 'key'));
    const text = configText(name, project(name));
    await start(resolve(name, text));
    const seen = await inAgent(name, 'cat ~/.config/opencode/opencode.json ~/.opencode/bin/opencode ~/.claude/transcripts/t.jsonl; cat ~/.config/opencode/key 2>&1');
    expect(seen.output).toContain('{"host": true}\n#!/bin/sh\necho host-opencode\n{"host": 1}\n');
    expect(seen.output).not.toContain(FAKE_KEY);

    const attack = await inAgent(
      name,
      'printf "#!/bin/sh\\necho planted\\n" > ~/.opencode/bin/opencode && mkdir -p ~/.config/opencode/plugin && echo "planted()" > ~/.config/opencode/plugin/x.js && echo planted >> ~/.claude/transcripts/t.jsonl && cat ~/.opencode/bin/opencode',
    );
    expect(attack.output).toContain('echo planted');
    for (const [file, original] of Object.entries(hostFiles)) expect(fs.readFileSync(path.join(home, file), 'utf8')).toBe(original);
    expect(fs.existsSync(path.join(home, '.config', 'opencode', 'plugin'))).toBe(false);

    // The workspace keeps its own copy across a restart; the host's folder is not copied again.
    await down(name, { docker, dataDir: path.join(home, 'data') });
    await start(resolve(name, text));
    expect((await inAgent(name, 'cat ~/.config/opencode/plugin/x.js')).output).toBe('planted()\n');

    // An explicit read-write mount of these folders (as jailoc configs have) is refused, saying what to do.
    const explicit = configText(name, project(name), 'mounts = ["~/.opencode:/home/agent/.opencode:rw"]\n');
    expect(() => validateConfigText(explicit, 'test.toml', nodeHost(home))).toThrow(/read-write: ~\/\.opencode holds code .* mount it read-only \(:ro\), or leave it out/);
  }, 600_000);
  it('13.13: the git config the agent reads has the user\'s identity and aliases but no credential', async () => {
    const name = `hg-${id}`;
    const token = `ghp_FAKE${id}`;
    fs.writeFileSync(
      path.join(home, '.gitconfig'),
      `[user]\n\tname = Host User\n\temail = host@example.com\n[alias]\n\tst = status\n[credential]\n\thelper = "!f() { echo password=${token}; }; f"\n[url "https://x:${token}@github.com/"]\n\tinsteadOf = https://github.com/\n[http]\n\textraHeader = Authorization: Bearer ${token}\n[include]\n\tpath = ${home}/.ssh/id_rsa\n`,
    );
    await start(resolve(name, configText(name, project(name))));
    const seen = await inAgent(name, 'cat ~/.gitconfig; grep -rl FAKE / --include=gitconfig 2>/dev/null; true');
    expect(seen.output).toContain('name = Host User');
    expect(seen.output).toContain('st = status');
    expect(seen.output).not.toContain(token);
    expect(seen.output).not.toMatch(/credential|insteadOf|extraHeader|include/i);
    expect(await inspectAll(name)).not.toContain(`${home}/.gitconfig`);
  }, 600_000);
  it('13.10: a Dockerfile the agent swapped for a link to ~/.ssh/authorized_keys is not written through the API', async () => {
    const name = `hw-${id}`;
    const dir = project(name, { 'Dockerfile': 'ARG BASE\nFROM ${BASE}\n' });
    const keys = path.join(home, '.ssh', 'authorized_keys');
    fs.writeFileSync(keys, 'ssh-ed25519 AAAA host-user\n');
    await start(resolve(name, configText(name, dir)));
    const configFile = path.join(home, `${name}.toml`);
    fs.writeFileSync(configFile, `${configText(name, dir)}dockerfile = "${dir}/Dockerfile"\n`);
    const api = createApi({ configFile, env: { HOME: home }, home });
    try {
      const fresh = await api.call('overlay.read', { workspace: name });
      const swap = await inAgent(name, `cd ${dir} && rm Dockerfile && ln -s ${keys} Dockerfile`);
      expect(swap.code).toBe(0);
      const saved = await api.call('overlay.write', { workspace: name, text: 'ARG BASE\nFROM ${BASE}\n# ssh-ed25519 AAAA attacker\n', baseHash: fresh.hash }).catch((error: Error) => error);
      expect(saved).toBeInstanceOf(Error);
      expect((saved as Error).message).toMatch(/symlink/);
      expect(fs.readFileSync(keys, 'utf8')).toBe('ssh-ed25519 AAAA host-user\n');
    } finally {
      await api.close();
    }
  }, 600_000);
  it('13.14: the exported Compose file, as Compose renders it, holds no secret value (it would land in docker inspect)', async () => {
    const name = `hc-${id}`;
    const value = `env-secret-${id}`;
    const configFile = path.join(home, `${name}.toml`);
    fs.writeFileSync(configFile, `${configText(name, project(name))}[workspaces.${name}.secrets.env.API_TOKEN]\nfrom_env = "IT_SECRET_${id}"\n`);
    const env = { [`IT_SECRET_${id}`]: value };
    const exported = await runCli('node', ['--config', configFile, 'compose', name], { home, env });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).not.toContain(value);
    const yaml = path.join(home, `${name}.yml`);
    fs.writeFileSync(yaml, exported.stdout);
    // What Compose would create the containers with: variables interpolated, as `up` does.
    const rendered = spawnSync('docker-compose', ['-p', `paddock-${name}`, '-f', yaml, 'config'], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(rendered.status, rendered.stderr).toBe(0);
    expect(rendered.stdout).not.toContain(value);
    // The value reaches the agent as /run/secrets/API_TOKEN, from a file only the user can reach.
    const secretFile = path.join(home, '.local', 'share', 'paddock', 'workspaces', name, 'compose-secrets', 'API_TOKEN');
    expect(rendered.stdout).toContain(secretFile);
    expect(fs.readFileSync(secretFile, 'utf8')).toBe(value);
    expect(fs.statSync(path.dirname(secretFile)).mode & 0o777).toBe(0o700);
  }, 120_000);
});
