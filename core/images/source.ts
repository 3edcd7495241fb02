import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';

export const MAX_DOCKERFILE_BYTES = 1024 * 1024;
export const URL_TIMEOUT_MS = 30_000;
export const MAX_REDIRECTS = 5;

export type SourceErrorCode = 'NOT_FOUND' | 'UNREADABLE' | 'TOO_LARGE' | 'HTTP_STATUS' | 'TIMEOUT' | 'DNS' | 'REDIRECTS' | 'SCHEME' | 'NETWORK';

/** A Dockerfile that cannot be loaded. Builds abort with it: there is no fallback image. */
export class DockerfileSourceError extends Error {
  override readonly name = 'DockerfileSourceError';

  constructor(
    readonly code: SourceErrorCode,
    readonly source: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LoadedDockerfile {
  text: string;
  /** The file's path, or the URL it was finally read from (after redirects). */
  origin: string;
}

export interface SourceOptions {
  signal?: AbortSignal;
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
}

/** A byte order mark means nothing to a build; dropping it makes a file and a URL hash alike. */
function withoutBom(text: string): string {
  return text.replace(/^\uFEFF/, '');
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Loads a Dockerfile from an absolute path or an http(s) URL, capped at 1 MiB either way. */
export async function loadDockerfile(source: string, options: SourceOptions = {}): Promise<LoadedDockerfile> {
  return isUrl(source) ? fetchDockerfile(source, options) : readDockerfile(source, options.maxBytes ?? MAX_DOCKERFILE_BYTES);
}

async function readDockerfile(file: string, maxBytes: number): Promise<LoadedDockerfile> {
  let handle: fs.FileHandle;
  try {
    // Non-blocking, so that a named pipe is refused at once instead of waiting for a writer.
    handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DockerfileSourceError('NOT_FOUND', file, `Dockerfile ${file} does not exist`);
    throw new DockerfileSourceError('UNREADABLE', file, `Dockerfile ${file} cannot be read: ${(error as Error).message}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new DockerfileSourceError('UNREADABLE', file, `Dockerfile ${file} is not a file`);
    if (stat.size > maxBytes) throw tooLarge(file, maxBytes);
    return { text: withoutBom(await handle.readFile('utf8')), origin: file };
  } finally {
    await handle.close();
  }
}

function tooLarge(source: string, maxBytes: number): DockerfileSourceError {
  return new DockerfileSourceError('TOO_LARGE', source, `Dockerfile ${source} is larger than ${Math.round(maxBytes / 1024)} KiB; a Dockerfile that big is almost certainly not one`);
}

/**
 * Fetches a Dockerfile: http(s) only (redirects included), at most 5 redirects, one deadline for
 * the whole download, and the size cap enforced while streaming (a server may lie or omit length).
 */
async function fetchDockerfile(url: string, options: SourceOptions): Promise<LoadedDockerfile> {
  const maxBytes = options.maxBytes ?? MAX_DOCKERFILE_BYTES;
  const timeoutMs = options.timeoutMs ?? URL_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let current = url;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(current, { redirect: 'manual', signal, headers: { accept: 'text/plain, */*' } });
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel();
        if (redirects >= (options.maxRedirects ?? MAX_REDIRECTS)) {
          throw new DockerfileSourceError('REDIRECTS', url, `Dockerfile URL ${url} redirects more than ${options.maxRedirects ?? MAX_REDIRECTS} times`);
        }
        const next = new URL(response.headers.get('location') ?? '', current);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new DockerfileSourceError('SCHEME', url, `Dockerfile URL ${url} redirects to ${next.href}, which is not http(s)`);
        }
        current = next.href;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new DockerfileSourceError('HTTP_STATUS', url, `Dockerfile URL ${current} answered HTTP ${response.status} ${response.statusText}`.trim());
      }
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (declared > maxBytes) {
        await response.body?.cancel();
        throw tooLarge(url, maxBytes);
      }
      return { text: await readCapped(response, url, maxBytes), origin: current };
    }
  } catch (error) {
    if (error instanceof DockerfileSourceError) throw error;
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.aborted) {
      throw new DockerfileSourceError('TIMEOUT', url, `Dockerfile URL ${url} did not finish downloading within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`);
    }
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') {
      throw new DockerfileSourceError('DNS', url, `Dockerfile URL ${url}: the host ${new URL(url).hostname} could not be resolved`);
    }
    throw new DockerfileSourceError('NETWORK', url, `Dockerfile URL ${url} could not be fetched: ${cause?.message ?? (error as Error).message}`);
  }
}

async function readCapped(response: Response, url: string, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(url, maxBytes);
    }
    chunks.push(value);
  }
  return withoutBom(new TextDecoder().decode(concat(chunks, size)));
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
