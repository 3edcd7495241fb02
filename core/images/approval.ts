import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/edit.ts';
import { isSameOrUnder } from '../config/paths.ts';
import { analyzeDockerfile } from './dockerfile.ts';
import type { PreparedStep } from './plan.ts';
import { isUrl } from './source.ts';
import { unifiedDiff } from './text-diff.ts';

/**
 * What the user approved of one build step: the Dockerfile's text and, for each context file the
 * Dockerfile can COPY or ADD, its content hash and mode. Kept in Paddock's data folder, which no
 * workspace mounts, so an agent can change its Dockerfile but never what was approved.
 */
export interface ApprovedStep {
  kind: ReviewedKind;
  source: string;
  context: string | null;
  dockerfile: string;
  files: Record<string, string>;
}

type ReviewedKind = 'preset' | 'overlay';

/** One step that changed since the user last approved it, with the files an agent could write. */
export interface StepReview {
  kind: ReviewedKind;
  source: string;
  context: string | null;
  /** The agent-writable folder (a workspace path or a read-write mount) the files lie in. */
  writable: string;
  /** No build of this step was ever approved. */
  firstBuild: boolean;
  /** A unified diff from the approved Dockerfile to the current one; empty when it is unchanged. */
  dockerfileDiff: string;
  files: { added: string[]; removed: string[]; changed: string[] };
}

export interface BuildApprovalRequest {
  workspace: string;
  /** A digest of exactly what is shown: approving it approves these files and no later change. */
  approval: string;
  steps: StepReview[];
}

/** A build from files the agent can write, which changed since the user last approved them. */
export class BuildApprovalError extends Error {
  override readonly name = 'BuildApprovalError';
  readonly code = 'BUILD_APPROVAL_REQUIRED';

  constructor(
    readonly request: BuildApprovalRequest,
    prefix = '',
  ) {
    super(`${prefix}${approvalSummary(request)}`);
  }
}

/** One line naming what changed, for error messages and the CLI's refusal. */
export function approvalSummary(request: BuildApprovalRequest): string {
  const parts = request.steps.map((step) => {
    const what = step.kind === 'overlay' ? 'overlay Dockerfile' : '[base] Dockerfile';
    const files = [...step.files.added, ...step.files.changed, ...step.files.removed];
    const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : '');
    if (step.firstBuild) return `its ${what} ${step.source} (in ${step.writable}, which the agent can write) was never approved`;
    const changes = [step.dockerfileDiff ? `${step.source} changed` : null, files.length ? `context files changed: ${shown}` : null].filter(Boolean).join('; ');
    return `its ${what} changed since the build you last approved (${changes})`;
  });
  return `workspace "${request.workspace}" needs your approval to build: ${parts.join('; ')}`;
}

interface ApprovalFile {
  version: 1;
  steps: Partial<Record<ReviewedKind, ApprovedStep>>;
}

export function approvalFile(dataDir: string, workspace: string): string {
  return path.join(dataDir, 'workspaces', workspace, 'approved-build.json');
}

function readApprovals(dataDir: string, workspace: string): ApprovalFile {
  try {
    const data = JSON.parse(fs.readFileSync(approvalFile(dataDir, workspace), 'utf8')) as ApprovalFile;
    if (data.version === 1 && data.steps && typeof data.steps === 'object') return data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
  }
  return { version: 1, steps: {} };
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * The agent-writable folder a step's Dockerfile or context lies in (or, for a context, contains),
 * compared by name and by real path, so a symlink does not hide where a file really is.
 */
export function writableFolderOf(step: Pick<PreparedStep, 'source' | 'context'>, agentWritable: readonly string[]): string | null {
  const dockerfile = isUrl(step.source) ? null : step.source;
  for (const folder of agentWritable) {
    const realFolder = realPath(folder);
    if (dockerfile && [dockerfile, realPath(dockerfile)].some((file) => isSameOrUnder(file, folder) || isSameOrUnder(file, realFolder))) return folder;
    if (step.context) {
      const contexts = [step.context, realPath(step.context)];
      if (contexts.some((context) => [folder, realFolder].some((candidate) => isSameOrUnder(context, candidate) || isSameOrUnder(candidate, context)))) return folder;
    }
  }
  return null;
}

/** Go's filepath.Match, which the builder uses for COPY sources, as a regular expression. */
function globPattern(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += `\\${pattern[++i]}`;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/^[!^]/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The context sources of one COPY or ADD (ONBUILD ones too); null when they cannot be known (a variable). */
function copySources(text: string): string[] | null {
  const keyword = /^\S+/.exec(text)?.[0]?.toUpperCase() ?? '';
  const rest = text.slice(keyword.length).trim();
  if (keyword === 'ONBUILD') return copySources(rest);
  if (keyword !== 'COPY' && keyword !== 'ADD') return [];
  let tokens = rest.split(/\s+/).filter(Boolean);
  while (tokens[0]?.startsWith('--')) {
    if (/^--from(=|$)/i.test(tokens[0])) return [];
    tokens = tokens.slice(1);
  }
  const joined = tokens.join(' ');
  if (joined.startsWith('[')) {
    try {
      const parsed = JSON.parse(joined) as unknown;
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) tokens = parsed;
    } catch {
      return null;
    }
  }
  const sources = tokens.slice(0, -1).filter((source) => !/^(https?|git):\/\//i.test(source) && !source.startsWith('git@'));
  return sources.some((source) => source.includes('$') || source.startsWith('<<')) ? null : sources;
}

/**
 * The context files a Dockerfile can read: what its COPY and ADD sources match, a folder with
 * everything below it. The legacy builder Paddock uses has no other way into the context.
 */
export function usedContextFiles(dockerfile: string, paths: readonly string[]): Set<string> {
  const patterns: RegExp[] = [];
  for (const instruction of analyzeDockerfile(dockerfile).instructions) {
    const sources = copySources(instruction.text);
    if (sources === null) return new Set(paths);
    for (const source of sources) {
      const clean = path.posix.normalize(`/${source}`).slice(1).replace(/\/$/, '');
      if (clean === '') return new Set(paths);
      patterns.push(globPattern(clean));
    }
  }
  return new Set(
    paths.filter((file) => {
      const segments = file.split('/');
      return segments.some((_, index) => patterns.some((pattern) => pattern.test(segments.slice(0, index + 1).join('/'))));
    }),
  );
}

function approvedStep(step: PreparedStep): ApprovedStep {
  const used = usedContextFiles(step.dockerfile, [...step.fileHashes.keys()]);
  const files = Object.fromEntries([...step.fileHashes].filter(([file]) => used.has(file)).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { kind: step.kind as ReviewedKind, source: step.source, context: step.context, dockerfile: step.dockerfile, files };
}

function sameStep(a: ApprovedStep | undefined, b: ApprovedStep): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

export interface BuildReview {
  /** Null when nothing the agent can write changed since the user approved it. */
  request: BuildApprovalRequest | null;
  /** What to record once the build may go ahead. */
  current: ApprovalFile;
  changed: boolean;
}

/**
 * Compares the steps a build needs with what the user last approved. Steps built from files no
 * agent can write need no approval (the user wrote them) and are recorded as they are, so a later
 * move into a workspace shows a diff from the last build.
 */
export function reviewBuild(workspace: string, steps: readonly PreparedStep[], agentWritable: readonly string[], dataDir: string): BuildReview {
  const stored = readApprovals(dataDir, workspace);
  const current: ApprovalFile = { version: 1, steps: { ...stored.steps } };
  const reviews: StepReview[] = [];
  const pending: ApprovedStep[] = [];
  for (const step of steps) {
    if (step.kind !== 'preset' && step.kind !== 'overlay') continue;
    const now = approvedStep(step);
    const before = stored.steps[step.kind];
    current.steps[step.kind] = now;
    const writable = writableFolderOf(step, agentWritable);
    if (!writable || sameStep(before, now)) continue;
    const beforeFiles = before?.files ?? {};
    reviews.push({
      kind: now.kind,
      source: now.source,
      context: now.context,
      writable,
      firstBuild: !before,
      dockerfileDiff: unifiedDiff(before?.dockerfile ?? '', now.dockerfile, { before: before ? `approved ${before.source}` : '/dev/null', after: now.source }),
      files: {
        added: Object.keys(now.files).filter((file) => !(file in beforeFiles)),
        removed: Object.keys(beforeFiles).filter((file) => !(file in now.files)),
        changed: Object.keys(now.files).filter((file) => file in beforeFiles && beforeFiles[file] !== now.files[file]),
      },
    });
    pending.push(now);
  }
  const request = reviews.length
    ? { workspace, approval: crypto.createHash('sha256').update(JSON.stringify(pending)).digest('hex'), steps: reviews }
    : null;
  return { request, current, changed: JSON.stringify(current) !== JSON.stringify(stored) };
}

export function recordApproval(dataDir: string, workspace: string, review: BuildReview): void {
  if (review.changed) writeFileAtomic(approvalFile(dataDir, workspace), `${JSON.stringify(review.current, null, 2)}\n`);
}
