import { Buffer } from 'node:buffer';
import dns from 'node:dns';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';

export const MAX_DOCKERFILE_BYTES = 1024 * 1024;
export const URL_TIMEOUT_MS = 30_000;
export const MAX_REDIRECTS = 5;

export type SourceErrorCode = 'NOT_FOUND' | 'UNREADABLE' | 'TOO_LARGE' | 'HTTP_STATUS' | 'TIMEOUT' | 'DNS' | 'REDIRECTS' | 'SCHEME' | 'NETWORK' | 'ADDRESS';

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
  /** Which addresses a URL may lead to; public ones that are not this computer's unless given. */
  allowAddress?(address: string): boolean;
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
 * Addresses a Dockerfile URL may not lead to: loopback, private, shared (CGN), link-local,
 * multicast, reserved and broadcast ranges, IPv4 and IPv6, and every address of this computer.
 * A URL in the config could otherwise make Paddock fetch from services only the host can reach.
 */
const NOT_PUBLIC = (() => {
  const list = new net.BlockList();
  for (const [prefix, bits] of [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
    ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ] as const) list.addSubnet(prefix, bits, 'ipv4');
  for (const [prefix, bits] of [
    ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2001:db8::', 32], ['2002::', 16], ['100::', 64],
  ] as const) list.addSubnet(prefix, bits, 'ipv6');
  return list;
})();

/** Whether a Dockerfile may be fetched from this address: a public one that is not this computer's. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPublicAddress(mapped);
  if (family === 6 && /^::ffff:/i.test(address)) return false;
  if (NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6')) return false;
  const own = Object.values(os.networkInterfaces()).flatMap((addresses) => addresses ?? []).map((entry) => entry.address.toLowerCase());
  return !own.includes(address.toLowerCase());
}

class AddressRefused extends Error {
  readonly code = 'PADDOCK_ADDRESS_REFUSED';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} is ${address}`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * The connection's own name lookup, refusing every answer that is not allowed: checking the
 * addresses here, where the socket gets them, leaves no second lookup an attacker's DNS could
 * answer differently (rebinding).
 */
function guardedLookup(allow: (address: string) => boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.find((entry) => !allow(entry.address));
      if (refused) return callback(new AddressRefused(hostname, refused.address), []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    });
  };
}

function get(url: URL, signal: AbortSignal, allow: (address: string) => boolean): Promise<http.IncomingMessage> {
  // Connections to an address literal skip the lookup, so the literal is checked here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(literal) && !allow(literal)) return Promise.reject(new AddressRefused(url.hostname, literal));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { signal, headers: { accept: 'text/plain, */*' }, lookup: guardedLookup(allow) as never }, resolve);
    request.on('error', reject);
  });
}

/**
 * Fetches a Dockerfile: http(s) only (redirects included), at most 5 redirects, one deadline for
 * the whole download, the size cap enforced while streaming (a server may lie or omit length),
 * and only from public addresses, checked after resolution at every hop.
 */
async function fetchDockerfile(url: string, options: SourceOptions): Promise<LoadedDockerfile> {
  const maxBytes = options.maxBytes ?? MAX_DOCKERFILE_BYTES;
  const timeoutMs = options.timeoutMs ?? URL_TIMEOUT_MS;
  const allow = options.allowAddress ?? isPublicAddress;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let current = url;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await get(new URL(current), signal, allow);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.destroy();
        if (redirects >= (options.maxRedirects ?? MAX_REDIRECTS)) {
          throw new DockerfileSourceError('REDIRECTS', url, `Dockerfile URL ${url} redirects more than ${options.maxRedirects ?? MAX_REDIRECTS} times`);
        }
        const next = new URL(location, current);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new DockerfileSourceError('SCHEME', url, `Dockerfile URL ${url} redirects to ${next.href}, which is not http(s)`);
        }
        current = next.href;
        continue;
      }
      if (status < 200 || status >= 300) {
        response.destroy();
        throw new DockerfileSourceError('HTTP_STATUS', url, `Dockerfile URL ${current} answered HTTP ${status} ${response.statusMessage ?? ''}`.trim());
      }
      const declared = Number(response.headers['content-length'] ?? NaN);
      if (declared > maxBytes) {
        response.destroy();
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
    if (error instanceof AddressRefused) {
      throw new DockerfileSourceError(
        'ADDRESS',
        url,
        `Dockerfile URL ${current}: ${error.host} is ${error.address}, a loopback, private, link-local or reserved address or one of this computer's; Paddock fetches Dockerfiles only from public addresses. Save the file and point dockerfile at its path instead`,
      );
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new DockerfileSourceError('DNS', url, `Dockerfile URL ${url}: the host ${new URL(current).hostname} could not be resolved`);
    }
    throw new DockerfileSourceError('NETWORK', url, `Dockerfile URL ${url} could not be fetched: ${(error as Error).message}`);
  }
}

async function readCapped(response: http.IncomingMessage, url: string, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      response.destroy();
      throw tooLarge(url, maxBytes);
    }
    chunks.push(chunk);
  }
  return withoutBom(Buffer.concat(chunks).toString('utf8'));
}
