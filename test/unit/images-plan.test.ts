import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateConfigText } from '../../core/config/load.ts';
import { resolveWorkspace, type ResolvedWorkspace } from '../../core/config/resolve.ts';
import type { HostView } from '../../core/config/schema.ts';
import { analyzeDockerfile } from '../../core/images/dockerfile.ts';
import {
  EMBEDDED_REPO, HASH_LENGTH, overlayRepository, planWorkspace, prepareSidecar, prepareSteps, stepHash, tagOverlay,
  type PreparedStep, type PrepareOptions,
} from '../../core/images/plan.ts';
import { DockerfileSourceError } from '../../core/images/source.ts';

const HOME = '/home/alice';
const OFFLINE: PrepareOptions = { cacheDir: null };
const PAST = new Date(Date.now() - 10_000);
const HEX12 = /^[0-9a-f]{12}$/;

/** Only resolution is needed here: the host says every path exists and reads no file. */
const host: HostView = {
  home: HOME,
  exists: () => true,
  isFile: () => false,
  readText: (file) => {
    throw new Error(`unexpected read of ${file}`);
  },
};

function workspace(toml: string, name = 'web'): ResolvedWorkspace {
  const { config } = validateConfigText(toml, `${HOME}/.config/paddock/config.toml`, host);
  return resolveWorkspace(config, name, host);
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-plan-'));
  made.push(dir);
  return dir;
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
    fs.utimesSync(abs, PAST, PAST);
  }
}

/** A folder holding an overlay Dockerfile and some context; returns the Dockerfile's path. */
function overlayFolder(dockerfile = 'FROM ${BASE}\nCOPY . /src\n', files: Record<string, string> = { 'src/main.ts': 'x', '.dockerignore': '*.log\n' }): string {
  const root = tempDir();
  write(root, { Dockerfile: dockerfile, ...files });
  return path.join(root, 'Dockerfile');
}

/** An engine that knows some images by reference and has no others. */
function fakeDocker(ids: Record<string, string>): Docker {
  return {
    getImage: (reference: string) => ({
      inspect: async () => {
        const id = ids[reference];
        if (!id) throw Object.assign(new Error(`no such image: ${reference}`), { statusCode: 404 });
        return { Id: id };
      },
    }),
  } as unknown as Docker;
}

/** An engine on which every image exists, with the given ID. */
function anyImage(id: string): Docker {
  return { getImage: () => ({ inspect: async () => ({ Id: id }) }) } as unknown as Docker;
}

const ID_A = `sha256:${'a'.repeat(64)}`;
const ID_B = `sha256:${'b'.repeat(64)}`;

async function overlayStep(ws: ResolvedWorkspace, options: PrepareOptions = OFFLINE): Promise<PreparedStep> {
  const { steps } = await prepareSteps(ws, options);
  const overlay = steps.find((step) => step.kind === 'overlay');
  if (!overlay) throw new Error('no overlay step');
  return overlay;
}

describe('planWorkspace without an engine: the embedded base', () => {
  it('plans one embedded step with a content tag, which is the image', async () => {
    const plan = await planWorkspace(workspace('[workspaces.web]\npaths = []\n'), null, OFFLINE);
    expect(plan.workspace).toBe('web');
    expect(plan.warnings).toEqual([]);
    expect(plan.steps).toHaveLength(1);
    const [step] = plan.steps;
    expect(step).toEqual({ kind: 'embedded', source: 'embedded (full)', tag: expect.stringMatching(/^paddock-base:embedded-[0-9a-f]{12}$/), base: 'ubuntu:24.04', context: null });
    expect(plan.image).toBe(step?.tag);
    expect(EMBEDDED_REPO).toBe('paddock-base');
    expect(HASH_LENGTH).toBe(12);
  });

  it('is deterministic, and shared by workspaces with different names and paths', async () => {
    const a = await planWorkspace(workspace('[workspaces.web]\npaths = []\n'), null, OFFLINE);
    const b = await planWorkspace(workspace('[workspaces.web]\npaths = []\n'), null, OFFLINE);
    const c = await planWorkspace(workspace('[workspaces.api]\npaths = ["/home/alice/proj"]\nmemory = "8g"\n', 'api'), null, OFFLINE);
    expect(b.image).toBe(a.image);
    expect(c.image).toBe(a.image);
  });

  it('changes with [base] from (a build argument)', async () => {
    const ubuntu = await planWorkspace(workspace('[workspaces.web]\npaths = []\n'), null, OFFLINE);
    const debian = await planWorkspace(workspace('[base]\nfrom = "debian:12"\n[workspaces.web]\npaths = []\n'), null, OFFLINE);
    expect(debian.steps[0]?.base).toBe('debian:12');
    expect(debian.image).toMatch(/^paddock-base:embedded-[0-9a-f]{12}$/);
    expect(debian.image).not.toBe(ubuntu.image);
  });

  it('changes with [base] variant (the target stage)', async () => {
    const full = await planWorkspace(workspace('[base]\nvariant = "full"\n[workspaces.web]\npaths = []\n'), null, OFFLINE);
    const minimal = await planWorkspace(workspace('[base]\nvariant = "minimal"\n[workspaces.web]\npaths = []\n'), null, OFFLINE);
    expect(full.image).toBe((await planWorkspace(workspace('[workspaces.web]\npaths = []\n'), null, OFFLINE)).image);
    expect(minimal.steps[0]?.source).toBe('embedded (minimal)');
    expect(minimal.image).not.toBe(full.image);
  });

  it('builds the embedded step with FROM_IMAGE and the variant as target', async () => {
    const { steps } = await prepareSteps(workspace('[base]\nfrom = "debian:12"\nvariant = "minimal"\n[workspaces.web]\npaths = []\n'), OFFLINE);
    expect(steps[0]).toMatchObject({ kind: 'embedded', buildArgs: { FROM_IMAGE: 'debian:12' }, target: 'minimal', scan: null, context: null });
  });
});

describe('host proxy variables', () => {
  const PROXY_NAMES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'FTP_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

  it('do not change any tag, embedded or overlay', async () => {
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder()}"\n`);
    const plans = [];
    for (const proxy of ['', 'http://proxy-a.example:3128', 'http://proxy-b.example:8080']) {
      for (const name of PROXY_NAMES) vi.stubEnv(name, proxy);
      plans.push(await planWorkspace(ws, anyImage(ID_A), OFFLINE));
    }
    expect(plans[0]?.steps.map((s) => s.tag)).toEqual([expect.stringMatching(/^paddock-base:embedded-/), expect.stringMatching(/^paddock-web:/)]);
    expect(plans[1]).toEqual(plans[0]);
    expect(plans[2]).toEqual(plans[0]);
  });

  it('are not part of any step’s build arguments', async () => {
    for (const name of PROXY_NAMES) vi.stubEnv(name, 'http://proxy.example:3128');
    const { steps } = await prepareSteps(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder()}"\n`), OFFLINE);
    for (const step of steps) {
      expect(Object.keys(step.buildArgs).filter((key) => /proxy/i.test(key)), step.kind).toEqual([]);
    }
  });
});

describe('image and defaults.image without a dockerfile', () => {
  it('a workspace image is used as is: no steps', async () => {
    const ws = workspace('[workspaces.web]\npaths = []\nimage = "node:22"\n');
    expect(await planWorkspace(ws, null, OFFLINE)).toEqual({ workspace: 'web', image: 'node:22', steps: [], warnings: [] });
    expect(await prepareSteps(ws, OFFLINE)).toEqual({ image: 'node:22', steps: [], warnings: [] });
  });

  it('defaults.image is used as is when the workspace has no dockerfile', async () => {
    const ws = workspace('[defaults]\nimage = "ghcr.io/acme/dev:1.2"\n[workspaces.web]\npaths = []\n');
    expect(await planWorkspace(ws, null, OFFLINE)).toEqual({ workspace: 'web', image: 'ghcr.io/acme/dev:1.2', steps: [], warnings: [] });
  });

  it('a workspace image wins over defaults.image', async () => {
    const ws = workspace('[defaults]\nimage = "ghcr.io/acme/dev:1.2"\n[workspaces.web]\npaths = []\nimage = "node:22"\n');
    expect((await planWorkspace(ws, null, OFFLINE)).image).toBe('node:22');
  });

  it('an empty workspace dockerfile means none', async () => {
    const ws = workspace('[defaults]\nimage = "ghcr.io/acme/dev:1.2"\n[workspaces.web]\npaths = []\ndockerfile = ""\n');
    expect((await planWorkspace(ws, null, OFFLINE)).steps).toEqual([]);
  });

  it('a workspace image wins over [base] dockerfile too: nothing is loaded', async () => {
    const ws = workspace('[base]\ndockerfile = "/home/alice/does/not/exist/Dockerfile"\n[workspaces.web]\npaths = []\nimage = "node:22"\n');
    expect(await planWorkspace(ws, null, OFFLINE)).toMatchObject({ image: 'node:22', steps: [] });
  });
});

describe('overlays', () => {
  it('without an engine: the base has a tag, the overlay and the image do not', async () => {
    const dockerfile = overlayFolder();
    const plan = await planWorkspace(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${dockerfile}"\n`), null, OFFLINE);
    expect(plan.steps.map((s) => s.kind)).toEqual(['embedded', 'overlay']);
    const [base, overlay] = plan.steps;
    expect(base?.tag).toMatch(/^paddock-base:embedded-[0-9a-f]{12}$/);
    expect(overlay).toEqual({ kind: 'overlay', source: dockerfile, tag: null, base: base?.tag, context: path.dirname(dockerfile) });
    expect(plan.image).toBeNull();
    expect(plan.warnings).toEqual([]);
  });

  it('with an engine that has the base: the overlay is tagged paddock-<workspace>:<hash>', async () => {
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder()}"\n`);
    const baseTag = (await planWorkspace(ws, null, OFFLINE)).steps[0]?.tag as string;
    const plan = await planWorkspace(ws, fakeDocker({ [baseTag]: ID_A }), OFFLINE);
    expect(plan.steps[1]?.tag).toMatch(/^paddock-web:[0-9a-f]{12}$/);
    expect(plan.image).toBe(plan.steps[1]?.tag);
    expect(overlayRepository('web')).toBe('paddock-web');
  });

  it('with an engine that lacks the base: the overlay tag is null', async () => {
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder()}"\n`);
    const plan = await planWorkspace(ws, fakeDocker({}), OFFLINE);
    expect(plan.steps[1]?.tag).toBeNull();
    expect(plan.image).toBeNull();
  });

  it('its tag changes with the base image ID', async () => {
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder()}"\n`);
    const a = await planWorkspace(ws, anyImage(ID_A), OFFLINE);
    const b = await planWorkspace(ws, anyImage(ID_B), OFFLINE);
    expect(a.steps[0]?.tag).toBe(b.steps[0]?.tag);
    expect(a.image).not.toBe(b.image);
    const step = await overlayStep(ws);
    expect(tagOverlay(step, ID_A)).toBe(a.image);
    expect(tagOverlay(step, ID_A)).toBe(`paddock-web:${stepHash(step, ID_A)}`);
  });

  it('builds on defaults.image when the workspace has a dockerfile', async () => {
    const ws = workspace(`[defaults]\nimage = "ghcr.io/acme/dev:1.2"\n[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder()}"\n`);
    const plan = await planWorkspace(ws, null, OFFLINE);
    expect(plan.steps).toEqual([expect.objectContaining({ kind: 'overlay', base: 'ghcr.io/acme/dev:1.2', tag: null })]);
    expect(plan.image).toBeNull();
    expect((await overlayStep(ws)).buildArgs).toEqual({ BASE: 'ghcr.io/acme/dev:1.2' });
    const withEngine = await planWorkspace(ws, fakeDocker({ 'ghcr.io/acme/dev:1.2': ID_A }), OFFLINE);
    expect(withEngine.image).toMatch(/^paddock-web:[0-9a-f]{12}$/);
  });

  it('passes the base tag as the BASE build argument', async () => {
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder()}"\n`);
    const { steps } = await prepareSteps(ws, OFFLINE);
    expect(steps[1]?.buildArgs).toEqual({ BASE: steps[0]?.tag });
    expect(steps[1]?.target).toBeNull();
  });

  it('uses build_context as the context, with the <Dockerfile>.dockerignore next to the Dockerfile', async () => {
    const context = tempDir();
    write(context, { 'app.ts': 'a', 'debug.log': 'log', '.dockerignore': 'app.ts\n' });
    const dockerfile = overlayFolder('FROM ${BASE}\nCOPY . /src\n', { 'Dockerfile.dockerignore': '*.log\n' });
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${dockerfile}"\nbuild_context = "${context}"\n`);
    const step = await overlayStep(ws);
    expect(step.context).toBe(context);
    expect(step.scan?.entries.map((e) => e.path)).toEqual(['.dockerignore', 'app.ts']);
  });

  it('the hash changes with the Dockerfile text and with a context file’s content, mode or path', async () => {
    const dockerfile = overlayFolder();
    const root = path.dirname(dockerfile);
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${dockerfile}"\n`);
    const hashes = [stepHash(await overlayStep(ws), ID_A)];
    write(root, { 'src/main.ts': 'y' });
    hashes.push(stepHash(await overlayStep(ws), ID_A));
    fs.chmodSync(path.join(root, 'src/main.ts'), 0o755);
    hashes.push(stepHash(await overlayStep(ws), ID_A));
    fs.renameSync(path.join(root, 'src/main.ts'), path.join(root, 'src/app.ts'));
    hashes.push(stepHash(await overlayStep(ws), ID_A));
    write(root, { Dockerfile: 'FROM ${BASE}\nCOPY . /app\n' });
    hashes.push(stepHash(await overlayStep(ws), ID_A));
    expect(new Set(hashes).size).toBe(hashes.length);
    for (const hash of hashes) expect(hash).toMatch(HEX12);
  });

  it('the hash does not change for ignored files or modification times alone', async () => {
    const dockerfile = overlayFolder();
    const root = path.dirname(dockerfile);
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${dockerfile}"\n`);
    const before = stepHash(await overlayStep(ws), ID_A);
    write(root, { 'debug.log': 'ignored', 'trace.log': 'ignored too' });
    expect(stepHash(await overlayStep(ws), ID_A)).toBe(before);
    const earlier = new Date(Date.now() - 3_600_000);
    for (const rel of ['Dockerfile', 'src/main.ts', 'src']) fs.utimesSync(path.join(root, rel), earlier, earlier);
    expect(stepHash(await overlayStep(ws), ID_A)).toBe(before);
  });

  it('keeps the context hashes in cacheDir when given one', async () => {
    const cacheDir = tempDir();
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder()}"\n`);
    const first = await prepareSteps(ws, { cacheDir });
    const files = fs.readdirSync(path.join(cacheDir, 'context-hashes'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{24}\.json$/);
    const second = await prepareSteps(ws, { cacheDir });
    expect(second.steps.map((s) => s.contextDigest)).toEqual(first.steps.map((s) => s.contextDigest));
    expect(second.steps[1]?.contextDigest).toBe((await prepareSteps(ws, OFFLINE)).steps[1]?.contextDigest);
  });

  it('a missing overlay Dockerfile fails the plan with NOT_FOUND (no fallback image)', async () => {
    const missing = path.join(tempDir(), 'Dockerfile');
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${missing}"\n`);
    await expect(planWorkspace(ws, null, OFFLINE)).rejects.toSatisfy((error) => error instanceof DockerfileSourceError && error.code === 'NOT_FOUND');
  });
});

describe('overlay Dockerfiles: ARG BASE injection, warnings and line mapping', () => {
  it('injects ARG BASE into the built text when the overlay lacks it', async () => {
    const step = await overlayStep(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder('FROM ${BASE}\nRUN true\n')}"\n`));
    expect(step.dockerfile).toBe('ARG BASE\nFROM ${BASE}\nRUN true\n');
  });

  it('leaves an overlay that declares ARG BASE as it is', async () => {
    const text = 'ARG BASE=ubuntu:24.04\nFROM ${BASE}\nRUN true\n';
    const step = await overlayStep(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder(text)}"\n`));
    expect(step.dockerfile).toBe(text);
    expect([1, 2, 3].map((line) => step.userLine(line))).toEqual([1, 2, 3]);
  });

  it('handles an overlay saved with a byte order mark: no warning, FROM stays an instruction', async () => {
    const dockerfile = overlayFolder('\uFEFFFROM ${BASE}\nRUN true\n');
    const plan = await planWorkspace(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${dockerfile}"\n`), null, OFFLINE);
    expect(plan.warnings).toEqual([]);
    const step = await overlayStep(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${dockerfile}"\n`));
    expect(analyzeDockerfile(step.dockerfile).instructions.map((i) => [i.keyword, step.userLine(i.line)])).toEqual([['ARG', 1], ['FROM', 1], ['RUN', 2]]);
  });

  it('warns when the final stage does not build FROM ${BASE}', async () => {
    const dockerfile = overlayFolder('FROM ${BASE} AS base\nRUN make\nFROM golang:1.24\nCOPY --from=base /x /x\n');
    const ws = workspace(`[workspaces.web]\npaths = []\ndockerfile = "${dockerfile}"\n`);
    const plan = await planWorkspace(ws, null, OFFLINE);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain(dockerfile);
    expect(plan.warnings[0]).toContain('FROM ${BASE}');
  });

  it('does not warn for a golang builder stage followed by a final FROM ${BASE}, or one reached through an alias', async () => {
    for (const text of [
      'FROM golang:1.24 AS build\nRUN go build -o /out/app .\nFROM ${BASE}\nCOPY --from=build /out/app /usr/local/bin/\n',
      'FROM $BASE AS base\nFROM golang:1.24 AS build\nFROM base\n',
    ]) {
      const plan = await planWorkspace(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder(text)}"\n`), null, OFFLINE);
      expect(plan.warnings, text).toEqual([]);
    }
  });

  it('maps lines after the injected ARG BASE back to the user’s file', async () => {
    const user = ['# syntax=docker/dockerfile:1', '# escape=\\', 'FROM golang:1.24 AS build', 'RUN go build \\', '    -o /out/app .', '', 'FROM ${BASE}', 'COPY --from=build /out/app /usr/local/bin/app'];
    const step = await overlayStep(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder(`${user.join('\n')}\n`)}"\n`));
    const built = step.dockerfile.split('\n');
    expect(built[2]).toBe('ARG BASE');
    for (const instruction of analyzeDockerfile(step.dockerfile).instructions) {
      if (instruction.text === 'ARG BASE') continue;
      const userLine = step.userLine(instruction.line);
      expect(user[userLine - 1], `built line ${instruction.line}`).toBe(built[instruction.line - 1]);
    }
    expect([1, 2, 4, 5, 9].map((line) => step.userLine(line))).toEqual([1, 2, 3, 4, 8]);
  });

  it('maps lines with CRLF line endings and no directives', async () => {
    const step = await overlayStep(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder('FROM ${BASE}\r\nRUN a \\\r\n  b\r\nUSER agent\r\n')}"\n`));
    expect(step.dockerfile).toBe('ARG BASE\r\nFROM ${BASE}\r\nRUN a \\\r\n  b\r\nUSER agent\r\n');
    const lines = analyzeDockerfile(step.dockerfile).instructions.map((i) => [i.keyword, step.userLine(i.line)]);
    expect(lines).toEqual([['ARG', 1], ['FROM', 1], ['RUN', 2], ['USER', 4]]);
  });

  it('maps lines with CRLF and directives', async () => {
    const step = await overlayStep(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${overlayFolder('# syntax=docker/dockerfile:1\r\n# check=skip=all\r\nFROM ${BASE}\r\nRUN true\r\n')}"\n`));
    const lines = analyzeDockerfile(step.dockerfile).instructions.map((i) => [i.keyword, i.line, step.userLine(i.line)]);
    expect(lines).toEqual([['ARG', 3, 3], ['FROM', 4, 3], ['RUN', 5, 4]]);
  });
});

describe('presets: [base] dockerfile', () => {
  it('records no FROM image when the final stage builds on an earlier stage or a variable', async () => {
    for (const text of ['ARG IMG=debian:12\nFROM ${IMG}\n', 'FROM debian:12 AS one\nFROM one\n']) {
      const dockerfile = overlayFolder(text);
      const plan = await planWorkspace(workspace(`[base]\ndockerfile = "${dockerfile}"\n[workspaces.web]\npaths = []\n`), null, OFFLINE);
      expect(plan.steps[0]?.base).toBeNull();
    }
  });

  it('from a file: tagged paddock-base:preset-<hash>, its folder as the context', async () => {
    const dockerfile = overlayFolder('FROM debian:12\nRUN apt-get update\n', { 'setup.sh': 'echo' });
    const plan = await planWorkspace(workspace(`[base]\ndockerfile = "${dockerfile}"\n[workspaces.web]\npaths = []\n`), null, OFFLINE);
    expect(plan.steps).toEqual([{ kind: 'preset', source: dockerfile, tag: expect.stringMatching(/^paddock-base:preset-[0-9a-f]{12}$/), base: 'debian:12', context: path.dirname(dockerfile) }]);
    expect(plan.image).toBe(plan.steps[0]?.tag);
    expect(plan.warnings).toEqual([]);
  });

  it('is not changed by ARG BASE injection', async () => {
    const dockerfile = overlayFolder('FROM debian:12\n', {});
    const { steps } = await prepareSteps(workspace(`[base]\ndockerfile = "${dockerfile}"\n[workspaces.web]\npaths = []\n`), OFFLINE);
    expect(steps[0]).toMatchObject({ kind: 'preset', dockerfile: 'FROM debian:12\n', buildArgs: {}, target: null });
  });

  it('with an overlay: the overlay builds on the preset tag', async () => {
    const preset = overlayFolder('FROM debian:12\n', {});
    const overlay = overlayFolder();
    const plan = await planWorkspace(workspace(`[base]\ndockerfile = "${preset}"\n[workspaces.web]\npaths = []\ndockerfile = "${overlay}"\n`), null, OFFLINE);
    expect(plan.steps.map((s) => [s.kind, s.tag === null])).toEqual([['preset', false], ['overlay', true]]);
    expect(plan.steps[1]?.base).toBe(plan.steps[0]?.tag);
  });

  it('its tag follows its context: a changed file changes it, an ignored one does not', async () => {
    const dockerfile = overlayFolder('FROM debian:12\nCOPY . /opt\n', { 'setup.sh': 'echo 1', 'Dockerfile.dockerignore': 'notes/\n', '.dockerignore': 'setup.sh\n' });
    const root = path.dirname(dockerfile);
    const ws = workspace(`[base]\ndockerfile = "${dockerfile}"\n[workspaces.web]\npaths = []\n`);
    const tag = async () => (await planWorkspace(ws, null, OFFLINE)).image;
    const before = await tag();
    write(root, { 'notes/todo.md': 'ignored by Dockerfile.dockerignore' });
    expect(await tag()).toBe(before);
    write(root, { 'setup.sh': 'echo 2' });
    expect(await tag()).not.toBe(before);
  });

  it('does not depend on [base] from or variant, which only the embedded image uses', async () => {
    const dockerfile = overlayFolder('FROM debian:12\n', {});
    const a = await planWorkspace(workspace(`[base]\ndockerfile = "${dockerfile}"\n[workspaces.web]\npaths = []\n`), null, OFFLINE);
    const b = await planWorkspace(workspace(`[base]\ndockerfile = "${dockerfile}"\nfrom = "alpine:3.20"\nvariant = "minimal"\n[workspaces.web]\npaths = []\n`), null, OFFLINE);
    expect(b.image).toBe(a.image);
  });

  it('a missing preset fails the plan with NOT_FOUND', async () => {
    const ws = workspace(`[base]\ndockerfile = "${path.join(tempDir(), 'nope.Dockerfile')}"\n[workspaces.web]\npaths = []\n`);
    await expect(planWorkspace(ws, null, OFFLINE)).rejects.toMatchObject({ name: 'DockerfileSourceError', code: 'NOT_FOUND' });
  });

  describe('from a URL', () => {
    let server: http.Server;
    let url: string;
    beforeAll(async () => {
      server = http.createServer((_req, res) => res.end('FROM debian:12\nRUN true\n'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/preset.Dockerfile`;
    });
    // The test's server is on loopback, which Paddock refuses unless told otherwise.
    const fromTestServer: PrepareOptions = { cacheDir: null, sourceOptions: { allowAddress: (address) => address === '127.0.0.1' } };
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('has an empty context and a preset tag', async () => {
      const plan = await planWorkspace(workspace(`[base]\ndockerfile = "${url}"\n[workspaces.web]\npaths = []\n`), null, fromTestServer);
      expect(plan.steps).toEqual([{ kind: 'preset', source: url, tag: expect.stringMatching(/^paddock-base:preset-[0-9a-f]{12}$/), base: 'debian:12', context: null }]);
    });

    it('an overlay from a URL has an empty context too, unless build_context is set', async () => {
      const noContext = await overlayStep(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${url}"\n`), fromTestServer);
      expect(noContext).toMatchObject({ context: null, scan: null });
      const context = tempDir();
      write(context, { 'a.txt': 'a', 'b.log': 'b', '.dockerignore': '*.log\n' });
      const withContext = await overlayStep(workspace(`[workspaces.web]\npaths = []\ndockerfile = "${url}"\nbuild_context = "${context}"\n`), fromTestServer);
      expect(withContext.context).toBe(context);
      expect(withContext.scan?.entries.map((e) => e.path)).toEqual(['.dockerignore', 'a.txt']);
    });
  });
});

describe('stepHash', () => {
  async function embedded(): Promise<PreparedStep> {
    const { steps } = await prepareSteps(workspace('[workspaces.web]\npaths = []\n'), OFFLINE);
    return steps[0] as PreparedStep;
  }

  it('is 12 hex characters, and the embedded tag is built from it', async () => {
    const step = await embedded();
    expect(stepHash(step, null)).toMatch(HEX12);
    expect(step.tag).toBe(`paddock-base:embedded-${stepHash(step, null)}`);
  });

  it('changes with each input: Dockerfile, build args, target, context digest, kind, base ID', async () => {
    const step = await embedded();
    const variants: PreparedStep[] = [
      step,
      { ...step, dockerfile: `${step.dockerfile}\n# changed` },
      { ...step, buildArgs: { ...step.buildArgs, EXTRA: '1' } },
      { ...step, buildArgs: { FROM_IMAGE: 'debian:12' } },
      { ...step, target: 'minimal' },
      { ...step, target: null },
      { ...step, contextDigest: '0'.repeat(64) },
      { ...step, kind: 'firewall' },
    ];
    const hashes = variants.map((variant) => stepHash(variant, null));
    hashes.push(stepHash(step, ID_A), stepHash(step, ID_B));
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('does not depend on the order of build args, the tag, the source or the workspace', async () => {
    const step = await embedded();
    const same: PreparedStep[] = [
      { ...step, buildArgs: { A: '1', B: '2' } },
      { ...step, buildArgs: { B: '2', A: '1' } },
    ];
    expect(stepHash(same[0] as PreparedStep, null)).toBe(stepHash(same[1] as PreparedStep, null));
    expect(stepHash({ ...step, tag: 'x', source: 'elsewhere', workspace: 'other' }, null)).toBe(stepHash(step, null));
  });
});

describe('prepareSidecar', () => {
  it.each(['firewall', 'dind'] as const)('tags the %s image paddock-<kind>:<hash>, following [base] from', async (kind) => {
    const a = await prepareSidecar(workspace('[workspaces.web]\npaths = []\n'), kind, OFFLINE);
    const b = await prepareSidecar(workspace('[base]\nfrom = "debian:12"\n[workspaces.web]\npaths = []\n'), kind, OFFLINE);
    expect(a.tag).toMatch(new RegExp(`^paddock-${kind}:[0-9a-f]{12}$`));
    expect(a).toMatchObject({ kind, buildArgs: { FROM_IMAGE: 'ubuntu:24.04' }, target: null });
    expect(b.tag).not.toBe(a.tag);
  });

  it('gives the firewall and the Docker daemon different images', async () => {
    const ws = workspace('[workspaces.web]\npaths = []\n');
    expect((await prepareSidecar(ws, 'firewall', OFFLINE)).tag).not.toBe((await prepareSidecar(ws, 'dind', OFFLINE)).tag);
  });
});

describe('withLabels', () => {
  it('adds one LABEL at the end, quoting what the Dockerfile would expand', async () => {
    const { withLabels } = await import('../../core/images/build.ts');
    const sent = withLabels('FROM ${BASE}\nRUN true', { 'dev.paddock.source': '/a "b" $HOME\\x' }, null);
    expect(sent.text).toBe('FROM ${BASE}\nRUN true\nLABEL dev.paddock.source="/a \\"b\\" \\$HOME\\\\x"\n');
    expect(sent.labelLine).toBe(3);
  });

  it('puts the LABEL at the end of the target stage, not of the file', async () => {
    const { withLabels } = await import('../../core/images/build.ts');
    const sent = withLabels('FROM a AS minimal\nRUN one \\\n  two\n\nFROM minimal AS full\nRUN three\n', { k: 'v' }, 'minimal');
    expect(sent.text.split('\n')).toEqual(['FROM a AS minimal', 'RUN one \\', '  two', 'LABEL k="v"', '', 'FROM minimal AS full', 'RUN three', '']);
    expect(sent.lastStage).toBe(0);
  });

  it('escapes with the backtick when the Dockerfile says # escape=`', async () => {
    const { withLabels } = await import('../../core/images/build.ts');
    const sent = withLabels('# escape=`\nFROM x\n', { k: 'C:\\dir "q" $v' }, null);
    expect(sent.text).toContain('LABEL k="C:\\dir `"q`" `$v"');
  });
});
