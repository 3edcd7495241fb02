import type Docker from 'dockerode';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { prepareSteps, tagPlan } from './plan.ts';

/** A workspace's image as the engine has it now: what the workspace list shows as its last build. */
export type ImageSummary =
  | { status: 'present'; image: string; size: number; createdAt: string | null }
  /** `image` is null when even the tag is unknown: an overlay whose base is not built. */
  | { status: 'missing'; image: string | null }
  | { status: 'failed'; error: unknown };

interface LocalImage {
  size: number;
  createdAt: string | null;
}

const createdAt = (created: number | string | undefined): string | null => {
  if (typeof created === 'number') return created > 0 ? new Date(created * 1000).toISOString() : null;
  return created || null;
};

/**
 * Every workspace's image in one pass: each plan gives the tag, and one image listing answers for
 * all of them, where asking per workspace cost a config read, a plan and an inspect and history
 * each, fifty times for fifty workspaces. A reference the listing does not name as such (no tag,
 * a digest) is inspected.
 */
export async function imageSummaries(docker: Docker, workspaces: ResolvedWorkspace[], options: { cacheDir: string }): Promise<Map<string, ImageSummary>> {
  const references = new Map<string, string | null | { error: unknown }>();
  for (const ws of workspaces) {
    try {
      references.set(ws.name, (await tagPlan(ws, await prepareSteps(ws, options), docker)).image);
    } catch (error) {
      references.set(ws.name, { error });
    }
  }
  const local = new Map<string, LocalImage>();
  for (const image of await docker.listImages()) {
    for (const tag of image.RepoTags ?? []) local.set(tag, { size: image.Size, createdAt: createdAt(image.Created) });
  }
  const inspected = async (reference: string): Promise<LocalImage | null> => {
    try {
      const info = await docker.getImage(reference).inspect();
      return { size: info.Size, createdAt: createdAt(info.Created) };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
  };
  const summaries = new Map<string, ImageSummary>();
  for (const [name, reference] of references) {
    if (reference !== null && typeof reference === 'object') {
      summaries.set(name, { status: 'failed', error: reference.error });
      continue;
    }
    if (reference === null) {
      summaries.set(name, { status: 'missing', image: null });
      continue;
    }
    const found = local.get(reference) ?? (await inspected(reference));
    summaries.set(name, found ? { status: 'present', image: reference, ...found } : { status: 'missing', image: reference });
  }
  return summaries;
}
