import crypto from 'node:crypto';
import path from 'node:path';
import type Docker from 'dockerode';
import { readAsset } from '../assets/index.ts';
import { USER_LAYER_DOCKERFILE } from '../sandbox/identity.ts';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { digestContext, FileHashCache, readIgnoreRules, scanContext, type ContextScan } from './context.ts';
import { analyzeDockerfile, injectArgBase } from './dockerfile.ts';
import { isUrl, loadDockerfile, type SourceOptions } from './source.ts';

/** `user`: the layer that gives the agent the host user's IDs (core/sandbox/identity.ts). */
export type StepKind = 'embedded' | 'preset' | 'overlay' | 'user' | SidecarKind;
/** The workspace's helper containers, built from embedded Dockerfiles on the same `[base] from`. */
export type SidecarKind = 'firewall' | 'dind';

/** One image to build, as `paddock plan` shows it. */
export interface PlanStep {
  kind: StepKind;
  /** Where the Dockerfile comes from: `embedded (full)`, a path, or a URL. */
  source: string;
  /** The tag the image gets; null while it depends on a base image that does not exist yet. */
  tag: string | null;
  /** The image it builds FROM: `[base] from` for the embedded image, the resolved base for an overlay. */
  base: string | null;
  /** The build context folder; null for an empty one. */
  context: string | null;
}

export interface ImagePlan {
  workspace: string;
  /** The image the workspace runs; null only when it depends on an image that does not exist yet. */
  image: string | null;
  steps: PlanStep[];
  warnings: string[];
}

/** A step with everything needed to hash and build it. */
export interface PreparedStep extends PlanStep {
  workspace: string;
  dockerfile: string;
  /** Maps a line of `dockerfile` (after any injection) to the line in the user's file. */
  userLine(line: number): number;
  buildArgs: Record<string, string>;
  target: string | null;
  scan: ContextScan | null;
  contextDigest: string;
  /** The context's files by path: mode and content hash, for build approvals. */
  fileHashes: ReadonlyMap<string, string>;
  /** The network of its RUN steps: 'none' only for the user's own Dockerfiles when asked. */
  network: 'default' | 'none';
}

export const HASH_LENGTH = 12;
/** Bumped when the hash inputs change meaning, so old tags are not mistaken for new ones. */
const HASH_VERSION = 'paddock-image-v1';

export interface PrepareOptions {
  /** Folder for the per-file hash caches; null keeps them in memory only. */
  cacheDir: string | null;
  sourceOptions?: SourceOptions;
}

export const EMBEDDED_REPO = 'paddock-base';
const USER_REPO = 'paddock-user';
const SIDECAR_REPOS: Record<SidecarKind, string> = { firewall: 'paddock-firewall', dind: 'paddock-dind' };

export function overlayRepository(workspace: string): string {
  return `paddock-${workspace}`;
}

/** The steps a workspace's image needs, in build order, before any base image ID is known. */
export async function prepareSteps(ws: ResolvedWorkspace, options: PrepareOptions): Promise<{ image: string | null; steps: PreparedStep[]; warnings: string[] }> {
  if (ws.image) return { image: ws.image, steps: [], warnings: [] };
  if (ws.defaultsImage && !ws.dockerfile) return { image: ws.defaultsImage, steps: [], warnings: [] };
  const warnings: string[] = [];
  const steps: PreparedStep[] = [];
  let baseRef: string | null = ws.defaultsImage;
  if (!baseRef) {
    const base = ws.base.dockerfile ? await preparePreset(ws, ws.base.dockerfile, options) : await prepareEmbedded(ws, options);
    steps.push(base);
    baseRef = base.tag;
  }
  if (ws.dockerfile) {
    const overlay = await prepareOverlay(ws, ws.dockerfile, baseRef, options);
    if (!analyzeDockerfile(overlay.dockerfile).finalStageUsesBase) {
      warnings.push(`${ws.dockerfile}: the final stage does not build FROM \${BASE}, so the workspace image does not contain the base Paddock built`);
    }
    steps.push(overlay);
  }
  return { image: steps.at(-1)?.tag ?? null, steps, warnings };
}

async function prepareEmbedded(ws: ResolvedWorkspace, options: PrepareOptions): Promise<PreparedStep> {
  const dockerfile = readAsset('base.Dockerfile');
  const step: PreparedStep = {
    kind: 'embedded',
    workspace: ws.name,
    source: `embedded (${ws.base.variant})`,
    tag: null,
    base: ws.base.from,
    context: null,
    dockerfile,
    userLine: (line) => line,
    buildArgs: { FROM_IMAGE: ws.base.from },
    target: ws.base.variant,
    scan: null,
    network: 'default',
    ...(await contextHashes(null, options)),
  };
  step.tag = `${EMBEDDED_REPO}:embedded-${stepHash(step, null)}`;
  return step;
}

/**
 * A sidecar's image: the firewall (iptables and nothing else) or the Docker daemon (rootless
 * dockerd), from the same `[base] from` image as the workspace.
 */
export async function prepareSidecar(ws: ResolvedWorkspace, kind: SidecarKind, options: PrepareOptions): Promise<PreparedStep> {
  const step: PreparedStep = {
    kind,
    workspace: ws.name,
    source: `embedded (${kind})`,
    tag: null,
    base: ws.base.from,
    context: null,
    dockerfile: readAsset(`${kind}.Dockerfile`),
    userLine: (line) => line,
    buildArgs: { FROM_IMAGE: ws.base.from },
    target: null,
    scan: null,
    network: 'default',
    ...(await contextHashes(null, options)),
  };
  step.tag = `${SIDECAR_REPOS[kind]}:${stepHash(step, null)}`;
  return step;
}

/** The layer on a workspace's image that gives the agent other IDs; its hash covers the image's ID. */
export function prepareUserLayer(workspace: string, image: string, imageId: string, identity: { uid: number; gid: number }): PreparedStep {
  const step: PreparedStep = {
    kind: 'user',
    workspace,
    source: `embedded (agent as ${identity.uid}:${identity.gid})`,
    tag: null,
    base: image,
    context: null,
    dockerfile: USER_LAYER_DOCKERFILE,
    userLine: (line) => line,
    buildArgs: { BASE: image, AGENT_UID: String(identity.uid), AGENT_GID: String(identity.gid) },
    target: null,
    scan: null,
    contextDigest: crypto.createHash('sha256').digest('hex'),
    fileHashes: new Map(),
    network: 'none',
  };
  step.tag = `${USER_REPO}:${stepHash(step, imageId)}`;
  return step;
}

async function preparePreset(ws: ResolvedWorkspace, source: string, options: PrepareOptions): Promise<PreparedStep> {
  const { text } = await loadDockerfile(source, options.sourceOptions);
  const context = isUrl(source) ? null : path.dirname(source);
  const finalFrom = analyzeDockerfile(text).stages.at(-1)?.image ?? '';
  const scan = context ? await scanContext(context, await readIgnoreRules(context, source)) : null;
  const step: PreparedStep = {
    kind: 'preset',
    workspace: ws.name,
    source,
    tag: null,
    // Recorded so the layer view can tell the upstream image's layers from the preset's.
    base: finalFrom && !finalFrom.includes('$') && !analyzeDockerfile(text).stages.some((stage) => stage.name === finalFrom) ? finalFrom : null,
    context,
    dockerfile: text,
    userLine: (line) => line,
    buildArgs: {},
    target: null,
    scan,
    network: ws.buildNetwork,
    ...(await contextHashes(scan, options)),
  };
  step.tag = `${EMBEDDED_REPO}:preset-${stepHash(step, null)}`;
  return step;
}

async function prepareOverlay(ws: ResolvedWorkspace, source: string, baseRef: string | null, options: PrepareOptions): Promise<PreparedStep> {
  const loaded = await loadDockerfile(source, options.sourceOptions);
  const injection = injectArgBase(loaded.text);
  const injectedAt = injection.injected ? injectionLine(loaded.text) : Infinity;
  const context = ws.buildContext ?? (isUrl(source) ? null : path.dirname(source));
  const scan = context ? await scanContext(context, await readIgnoreRules(context, isUrl(source) ? null : source)) : null;
  return {
    kind: 'overlay',
    workspace: ws.name,
    source,
    tag: null,
    base: baseRef,
    context,
    dockerfile: injection.text,
    userLine: (line) => (line > injectedAt ? line - 1 : line),
    buildArgs: baseRef ? { BASE: baseRef } : {},
    target: null,
    scan,
    network: ws.buildNetwork,
    ...(await contextHashes(scan, options)),
  };
}

/** The 1-based line `ARG BASE` was inserted at: right after the parser directives. */
function injectionLine(original: string): number {
  const lines = original.split('\n');
  let line = 0;
  while (line < lines.length && /^#\s*(syntax|escape|check)\s*=/i.test((lines[line] ?? '').trim())) line++;
  return line + 1;
}

async function contextHashes(scan: ContextScan | null, options: PrepareOptions): Promise<Pick<PreparedStep, 'contextDigest' | 'fileHashes'>> {
  if (!scan) return { contextDigest: crypto.createHash('sha256').digest('hex'), fileHashes: new Map() };
  // One cache per folder and ignore rules: two builds sharing a folder do not evict each other.
  const id = crypto.createHash('sha256').update(`${scan.root}\u0000${scan.rules.join('\n')}`).digest('hex').slice(0, 24);
  const cacheFile = options.cacheDir ? path.join(options.cacheDir, 'context-hashes', `${id}.json`) : null;
  const { digest, fileHashes } = await digestContext(scan, await FileHashCache.load(cacheFile));
  return { contextDigest: digest, fileHashes };
}

/**
 * The content hash of a step: everything that determines the image and nothing else. Proxy
 * variables are forwarded to builds but left out, so moving between networks rebuilds nothing.
 */
export function stepHash(step: PreparedStep, baseId: string | null): string {
  const args = Object.entries(step.buildArgs).sort(([a], [b]) => (a < b ? -1 : 1));
  const hash = crypto.createHash('sha256');
  for (const part of [HASH_VERSION, step.kind, step.dockerfile, JSON.stringify(args), step.target ?? '', step.contextDigest, baseId ?? '']) {
    hash.update(part).update('\u0000');
  }
  // A build without network may well make another image; only then is it a part, so the tags of
  // every build with the default network stay what they were.
  if (step.network === 'none') hash.update('network=none\u0000');
  return hash.digest('hex').slice(0, HASH_LENGTH);
}

/** Gives an overlay its tag once the ID of the base it builds on is known. */
export function tagOverlay(step: PreparedStep, baseId: string): string {
  return `${overlayRepository(step.workspace)}:${stepHash(step, baseId)}`;
}

/** The ID of a local image, or null when the engine does not have it. */
export async function localImageId(docker: Docker, reference: string): Promise<string | null> {
  try {
    return (await docker.getImage(reference).inspect()).Id;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

/**
 * The plan without building or pulling: every tag that can be computed. Without an engine (or
 * before the base exists) an overlay's tag is null, because its hash includes the base's ID.
 */
export async function planWorkspace(ws: ResolvedWorkspace, docker: Docker | null, options: PrepareOptions): Promise<ImagePlan> {
  return tagPlan(ws, await prepareSteps(ws, options), docker);
}

/** The plan of steps already prepared: overlays get their tags from their bases' IDs, when known. */
export async function tagPlan(ws: ResolvedWorkspace, prepared: Awaited<ReturnType<typeof prepareSteps>>, docker: Docker | null): Promise<ImagePlan> {
  const steps: PlanStep[] = [];
  for (const step of prepared.steps) {
    if (step.kind === 'overlay') {
      const baseId = step.base && docker ? await localImageId(docker, step.base) : null;
      step.tag = baseId ? tagOverlay(step, baseId) : null;
    }
    steps.push({ kind: step.kind, source: step.source, tag: step.tag, base: step.base, context: step.context });
  }
  return { workspace: ws.name, image: prepared.steps.length ? (steps.at(-1)?.tag ?? null) : prepared.image, steps, warnings: prepared.warnings };
}
