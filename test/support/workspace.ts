import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { demuxToText } from '../../core/docker/streams.ts';
import { TEST_BASE_IMAGE } from './docker.ts';

/**
 * Runs a script in a workspace's agent container, as the hostile-agent suites act: by absolute
 * path (a program the agent planted in ~/.local/bin must not run for the test itself), as the
 * container's user unless told otherwise. Resolves with the exit code and the output, stderr
 * included.
 */
export async function inAgentOf(docker: Docker, workspace: string, script: string, user?: string): Promise<{ code: number; output: string }> {
  const exec = await docker.getContainer(`paddock-${workspace}-agent-1`).exec({ Cmd: ['/bin/sh', '-c', script], AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve());
  });
  return { code: (await exec.inspect()).ExitCode ?? -1, output: demuxToText(Buffer.concat(chunks)) };
}

/**
 * A project folder for a suite's workspaces, owned by the agent's UID, with an overlay that adds
 * `packages` to the test base (`tools.Dockerfile`), and a test-host image of the test base with
 * `hostPackages`, tagged `hostImage`.
 */
export function testProjectAndHost(home: string, packages: string, hostImage: string, hostPackages: string): string {
  const project = path.join(home, 'project');
  fs.mkdirSync(project, { recursive: true });
  fs.chownSync(project, 1000, 1000);
  const install = (list: string) => `RUN apt-get update && apt-get install -y --no-install-recommends ${list} && rm -rf /var/lib/apt/lists/*\n`;
  fs.writeFileSync(path.join(project, 'tools.Dockerfile'), `ARG BASE\nFROM \${BASE}\n${install(packages)}`);
  const context = fs.mkdtempSync(path.join(home, 'host-image-'));
  fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\n${install(hostPackages)}`);
  execFileSync('docker', ['build', '-q', '-t', hostImage, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  return project;
}
