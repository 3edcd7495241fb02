import type { ImageLayers } from '../../core/api/contract.ts';
import type { Operation } from '../store/operations.ts';

/**
 * What the last build did to each layer, from the progress events this window saw: its step was
 * rebuilt, or came from the engine's cache, or the whole image already existed and nothing was
 * built. Events are not kept across reloads, so without them the answer is "unknown".
 */
export type LayerBuildStatus = 'rebuilt' | 'cached' | 'existing' | 'unknown';

type Layer = ImageLayers['layers'][number];
type Part = Layer['part'];

/**
 * The operation whose build made this image, as this window saw it: the newest one that built it,
 * else (a start that found it built already) the newest one that found it there.
 */
export function lastBuildOf(operations: Record<string, Operation>, workspace: string, image: string): Operation | null {
  let built: Operation | null = null;
  let found: Operation | null = null;
  for (const operation of Object.values(operations)) {
    if (operation.workspace !== workspace || operation.kind === 'down' || operation.status !== 'succeeded') continue;
    const entry = operation.images.find((candidate) => candidate.tag === image);
    if (entry?.state === 'done' && (!built || operation.startedAt > built.startedAt)) built = operation;
    if (entry?.state === 'skipped' && (!found || operation.startedAt > found.startedAt)) found = operation;
  }
  return built ?? found;
}

/** Each layer's status, by index. Layers are matched to steps by their Dockerfile line. */
export function layerBuildStatus(layers: readonly Layer[], operation: Operation | null): LayerBuildStatus[] {
  if (!operation) return layers.map(() => 'unknown');
  const byPart = new Map<Part, Operation['images'][number]>();
  for (const image of operation.images) {
    if (image.kind === 'embedded' || image.kind === 'preset' || image.kind === 'overlay') byPart.set(image.kind, image);
  }
  return layers.map((layer) => {
    const image = byPart.get(layer.part);
    if (!image) return 'unknown';
    if (image.state === 'skipped') return 'existing';
    if (image.state !== 'done' || layer.line === null) return 'unknown';
    const step = image.stepLog.find((entry) => entry.line === layer.line);
    if (!step) return 'unknown';
    return step.cached ? 'cached' : 'rebuilt';
  });
}
