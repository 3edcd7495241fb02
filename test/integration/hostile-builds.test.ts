import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, up } from '../../core/compose/launcher.ts';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace } from '../../core/config/resolve.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { BuildApprovalError } from '../../core/images/approval.ts';
import { approveBuild, buildWorkspace } from '../../core/images/build.ts';
import { RUNTIMES, runCli, tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';
import { inAgentOf } from '../support/workspace.ts';

/**
 * Builds are the one part of a workspace that runs outside its sandbox (RUN as root, default
 * capabilities, the default bridge): an agent that edits its overlay Dockerfile must not get it
 * built silently. And the files the agent writes belong to the user who runs Paddock.
 */
describeWithDocker('hostile agent: builds and file ownership', () => {
  let docker: Docker;
  let sandbox: ReturnType<typeof tempHome>;
  const id = crypto.randomBytes(3).toString('hex');
  const ws = `hb-${id}`;
  const started: Array<{ name: string; dataDir: string }> = [];
  let project: string;
  let dataDir: string;
  let createdUser: string | null = null;
  const userImages: string[] = [];

  const overlay = () => path.join(project, 'overlay.Dockerfile');
  const configText = (extra = '') =>
    `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.${ws}]\npaths = ["${project}"]\nagent = "shell"\ndockerfile = "${overlay()}"\n${extra}`;
  const workspace = (extra = '') => resolveWorkspace(validateConfigText(configText(extra), 'test.toml', nodeHost(sandbox.home)).config, ws, nodeHost(sandbox.home));
  const launch = (approveBuild?: () => boolean) =>
    up(workspace(), {
      docker,
      cacheDir: path.join(sandbox.home, 'cache'),
      dataDir,
      home: sandbox.home,
      env: process.env,
      exists: (file) => fs.existsSync(file),
      ...(approveBuild ? { approveBuild } : {}),
    });

  const inAgent = (name: string, script: string, user = '1000:1000') => inAgentOf(docker, name, script, user);

  const overlayImages = async () => (await docker.listImages({ filters: JSON.stringify({ label: [`dev.paddock.workspace=${ws}`] }) })).map((image) => image.Id).sort();

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
    sandbox = tempHome();
    project = path.join(sandbox.home, 'project');
    dataDir = path.join(sandbox.home, 'data');
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(overlay(), 'ARG BASE\nFROM ${BASE}\nCOPY setup.sh /opt/setup.sh\nRUN sh /opt/setup.sh\n');
    fs.writeFileSync(path.join(project, 'setup.sh'), 'echo approved > /opt/built-by\n');
    // The agent is UID 1000 and owns its project, as a user's project is the user's.
    execFileSync('chown', ['-R', '1000:1000', project]);
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, configText());
  }, 60_000);

  afterAll(async () => {
    for (const { name, dataDir: data } of started) await down(name, { docker, dataDir: data, volumes: true }).catch(() => undefined);
    for (const image of await docker.listImages({ filters: JSON.stringify({ label: [`dev.paddock.workspace=${ws}`] }) }).catch(() => [])) {
      await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
    for (const image of userImages) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    if (createdUser) {
      spawnSync('userdel', [createdUser]);
      spawnSync('groupdel', [createdUser]);
    }
    sandbox?.cleanup();
  });

  it('refuses the first build of an overlay that lies in the project, and builds it once approved', async () => {
    started.push({ name: ws, dataDir });
    const refused = await launch().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BuildApprovalError);
    expect((refused as BuildApprovalError).message).toContain(overlay());
    expect((refused as BuildApprovalError).request.steps[0]).toMatchObject({ firstBuild: true, writable: project, files: { added: ['setup.sh'] } });
    expect(await overlayImages()).toEqual([]);

    const result = await launch(() => true);
    expect(result.services.agent.action).toBe('created');
    expect((await inAgent(ws, 'cat /opt/built-by')).output).toBe('approved\n');
    // Approved once, the same files start again without asking.
    expect((await launch()).services.agent.action).toBe('kept');
  }, 900_000);

  it("refuses to rebuild after the agent rewrites its overlay and a file it copies, from up() and from the CLI without a terminal", async () => {
    const imagesBefore = await overlayImages();
    const attack = await inAgent(
      ws,
      `set -e; id -u; printf 'ARG BASE\\nFROM \${BASE}\\nCOPY setup.sh /opt/setup.sh\\nRUN sh /opt/setup.sh\\nRUN echo planted > /opt/planted\\n' > ${overlay()}; echo 'echo agent > /opt/built-by' > ${project}/setup.sh`,
    );
    expect(attack).toEqual({ code: 0, output: '1000\n' });

    const refused = await launch().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BuildApprovalError);
    const request = (refused as BuildApprovalError).request;
    expect(request.steps).toHaveLength(1);
    expect(request.steps[0]?.firstBuild).toBe(false);
    expect(request.steps[0]?.dockerfileDiff).toContain('\n+RUN echo planted > /opt/planted\n');
    expect(request.steps[0]?.files.changed).toEqual(['setup.sh']);
    expect(await overlayImages()).toEqual(imagesBefore);

    const env = { PADDOCK_CONFIG: sandbox.config, XDG_DATA_HOME: path.join(sandbox.home, 'xdg-data') };
    // The CLI keeps its approvals in its own data folder: copy the launcher's there.
    fs.cpSync(dataDir, path.join(env.XDG_DATA_HOME, 'paddock'), { recursive: true });
    const cli = await runCli('node', ['up', ws], { home: sandbox.home, env });
    expect(cli.code).toBe(1);
    const refusal = cli.stderr.trim().split('\n');
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toContain(overlay());
    expect(refusal[0]).toContain('setup.sh');
    expect(refusal[0]).toContain('--yes');
    expect(cli.stdout).toContain('+RUN echo planted > /opt/planted');
    expect(cli.stdout).toContain('changed  setup.sh');
    expect(await overlayImages()).toEqual(imagesBefore);
    expect((await inAgent(ws, 'cat /opt/built-by; ls /opt')).output).toBe('approved\nbuilt-by\nsetup.sh\n');

    const approved = await runCli('node', ['up', ws, '--yes'], { home: sandbox.home, env });
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect((await inAgent(ws, 'cat /opt/built-by /opt/planted')).output).toBe('agent\nplanted\n');
  }, 900_000);

  it("approves through the API's method only what the user saw", async () => {
    fs.appendFileSync(overlay(), 'RUN echo again > /opt/again\n');
    const refused = (await launch().catch((error: unknown) => error)) as BuildApprovalError;
    expect(refused).toBeInstanceOf(BuildApprovalError);
    // The agent changes the file again while the dialog is open: that approval approves nothing.
    fs.appendFileSync(overlay(), 'RUN echo sneaky > /opt/sneaky\n');
    const stale = await approveBuild(workspace(), refused.request.approval, { cacheDir: null, dataDir }).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(BuildApprovalError);
    expect((stale as BuildApprovalError).request.steps[0]?.dockerfileDiff).toContain('+RUN echo sneaky > /opt/sneaky');
    expect(await launch().catch((error: unknown) => error)).toBeInstanceOf(BuildApprovalError);

    await approveBuild(workspace(), (stale as BuildApprovalError).request.approval, { cacheDir: null, dataDir });
    await launch();
    expect((await inAgent(ws, 'cat /opt/sneaky')).output).toBe('sneaky\n');
  }, 900_000);

  it('restart refuses before it stops anything', async () => {
    const before = await docker.getContainer(`paddock-${ws}-agent-1`).inspect();
    const attack = await inAgent(ws, `echo 'RUN echo restart > /opt/restart' >> ${overlay()}`);
    expect(attack.code).toBe(0);
    const env = { PADDOCK_CONFIG: sandbox.config, XDG_DATA_HOME: path.join(sandbox.home, 'xdg-data') };
    const restart = await runCli('node', ['restart', ws], { home: sandbox.home, env });
    expect(restart.code).toBe(1);
    expect(restart.stderr).toContain('--yes');
    const after = await docker.getContainer(`paddock-${ws}-agent-1`).inspect();
    expect([after.Id, after.State.Running]).toEqual([before.Id, true]);
  }, 600_000);

  it('gives RUN steps no network with build_network = "none"', async () => {
    const folder = path.join(sandbox.home, 'netcheck');
    fs.mkdirSync(folder, { recursive: true });
    const text = (network: string) =>
      `[defaults]\nimage = "${TEST_BASE_IMAGE}"\n[workspaces.${ws}]\npaths = ["${project}"]\ndockerfile = "${folder}/overlay.Dockerfile"\nbuild_network = "${network}"\n`;
    const interfaces = async (network: string) => {
      // The builder's layer cache ignores the network: each mode gets a step of its own.
      fs.writeFileSync(path.join(folder, 'overlay.Dockerfile'), `ARG BASE\nFROM \${BASE}\nRUN echo ${network} && ls /sys/class/net > /opt/interfaces-${id}\n`);
      const net = resolveWorkspace(validateConfigText(text(network), 'net.toml', nodeHost(sandbox.home)).config, ws, nodeHost(sandbox.home));
      const { image } = await buildWorkspace(net, { docker, cacheDir: null, approval: { dataDir } });
      return spawnSync('docker', ['run', '--rm', '--network', 'none', image, 'cat', `/opt/interfaces-${id}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    };
    expect(await interfaces('none')).toEqual(['lo']);
    expect(await interfaces('default')).toContain('eth0');
  }, 600_000);

  it("gives the agent the host user's UID: a second user's CLI starts a workspace whose files are that user's", async () => {
    const name = `hb-${id}-uid`;
    // 1001 unless another account holds it already: then the next free UID, which proves the same.
    let uid = 1001;
    while (spawnSync('getent', ['passwd', String(uid)]).status === 0 || spawnSync('getent', ['group', String(uid)]).status === 0) uid++;
    const user = `pdk${id}`;
    const home = path.join(sandbox.home, 'second-user');
    fs.mkdirSync(home, { recursive: true });
    execFileSync('groupadd', ['--gid', String(uid), user]);
    execFileSync('useradd', ['--uid', String(uid), '--gid', String(uid), '--groups', 'docker', '--home-dir', home, '--no-create-home', '--shell', '/bin/sh', user]);
    createdUser = user;
    const secondProject = path.join(home, 'project');
    fs.mkdirSync(secondProject, { recursive: true });
    const config = path.join(home, 'paddock.toml');
    fs.writeFileSync(
      config,
      `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.${name}]\npaths = ["${secondProject}"]\nagent = "shell"\n[workspaces.${name}.secrets.env.IT_TOKEN]\nfrom_env = "IT_TOKEN"\n`,
    );
    execFileSync('chown', ['-R', `${uid}:${uid}`, home]);
    // The test home's parents must let the second user through to its own home.
    for (let dir = path.dirname(home); dir !== '/'; dir = path.dirname(dir)) fs.chmodSync(dir, fs.statSync(dir).mode | 0o005);
    started.push({ name, dataDir: path.join(home, '.local', 'share', 'paddock') });
    const [node, cli] = RUNTIMES.node;
    const run = spawnSync('runuser', ['-u', user, '--', 'env', `HOME=${home}`, `PADDOCK_CONFIG=${config}`, 'NO_COLOR=1', 'IT_TOKEN=token-for-1001', `PATH=${process.env.PATH}`, node, cli, 'up', name], {
      encoding: 'utf8',
      cwd: home,
      timeout: 600_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const probe = await inAgent(name, `id -u; id -g; touch ${secondProject}/written-by-agent; touch "$HOME/.cache/x" && echo home-writable; cat /run/secrets/IT_TOKEN`, '');
    expect(probe.output).toBe(`${uid}\n${uid}\nhome-writable\ntoken-for-1001`);
    const stat = fs.statSync(path.join(secondProject, 'written-by-agent'));
    expect([stat.uid, stat.gid]).toEqual([uid, uid]);
    const agent = await docker.getContainer(`paddock-${name}-agent-1`).inspect();
    expect(agent.Config.User).toBe(`${uid}:${uid}`);
    expect(agent.Config.Image).toMatch(/^paddock-user:[0-9a-f]{12}$/);
    userImages.push(agent.Config.Image);
  }, 900_000);
});
