import crypto from 'node:crypto';
import process from 'node:process';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { JsonLinesParser, LineSplitter } from '../docker/streams.ts';
import { BuildApprovalError, recordApproval, reviewBuild, type BuildApprovalRequest } from './approval.ts';
import { packContext, SENT_DOCKERFILE } from './context.ts';
import { analyzeDockerfile } from './dockerfile.ts';
import { localImageId, prepareSidecar, prepareSteps, prepareUserLayer, stepHash, tagOverlay, type PrepareOptions, type PreparedStep, type SidecarKind, type StepKind } from './plan.ts';

/** What a build reports as it goes; the CLI draws progress bars from it, the app its build panel. */
export type BuildEvent =
  | { type: 'plan'; workspace: string; steps: Array<{ kind: StepKind; source: string; tag: string | null }> }
  | { type: 'image-start'; kind: StepKind; tag: string; source: string; steps: number; contextFiles: number }
  | { type: 'image-skip'; kind: StepKind; tag: string; reason: 'exists' }
  | { type: 'step'; tag: string; step: number; steps: number; instruction: string; line: number | null }
  | { type: 'step-cached'; tag: string; step: number }
  | { type: 'output'; tag: string; step: number; line: string }
  | { type: 'pull'; tag: string | null; image: string; layer: string | null; status: string; current: number | null; total: number | null }
  | { type: 'image-done'; kind: StepKind; tag: string; id: string; durationMs: number }
  | { type: 'warning'; message: string }
  | { type: 'done'; image: string; built: string[]; skipped: string[] };

/** A build that failed: the failing step, where it is in the Dockerfile, and what it printed last. */
export class BuildError extends Error {
  override readonly name = 'BuildError';
  readonly code = 'BUILD_FAILED';

  constructor(
    message: string,
    readonly tag: string,
    readonly step: number | null,
    readonly instruction: string | null,
    readonly line: number | null,
    readonly source: string,
    readonly output: string[],
  ) {
    super(message);
  }
}

export interface BuildOptions extends PrepareOptions {
  docker: Docker;
  rebuild?: boolean;
  /** Pull FROM images again; implies rebuilding (upstream changes are invisible to the hash). */
  pull?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: BuildEvent) => void;
  /**
   * Steps built from files an agent can write run only once the user approved their current
   * content. Null only where no user is involved (the pipeline's own tests and benchmarks).
   */
  approval: BuildApprovalOptions | null;
}

export interface BuildApprovalOptions {
  /** Paddock's data folder, where approvals are kept (no workspace can reach it). */
  dataDir: string;
  /** Asks the user; without it (or when it says no) the build fails with BuildApprovalError. */
  approve?: (request: BuildApprovalRequest) => boolean | Promise<boolean>;
}

export interface BuildResult {
  image: string;
  built: string[];
  skipped: string[];
}

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'FTP_PROXY', 'ALL_PROXY'];

/** Host proxy settings, forwarded to every build (Docker treats these build args as predefined). */
export function proxyBuildArgs(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const args: Record<string, string> = {};
  for (const name of PROXY_VARIABLES) {
    for (const variant of [name, name.toLowerCase()]) {
      const value = env[variant];
      if (value) args[variant] = value;
    }
  }
  return args;
}

/**
 * Builds what a workspace's image needs, in order, skipping every image whose content-hash tag
 * already exists. Tags are set only after a build succeeds, so a failed or cancelled build leaves
 * every existing tag where it was.
 */
export async function buildWorkspace(ws: ResolvedWorkspace, options: BuildOptions): Promise<BuildResult> {
  const emit = options.onEvent ?? (() => undefined);
  const { docker } = options;
  const force = Boolean(options.rebuild || options.pull);
  const prepared = options.approval ? await approvedSteps(ws, options, options.approval) : await prepareSteps(ws, options);
  for (const message of prepared.warnings) emit({ type: 'warning', message });
  emit({ type: 'plan', workspace: ws.name, steps: prepared.steps.map((s) => ({ kind: s.kind, source: s.source, tag: s.tag })) });
  const built: string[] = [];
  const skipped: string[] = [];
  if (prepared.steps.length === 0) {
    const image = prepared.image as string;
    await ensureImage(docker, image, options, emit);
    emit({ type: 'done', image, built, skipped });
    return { image, built, skipped };
  }
  let baseId: string | null = null;
  if (ws.defaultsImage) baseId = await ensureImage(docker, ws.defaultsImage, options, emit);
  for (const step of prepared.steps) {
    if (step.kind === 'overlay') step.tag = tagOverlay(step, baseId as string);
    const tag = step.tag as string;
    const existing = force ? null : await localImageId(docker, tag);
    if (existing) {
      emit({ type: 'image-skip', kind: step.kind, tag, reason: 'exists' });
      skipped.push(tag);
      baseId = existing;
      continue;
    }
    baseId = await buildStep(docker, step, baseId, options, emit);
    built.push(tag);
  }
  const image = prepared.steps.at(-1)?.tag as string;
  emit({ type: 'done', image, built, skipped });
  return { image, built, skipped };
}

/**
 * The steps to build, once the user approved what an agent could have changed. Approval can take
 * long (a person reads a diff), so the files are read again afterwards and must still be exactly
 * what was shown: a change made during the review is not approved by it.
 */
async function approvedSteps(ws: ResolvedWorkspace, options: BuildOptions, approval: BuildApprovalOptions): Promise<Awaited<ReturnType<typeof prepareSteps>>> {
  const prepared = await prepareSteps(ws, options);
  const review = reviewBuild(ws.name, prepared.steps, ws.agentWritable, approval.dataDir);
  if (!review.request) {
    recordApproval(approval.dataDir, ws.name, review);
    return prepared;
  }
  if (!(await approval.approve?.(review.request))) throw new BuildApprovalError(review.request);
  const again = await prepareSteps(ws, options);
  const recheck = reviewBuild(ws.name, again.steps, ws.agentWritable, approval.dataDir);
  if (recheck.request && recheck.request.approval !== review.request.approval) throw new BuildApprovalError(recheck.request, 'the files changed while you reviewed them; ');
  recordApproval(approval.dataDir, ws.name, recheck);
  return again;
}

/**
 * The workspace's image with the agent moved to other IDs (see core/sandbox/identity.ts), built
 * unless its tag, whose hash covers the image's ID and the IDs, exists.
 */
export async function buildUserLayer(ws: ResolvedWorkspace, image: string, identity: { uid: number; gid: number }, options: BuildOptions): Promise<string> {
  const emit = options.onEvent ?? (() => undefined);
  const imageId = await localImageId(options.docker, image);
  if (!imageId) throw new Error(`the image ${image} is not there to give the agent its IDs; build the workspace again`);
  const step = prepareUserLayer(ws.name, image, imageId, identity);
  const tag = step.tag as string;
  if (!options.rebuild && !options.pull && (await localImageId(options.docker, tag))) emit({ type: 'image-skip', kind: step.kind, tag, reason: 'exists' });
  else await buildStep(options.docker, step, imageId, { ...options, pull: false }, emit);
  return tag;
}

/**
 * Approves the build a BuildApprovalError asked about, given the digest of what the user saw. When
 * the files changed since, nothing is approved and the error says what is there now.
 */
export async function approveBuild(ws: ResolvedWorkspace, approval: string, options: PrepareOptions & { dataDir: string }): Promise<void> {
  const prepared = await prepareSteps(ws, options);
  const review = reviewBuild(ws.name, prepared.steps, ws.agentWritable, options.dataDir);
  if (review.request && review.request.approval !== approval) throw new BuildApprovalError(review.request, 'the files changed since you reviewed them; ');
  recordApproval(options.dataDir, ws.name, review);
}

/**
 * A sidecar's image for a workspace, built unless its content-hash tag exists. The Docker
 * sidecar's image may instead be the workspace's `dind_image`, used as is (pulled when missing).
 */
export async function buildSidecar(ws: ResolvedWorkspace, kind: SidecarKind, options: BuildOptions): Promise<string> {
  const emit = options.onEvent ?? (() => undefined);
  if (kind === 'dind' && ws.dindImage) {
    await ensureImage(options.docker, ws.dindImage, options, emit);
    return ws.dindImage;
  }
  const step = await prepareSidecar(ws, kind, options);
  const tag = step.tag as string;
  if (!options.rebuild && !options.pull && (await localImageId(options.docker, tag))) {
    emit({ type: 'image-skip', kind: step.kind, tag, reason: 'exists' });
  } else {
    await buildStep(options.docker, step, null, options, emit);
  }
  return tag;
}

/** Makes sure an image used as is (or as an overlay's base) is local, pulling it when asked or missing. */
async function ensureImage(docker: Docker, image: string, options: BuildOptions, emit: (event: BuildEvent) => void): Promise<string> {
  const existing = options.pull ? null : await localImageId(docker, image);
  if (existing) return existing;
  const stream = (await docker.pull(image, { abortSignal: options.signal })) as Readable;
  await readJsonStream(stream, (message) => {
    if (message.error) throw new Error(`pulling ${image} failed: ${message.error}`);
    if (typeof message.status === 'string') emit(pullEvent(null, image, message));
  });
  const id = await localImageId(docker, image);
  if (!id) throw new Error(`pulling ${image} finished, but the engine has no such image`);
  return id;
}

interface JsonMessage {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string };
}

function pullEvent(tag: string | null, image: string, message: JsonMessage): BuildEvent {
  return {
    type: 'pull',
    tag,
    image,
    layer: message.id ?? null,
    status: message.status ?? '',
    current: message.progressDetail?.current ?? null,
    total: message.progressDetail?.total ?? null,
  };
}

/** Reads the engine's newline-delimited JSON progress stream, one parsed message at a time. */
async function readJsonStream(stream: Readable, onMessage: (message: JsonMessage) => void): Promise<void> {
  const parser = new JsonLinesParser<JsonMessage>(onMessage, (line) => {
    throw new Error(`the engine sent a progress line that is not JSON: ${line.slice(0, 200)}`);
  });
  for await (const chunk of stream) parser.push(chunk as Uint8Array);
  parser.flush();
}

const STEP_LINE = /^Step (\d+)\/(\d+) : (.*)$/;
const OUTPUT_KEPT = 50;

async function buildStep(docker: Docker, step: PreparedStep, baseId: string | null, options: BuildOptions, emit: (event: BuildEvent) => void): Promise<string> {
  const tag = step.tag as string;
  const started = Date.now();
  const hash = stepHash(step, baseId);
  const labels: Record<string, string> = {
    'dev.paddock.role': step.kind,
    'dev.paddock.hash': hash,
    'dev.paddock.source': step.source,
    'dev.paddock.dockerfile-sha256': crypto.createHash('sha256').update(step.dockerfile).digest('hex'),
  };
  if (step.kind === 'overlay') labels['dev.paddock.workspace'] = step.workspace;
  if (baseId) labels['dev.paddock.base'] = baseId;
  if (step.base) labels['dev.paddock.from'] = step.base;
  const sent = withLabels(step.dockerfile, labels, step.target);
  const instructions = analyzeDockerfile(sent.text).instructions;
  const steps = instructions.filter((instruction) => instruction.stage <= sent.lastStage).length;
  emit({ type: 'image-start', kind: step.kind, tag, source: step.source, steps, contextFiles: step.scan?.entries.length ?? 0 });
  const context = packContext(step.scan, sent.text, options.signal);
  const stream = (await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    dockerfile: SENT_DOCKERFILE,
    buildargs: { ...proxyBuildArgs(), ...step.buildArgs },
    ...(step.target ? { target: step.target } : {}),
    pull: options.pull ? '1' : undefined,
    ...(step.network === 'none' ? { networkmode: 'none' } : {}),
    rm: true,
    forcerm: true,
    version: '1',
    abortSignal: options.signal,
  } as Docker.ImageBuildOptions)) as Readable;

  let current = 0;
  let currentInstruction: string | null = null;
  const output: string[] = [];
  let imageId: string | null = null;
  let failure: string | null = null;
  // The legacy builder paints a step's stderr red with escape codes; events carry plain text.
  const lines = new LineSplitter((line) => handleLine(line.replace(/\u001b\[[0-9;]*m/g, '')));
  const handleLine = (line: string) => {
    const stepMatch = STEP_LINE.exec(line);
    if (stepMatch) {
      current = Number(stepMatch[1]);
      currentInstruction = stepMatch[3] ?? '';
      output.length = 0;
      const instruction = instructions[current - 1];
      const line = instruction && instruction.line !== sent.labelLine ? step.userLine(instruction.line) : null;
      emit({ type: 'step', tag, step: current, steps: Number(stepMatch[2]), instruction: currentInstruction, line });
      return;
    }
    if (line.trim() === '---> Using cache') return emit({ type: 'step-cached', tag, step: current });
    if (/^ ---> [0-9a-f]{12}$|^ ---> Running in [0-9a-f]+$|^Removing intermediate container|^Successfully (built|tagged)|^ ---> \[Warning\]/.test(line)) return;
    if (line === '' && output.length === 0) return;
    output.push(line);
    if (output.length > OUTPUT_KEPT) output.shift();
    emit({ type: 'output', tag, step: current, line });
  };
  try {
    await readJsonStream(stream, (message) => {
      if (message.error) failure = message.errorDetail?.message ?? message.error;
      else if (message.aux?.ID) imageId = message.aux.ID;
      else if (typeof message.stream === 'string') lines.push(message.stream);
      else if (typeof message.status === 'string') emit(pullEvent(tag, step.base ?? '', message));
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw error;
  }
  lines.flush();
  if (options.signal?.aborted) throw options.signal.reason;
  if (failure || !imageId) {
    const instruction = instructions[current - 1];
    const line = instruction ? step.userLine(instruction.line) : null;
    const where = current ? ` at step ${current}${line ? ` (${step.source}:${line})` : ''}: ${currentInstruction}` : '';
    throw new BuildError(`building ${tag} failed${where}\n${failure ?? 'the engine reported no image'}`, tag, current || null, currentInstruction, line, step.source, [...output]);
  }
  const [repo, version] = splitTag(tag);
  await docker.getImage(imageId).tag({ repo, tag: version });
  emit({ type: 'image-done', kind: step.kind, tag, id: imageId, durationMs: Date.now() - started });
  return imageId;
}

/**
 * The Dockerfile as sent: Paddock's labels as one LABEL instruction at the end of the stage that
 * is built (the API's labels parameter would add one builder step per label).
 */
export function withLabels(dockerfile: string, labels: Record<string, string>, target: string | null): { text: string; labelLine: number; lastStage: number } {
  const info = analyzeDockerfile(dockerfile);
  const escape = /^#\s*escape\s*=\s*`/im.test(dockerfile.split(/\r?\n/).slice(0, 5).join('\n')) ? '`' : '\\';
  const quote = (value: string) => `"${value.replace(/[\\`"$]/g, (c) => (c === escape || c === '"' || c === '$' ? `${escape}${c}` : c))}"`;
  const label = `LABEL ${Object.entries(labels).map(([key, value]) => `${key}=${quote(value)}`).join(' ')}`;
  const lastStage = target === null ? info.stages.length - 1 : info.stages.findIndex((stage) => stage.name?.toLowerCase() === target.toLowerCase());
  const stageEnd = Math.max(...info.instructions.filter((instruction) => instruction.stage === lastStage).map((instruction) => instruction.endLine));
  const lines = dockerfile.split('\n');
  lines.splice(stageEnd, 0, label);
  const text = lines.join('\n');
  return { text: text.endsWith('\n') ? text : `${text}\n`, labelLine: stageEnd + 1, lastStage };
}

function splitTag(reference: string): [string, string] {
  const colon = reference.lastIndexOf(':');
  return [reference.slice(0, colon), reference.slice(colon + 1)];
}
