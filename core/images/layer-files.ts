import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type Docker from 'dockerode';
import { extract, type Header } from 'tar-stream';
import { isPaddockLabelStep } from './layers.ts';

/** One entry of a layer's filesystem change. */
export interface LayerFile {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'other';
  size: number;
  mode: number;
  /** An overlay "whiteout": the layer deletes this path from the layers below. */
  deleted: boolean;
}

/** The files of every shown layer of an image, by the index `imageLayers` gives each layer. */
export interface ImageLayerFiles {
  image: string;
  layers: LayerFile[][];
}

interface ConfigHistory {
  created_by?: string;
  empty_layer?: boolean;
}

const WHITEOUT = '.wh.';
/** Small JSON files (manifests, configs) are kept; anything larger than this is a layer. */
const MAX_JSON_BYTES = 4 * 1024 * 1024;

/**
 * Reads an image export (`docker save`) once, as a stream, and lists the files of each layer. Both
 * layouts are read: the legacy one (`<id>/layer.tar`, `manifest.json`, `<config>.json`) and the OCI
 * one (`index.json`, `blobs/sha256/<digest>`), with gzip-compressed layers too. Which entry is which
 * layer is only known from the manifest, which comes anywhere in the archive, so every layer is
 * listed on the way and matched at the end.
 */
export async function readImageExport(source: Readable, image: string, signal?: AbortSignal): Promise<ImageLayerFiles> {
  const json = new Map<string, unknown>();
  const listed = new Map<string, LayerFile[]>();
  const outer = extract();
  outer.on('entry', (header, stream, next) => {
    consumeEntry(header, stream as unknown as AsyncIterable<Buffer>)
      .then((result) => {
        if (result?.kind === 'json') json.set(header.name, result.value);
        if (result?.kind === 'layer') listed.set(header.name, result.files);
        next();
      })
      .catch((error: unknown) => next(error as Error));
  });
  await pipeline(source, outer as unknown as Writable, { signal });
  return { image, layers: matchLayers(json, listed) };
}

async function consumeEntry(header: Header, stream: AsyncIterable<Buffer>): Promise<{ kind: 'json'; value: unknown } | { kind: 'layer'; files: LayerFile[] } | null> {
  // tar-stream's entries are streamx streams: read through their async iterator, which both support.
  const chunks = stream[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  let finished = false;
  while (length < 512) {
    const step = await chunks.next();
    if (step.done) {
      finished = true;
      break;
    }
    head.push(step.value);
    length += step.value.length;
  }
  const first = Buffer.concat(head);
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (first.length) yield first;
    if (finished) return;
    for (let step = await chunks.next(); !step.done; step = await chunks.next()) yield step.value;
  };
  const drain = async () => {
    for await (const _ of rest());
  };
  if (header.type !== 'file' || first.length === 0) {
    await drain();
    return null;
  }
  if ((first[0] === 0x7b || first[0] === 0x5b) && (header.size ?? 0) <= MAX_JSON_BYTES) {
    const all: Buffer[] = [];
    for await (const chunk of rest()) all.push(chunk);
    try {
      return { kind: 'json', value: JSON.parse(Buffer.concat(all).toString('utf8')) };
    } catch {
      return null;
    }
  }
  const gzipped = first[0] === 0x1f && first[1] === 0x8b;
  const isTar = gzipped || (first.length >= 262 && first.subarray(257, 262).toString('latin1') === 'ustar');
  if (!isTar) {
    await drain();
    return null;
  }
  const body = Readable.from(rest());
  return { kind: 'layer', files: await listTar(gzipped ? body.pipe(zlib.createGunzip()) : body) };
}

async function listTar(stream: Readable): Promise<LayerFile[]> {
  const files: LayerFile[] = [];
  const inner = extract();
  inner.on('entry', (header, entry, next) => {
    const path = `/${header.name.replace(/^\.?\//, '').replace(/\/$/, '')}`;
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base.startsWith(WHITEOUT)) {
      // `.wh..wh..opq` marks a directory whose lower contents are hidden; `.wh.name` deletes name.
      const dir = path.slice(0, path.lastIndexOf('/')) || '/';
      const target = base === '.wh..wh..opq' ? dir : `${dir === '/' ? '' : dir}/${base.slice(WHITEOUT.length)}`;
      files.push({ path: target, type: 'other', size: 0, mode: 0, deleted: true });
    } else {
      files.push({ path, type: typeOf(header.type), size: header.size ?? 0, mode: header.mode ?? 0, deleted: false });
    }
    entry.on('end', () => next());
    entry.resume();
  });
  await pipeline(stream, inner as unknown as Writable);
  return files;
}

function typeOf(type: Header['type']): LayerFile['type'] {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'link';
    default:
      return 'other';
  }
}

interface Located {
  config: { history?: ConfigHistory[] };
  layerEntries: string[];
}

/** The manifest and config of the export, in whichever layout it came. */
function locate(json: Map<string, unknown>): Located {
  const legacy = json.get('manifest.json') as Array<{ Config: string; Layers: string[] }> | undefined;
  if (Array.isArray(legacy) && legacy[0]) {
    return { config: (json.get(legacy[0].Config) ?? {}) as Located['config'], layerEntries: legacy[0].Layers };
  }
  const blob = (descriptor: { digest?: string } | undefined) => (descriptor?.digest ? `blobs/${descriptor.digest.replace(':', '/')}` : '');
  const index = json.get('index.json') as { manifests?: Array<{ digest?: string }> } | undefined;
  let manifest = json.get(blob(index?.manifests?.[0])) as { manifests?: Array<{ digest?: string }>; config?: { digest?: string }; layers?: Array<{ digest?: string }> } | undefined;
  // An index may point at another index (one per platform) before the image manifest.
  if (manifest?.manifests) manifest = json.get(blob(manifest.manifests[0])) as typeof manifest;
  if (!manifest?.layers) throw new Error('the image export has neither a manifest.json nor an OCI index with an image manifest');
  return { config: (json.get(blob(manifest.config)) ?? {}) as Located['config'], layerEntries: manifest.layers.map(blob) };
}

/**
 * Pairs the config's history (oldest first, as `imageLayers` shows it, without Paddock's label
 * steps) with the manifest's layers: each history entry that is not an empty layer made the next
 * layer of the manifest.
 */
function matchLayers(json: Map<string, unknown>, listed: Map<string, LayerFile[]>): LayerFile[][] {
  const { config, layerEntries } = locate(json);
  const history: ConfigHistory[] = config.history ?? layerEntries.map(() => ({}));
  const shown: LayerFile[][] = [];
  let next = 0;
  for (const entry of history) {
    const files = entry.empty_layer ? [] : (listed.get(layerEntries[next++] ?? '') ?? []);
    if (!isPaddockLabelStep(entry.created_by ?? '')) shown.push(files);
  }
  return shown;
}

/** Exports a local image from the engine and lists each layer's files; the signal cancels the export. */
export async function imageLayerFiles(docker: Docker, reference: string, signal?: AbortSignal): Promise<ImageLayerFiles> {
  const stream = (await docker.getImage(reference).get()) as unknown as Readable;
  try {
    return await readImageExport(stream, reference, signal);
  } finally {
    stream.destroy();
  }
}
