import crypto from 'node:crypto';
import type Docker from 'dockerode';
import { analyzeDockerfile } from './dockerfile.ts';

export type LayerPart = 'upstream' | 'embedded' | 'preset' | 'overlay';

export interface LayerInfo {
  /** Position from the bottom of the stack (0 = the oldest layer). */
  index: number;
  /** The image ID recorded for this step; null for steps of pulled images. */
  id: string | null;
  instruction: string;
  size: number;
  created: string;
  part: LayerPart;
  /** The Dockerfile and line that made this layer, when Paddock built it from a Dockerfile it still has. */
  source: string | null;
  line: number | null;
}

export interface ImageLayers {
  image: string;
  id: string;
  size: number;
  parts: Array<{ part: LayerPart; size: number; layers: number }>;
  layers: LayerInfo[];
}

/** A Dockerfile Paddock built from, so its layers can point back at lines. */
export interface KnownDockerfile {
  text: string;
  source: string;
  userLine(line: number): number;
}

interface HistoryEntry {
  Id: string;
  Created: number;
  CreatedBy: string;
  Size: number;
  Comment?: string;
}

interface Boundary {
  id: string;
  part: LayerPart;
  dockerfileSha: string | null;
}

/** `/bin/sh -c #(nop)  ENV A=1` → `ENV A=1`; `|1 BASE=x /bin/sh -c make` → `RUN make`. */
export function instructionOf(createdBy: string, comment = ''): string {
  if (!createdBy) return comment ? `(${comment})` : '(no history)';
  const withoutArgs = createdBy.replace(/^\|\d+(\s+\S+=\S*)*\s+/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(withoutArgs);
  if (nop) return (nop[1] ?? '').trim();
  const run = /^\/bin\/(?:ba)?sh -c (.*)$/s.exec(withoutArgs);
  if (run) return `RUN ${(run[1] ?? '').trim()}`;
  return withoutArgs.trim();
}

/** The legacy builder adds Paddock's build labels as LABEL steps of their own: metadata, no bytes, not shown. */
export function isPaddockLabelStep(createdBy: string): boolean {
  return /^LABEL dev\.paddock\./.test(instructionOf(createdBy));
}

async function inspectOrNull(docker: Docker, reference: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(reference).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

/**
 * The image's layers from the history API (no image export), grouped into the parts Paddock
 * knows: the boundaries are the IDs of the base images, followed through Paddock's labels.
 */
export async function imageLayers(docker: Docker, reference: string, dockerfiles: KnownDockerfile[] = []): Promise<ImageLayers> {
  const image = await docker.getImage(reference).inspect();
  const history = ((await docker.getImage(image.Id).history()) as HistoryEntry[]).slice().reverse();
  const boundaries: Boundary[] = [];
  let current: Docker.ImageInspectInfo | null = image;
  while (current) {
    const labels: Record<string, string> = current.Config?.Labels ?? {};
    const role = labels['dev.paddock.role'];
    if (role !== 'embedded' && role !== 'preset' && role !== 'overlay') {
      boundaries.push({ id: current.Id, part: 'upstream', dockerfileSha: null });
      break;
    }
    boundaries.push({ id: current.Id, part: role, dockerfileSha: labels['dev.paddock.dockerfile-sha256'] ?? null });
    const below = labels['dev.paddock.base'] ?? (role !== 'overlay' ? labels['dev.paddock.from'] : undefined);
    current = below ? await inspectOrNull(docker, below) : null;
  }
  const positions = boundaries
    .map((boundary) => ({ ...boundary, at: history.findIndex((entry) => entry.Id === boundary.id) }))
    .filter((boundary) => boundary.at >= 0)
    .sort((a, b) => a.at - b.at);
  const entries = history
    .map((entry, at) => ({ entry, owner: positions.findIndex((boundary) => boundary.at >= at) }))
    .filter(({ entry }) => !isPaddockLabelStep(entry.CreatedBy));
  const layers: LayerInfo[] = entries.map(({ entry, owner }, index) => ({
    index,
    id: entry.Id && entry.Id !== '<missing>' ? entry.Id : null,
    instruction: instructionOf(entry.CreatedBy, entry.Comment),
    size: entry.Size,
    created: new Date(entry.Created * 1000).toISOString(),
    part: (positions[owner] ?? positions.at(-1))?.part ?? 'upstream',
    source: null,
    line: null,
  }));
  positions.forEach((boundary, owner) => {
    const known = dockerfiles.find((file) => sha256(file.text) === boundary.dockerfileSha);
    if (known) attachLines(layers.filter((_, i) => entries[i]?.owner === owner), known);
  });
  const parts: ImageLayers['parts'] = [];
  for (const layer of layers) {
    const last = parts.at(-1);
    if (last?.part === layer.part) {
      last.size += layer.size;
      last.layers++;
    } else parts.push({ part: layer.part, size: layer.size, layers: 1 });
  }
  return { image: reference, id: image.Id, size: image.Size, parts, layers };
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/**
 * The legacy builder records one history entry per instruction of the final stage after its
 * FROM, in order, so the part's entries and those instructions pair up one to one.
 */
function attachLines(part: LayerInfo[], dockerfile: KnownDockerfile): void {
  const info = analyzeDockerfile(dockerfile.text);
  const finalStage = info.stages.length - 1;
  const instructions = info.instructions.filter((instruction) => instruction.stage === finalStage && instruction.keyword !== 'FROM');
  if (instructions.length !== part.length) return;
  part.forEach((layer, i) => {
    const instruction = instructions[i];
    if (!instruction || !layer.instruction.toUpperCase().startsWith(instruction.keyword)) return;
    layer.source = dockerfile.source;
    layer.line = dockerfile.userLine(instruction.line);
  });
}
