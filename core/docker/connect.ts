import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import type Docker from 'dockerode';
import { homeDir } from '../config/paths.ts';
import { lazyDocker } from './lazy.ts';

export interface EngineEndpoint {
  /** The address as the docker CLI would write it (`unix:///var/run/docker.sock`, `tcp://…`, `ssh://…`). */
  address: string;
  /** Why this endpoint was chosen: `DOCKER_HOST`, `context "colima"`, `Docker Desktop socket`, … */
  source: string;
  options: Docker.DockerOptions;
}

export interface ConnectionAttempt {
  address: string;
  source: string;
  error: string;
}

/** No engine could be reached: says what was tried and what to do about it. */
export class DockerConnectionError extends Error {
  override readonly name = 'DockerConnectionError';
  readonly code = 'DOCKER_UNAVAILABLE';

  constructor(
    readonly attempts: ConnectionAttempt[],
    readonly hint: string,
  ) {
    super(
      attempts.length === 0
        ? `No Docker engine found. ${hint}`
        : `No Docker engine could be reached. Tried:\n${attempts.map((a) => `  - ${a.address} (${a.source}): ${a.error}`).join('\n')}\n${hint}`,
    );
  }
}

export interface DiscoveryEnvironment {
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
  exists(file: string): boolean;
  readText(file: string): string;
}

export function hostDiscoveryEnvironment(): DiscoveryEnvironment {
  return {
    env: process.env,
    home: homeDir(),
    platform: process.platform,
    exists: (file) => fs.existsSync(file),
    readText: (file) => fs.readFileSync(file, 'utf8'),
  };
}

/**
 * The endpoints to try, in order, the way the docker CLI chooses: DOCKER_HOST, else the current
 * context (DOCKER_CONTEXT or ~/.docker/config.json), else the sockets the common engines create.
 * `explicit` means the user named one endpoint: only it is tried.
 */
export function discoverEndpoints(discovery: DiscoveryEnvironment): { explicit: boolean; endpoints: EngineEndpoint[]; missing: string[] } {
  const { env } = discovery;
  if (env.DOCKER_HOST) {
    return { explicit: true, endpoints: [endpointFromAddress(env.DOCKER_HOST, 'DOCKER_HOST', tlsFromEnvironment(discovery))], missing: [] };
  }
  const context = currentContext(discovery);
  if (context && context !== 'default') {
    return { explicit: true, endpoints: [contextEndpoint(context, discovery)], missing: [] };
  }
  const endpoints: EngineEndpoint[] = [];
  const missing: string[] = [];
  for (const [socket, source] of wellKnownSockets(discovery)) {
    if (socket.startsWith('//./pipe/') || discovery.exists(socket)) {
      endpoints.push({ address: socket.startsWith('//') ? `npipe://${socket}` : `unix://${socket}`, source, options: { socketPath: socket } });
    } else {
      missing.push(socket);
    }
  }
  return { explicit: false, endpoints, missing };
}

function wellKnownSockets({ env, home, platform }: DiscoveryEnvironment): Array<[string, string]> {
  if (platform === 'win32') {
    return [
      ['//./pipe/docker_engine', 'Docker Desktop named pipe'],
      ['//./pipe/podman-machine-default', 'Podman machine named pipe'],
    ];
  }
  const runtime = env.XDG_RUNTIME_DIR;
  const sockets: Array<[string, string]> = [
    ['/var/run/docker.sock', 'default socket'],
    [path.join(home, '.docker/run/docker.sock'), 'Docker Desktop socket'],
    [path.join(home, '.docker/desktop/docker.sock'), 'Docker Desktop socket'],
    [path.join(home, '.orbstack/run/docker.sock'), 'OrbStack socket'],
    [path.join(home, '.colima/default/docker.sock'), 'Colima socket'],
    [path.join(home, '.colima/docker.sock'), 'Colima socket'],
    [path.join(home, '.rd/docker.sock'), 'Rancher Desktop socket'],
  ];
  if (runtime) {
    sockets.push([path.join(runtime, 'docker.sock'), 'rootless Docker socket']);
    sockets.push([path.join(runtime, 'podman/podman.sock'), 'Podman socket (rootless)']);
  }
  sockets.push(['/run/podman/podman.sock', 'Podman socket']);
  return sockets;
}

interface TlsFiles {
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

function tlsFromEnvironment({ env, home, exists, readText }: DiscoveryEnvironment): TlsFiles | null {
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  if (!verify && !env.DOCKER_TLS) return null;
  const folder = env.DOCKER_CERT_PATH || path.join(home, '.docker');
  return readTlsFolder(folder, verify, exists, readText);
}

function readTlsFolder(folder: string, verify: boolean, exists: (f: string) => boolean, readText: (f: string) => string): TlsFiles {
  const read = (name: string) => {
    const file = path.join(folder, name);
    return exists(file) ? readText(file) : undefined;
  };
  return { verify, ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

export function endpointFromAddress(address: string, source: string, tls: TlsFiles | null): EngineEndpoint {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new DockerConnectionError([], `${source} is "${address}", which is not an address. Use unix:///path/docker.sock, tcp://host:port, ssh://user@host or npipe:////./pipe/name.`);
  }
  switch (url.protocol) {
    case 'unix:':
      return { address, source, options: { socketPath: decodeURIComponent(url.pathname) } };
    case 'npipe:':
      return { address, source, options: { socketPath: address.replace(/^npipe:\/\//, '') } };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const secure = url.protocol === 'https:' || tls !== null;
      const options: Docker.DockerOptions = {
        protocol: secure ? 'https' : 'http',
        host: url.hostname,
        port: url.port || (secure ? 2376 : 2375),
      };
      if (tls) Object.assign(options, { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify });
      return { address, source, options };
    }
    case 'ssh:':
      return {
        address,
        source,
        options: {
          protocol: 'ssh',
          host: url.hostname,
          port: url.port || 22,
          username: decodeURIComponent(url.username) || undefined,
          sshOptions: { agent: process.env.SSH_AUTH_SOCK },
        } as Docker.DockerOptions,
      };
    default:
      throw new DockerConnectionError([], `${source} uses the scheme "${url.protocol.slice(0, -1)}", which Paddock cannot use. Use unix://, tcp://, ssh:// or npipe://.`);
  }
}

function dockerConfigDir({ env, home }: DiscoveryEnvironment): string {
  return env.DOCKER_CONFIG || path.join(home, '.docker');
}

function currentContext(discovery: DiscoveryEnvironment): string | null {
  if (discovery.env.DOCKER_CONTEXT) return discovery.env.DOCKER_CONTEXT;
  const file = path.join(dockerConfigDir(discovery), 'config.json');
  if (!discovery.exists(file)) return null;
  try {
    const config = JSON.parse(discovery.readText(file)) as { currentContext?: unknown };
    return typeof config.currentContext === 'string' && config.currentContext ? config.currentContext : null;
  } catch {
    return null;
  }
}

function contextEndpoint(name: string, discovery: DiscoveryEnvironment): EngineEndpoint {
  const id = crypto.createHash('sha256').update(name).digest('hex');
  const meta = path.join(dockerConfigDir(discovery), 'contexts', 'meta', id, 'meta.json');
  const source = `docker context "${name}"`;
  if (!discovery.exists(meta)) {
    throw new DockerConnectionError([], `The current docker context is "${name}", but it does not exist. Run \`docker context ls\` and \`docker context use <name>\`, or set DOCKER_HOST.`);
  }
  let host: unknown;
  let skipVerify = false;
  try {
    const parsed = JSON.parse(discovery.readText(meta)) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
    host = parsed.Endpoints?.docker?.Host;
    skipVerify = parsed.Endpoints?.docker?.SkipTLSVerify === true;
  } catch (error) {
    throw new DockerConnectionError([], `${source}: ${meta} cannot be read (${(error as Error).message}).`);
  }
  if (typeof host !== 'string' || !host) throw new DockerConnectionError([], `${source} has no Docker endpoint. Recreate it with \`docker context create\`.`);
  const tlsFolder = path.join(dockerConfigDir(discovery), 'contexts', 'tls', id, 'docker');
  const tls = discovery.exists(tlsFolder) ? readTlsFolder(tlsFolder, !skipVerify, discovery.exists, discovery.readText) : null;
  return endpointFromAddress(host, source, tls);
}

export function connectionHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Start Docker Desktop, OrbStack or Colima (`colima start`), or point DOCKER_HOST at a running engine.';
    case 'win32':
      return 'Start Docker Desktop (or Podman Desktop), or point DOCKER_HOST at a running engine.';
    default:
      return 'Install and start Docker (e.g. `sudo apt-get install docker.io && sudo systemctl start docker`), make sure your user may use its socket (`sudo usermod -aG docker $USER`, then log in again), or point DOCKER_HOST at a running engine.';
  }
}

export interface EngineConnection {
  docker: Docker;
  endpoint: EngineEndpoint;
}

/** Connects to the first endpoint that answers a ping, or throws DockerConnectionError naming them all. */
export async function connectDocker(
  discovery: DiscoveryEnvironment = hostDiscoveryEnvironment(),
  { timeoutMs = 5000 }: { timeoutMs?: number } = {},
): Promise<EngineConnection> {
  const hint = connectionHint(discovery.platform);
  const { endpoints, missing } = discoverEndpoints(discovery);
  const attempts: ConnectionAttempt[] = [];
  for (const endpoint of endpoints) {
    // dockerode is loaded only when a command needs more than lists and inspects (see lazy.ts).
    const load = async () => new (await import('dockerode')).default(endpoint.options);
    try {
      await lazyDocker({ ...endpoint.options, timeout: timeoutMs }, async () => new (await import('dockerode')).default({ ...endpoint.options, timeout: timeoutMs }), timeoutMs).ping();
      return { docker: lazyDocker(endpoint.options, load), endpoint };
    } catch (error) {
      attempts.push({ address: endpoint.address, source: endpoint.source, error: describeConnectionError(error) });
    }
  }
  if (attempts.length === 0 && missing.length) {
    throw new DockerConnectionError([], `None of the usual engine sockets exists (${missing.join(', ')}). ${hint}`);
  }
  throw new DockerConnectionError(attempts, hint);
}

function describeConnectionError(error: unknown): string {
  const err = error as NodeJS.ErrnoException & { statusCode?: number };
  switch (err.code) {
    case 'EACCES':
      return 'permission denied (your user may not use this socket)';
    case 'ENOENT':
      return 'the socket does not exist';
    case 'ECONNREFUSED':
      return 'connection refused (is the engine running?)';
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return 'no answer in time';
    default:
      return err.statusCode ? `HTTP ${err.statusCode}: ${err.message}` : err.message || String(error);
  }
}
