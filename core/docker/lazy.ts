import http from 'node:http';
import https from 'node:https';
import type Docker from 'dockerode';

/**
 * A dockerode-shaped engine whose read-only calls go over a plain HTTP request and which loads
 * dockerode itself only when something else is asked of it.
 *
 * Loading dockerode (and ssh2, grpc, protobufjs behind it) costs about 100 ms, which would be most
 * of what `paddock up` of a running, unchanged workspace takes: that path only lists and inspects.
 * Over SSH there is no light path: everything goes through dockerode.
 */

/** An Engine API error shaped like dockerode's, so callers can test `statusCode` either way. */
export class EngineHttpError extends Error {
  override readonly name = 'EngineHttpError';

  constructor(
    readonly statusCode: number,
    readonly json: { message?: string } | null,
  ) {
    super(`(HTTP code ${statusCode}) ${http.STATUS_CODES[statusCode]?.toLowerCase() ?? 'error'} - ${json?.message ?? ''}`);
  }
}

type Json = unknown;

export interface LightEngine {
  get(path: string, query?: Record<string, string>): Promise<Json>;
}

/** A GET client for the endpoints dockerode would reach by unix socket, named pipe, http or https. */
export function lightEngine(options: Docker.DockerOptions, timeoutMs?: number): LightEngine | null {
  if (options.protocol === 'ssh') return null;
  const secure = options.protocol === 'https';
  const transport = secure ? https : http;
  const base: https.RequestOptions = options.socketPath
    ? { socketPath: options.socketPath }
    : {
        host: options.host,
        port: options.port,
        ...(secure ? { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: (options as { rejectUnauthorized?: boolean }).rejectUnauthorized } : {}),
      };
  return {
    get(path, query) {
      const search = query ? `?${new URLSearchParams(query)}` : '';
      return new Promise((resolve, reject) => {
        const request = transport.request({ ...base, method: 'GET', path: `${path}${search}`, timeout: timeoutMs }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = response.statusCode ?? 0;
            const type = response.headers['content-type'] ?? '';
            let body: Json = text;
            if (type.includes('json')) {
              try {
                body = JSON.parse(text);
              } catch (error) {
                return reject(error);
              }
            } else if (!type.startsWith('text/') && status >= 200 && status < 300) {
              // A container's logs: a multiplexed byte stream (typed as such from API 1.42, untyped
              // before), whose frame headers are not text.
              body = Buffer.concat(chunks);
            }
            if (status >= 200 && status < 300) resolve(body);
            else reject(new EngineHttpError(status, typeof body === 'object' ? (body as { message?: string }) : { message: text.trim() }));
          });
        });
        request.on('timeout', () => request.destroy(Object.assign(new Error('the engine did not answer in time'), { code: 'ETIMEDOUT' })));
        request.on('error', reject);
        request.end();
      });
    },
  };
}

type Method = (...args: unknown[]) => Promise<unknown>;

/** An object whose listed methods are served lightly and every other method by the real one. */
function facade<T extends object>(light: Record<string, Method>, real: () => Promise<T>, fields: Record<string, unknown> = {}): T {
  return new Proxy(fields as T, {
    get(target, property) {
      if (typeof property !== 'string') return undefined;
      if (property in target) return (target as Record<string, unknown>)[property];
      const served = light[property];
      if (served) return served;
      // Never a thenable: `await facade` must not try to call `.then` on the real object.
      if (property === 'then') return undefined;
      return (...args: unknown[]) => real().then((object) => (object as Record<string, Method>)[property]!(...args));
    },
  });
}

const encode = encodeURIComponent;

const engineOptionsOf = new WeakMap<object, Docker.DockerOptions>();

/**
 * The options an engine was made with (its socket, host or protocol): a lazy engine is a proxy, so
 * dockerode's `modem` is not there to ask; a plain dockerode object answers through it.
 */
export function engineOptions(docker: Docker): Docker.DockerOptions | null {
  return engineOptionsOf.get(docker) ?? ((docker as { modem?: Docker.DockerOptions }).modem ?? null);
}

/**
 * The engine for these options: dockerode's interface, with ping, the list calls, the inspects and
 * a container's output so far answered by `lightEngine`, and dockerode loaded on the first call
 * that needs anything more.
 */
export function lazyDocker(options: Docker.DockerOptions, load: () => Promise<Docker>, timeoutMs?: number): Docker {
  const docker = lazyFacade(options, load, timeoutMs);
  engineOptionsOf.set(docker, options);
  return docker;
}

function lazyFacade(options: Docker.DockerOptions, load: () => Promise<Docker>, timeoutMs?: number): Docker {
  let loaded: Promise<Docker> | null = null;
  const real = () => (loaded ??= load());
  const engine = lightEngine(options, timeoutMs);
  if (!engine) {
    return facade<Docker>({}, real);
  }
  const filtersQuery = (filters: unknown): Record<string, string> => (filters === undefined ? {} : { filters: typeof filters === 'string' ? filters : JSON.stringify(filters) });
  const entity = <T extends object>(fields: Record<string, string>, path: string, pick: (docker: Docker) => T) =>
    facade<T>({ inspect: () => engine.get(path) }, () => real().then(pick), fields);
  return facade<Docker>(
    {
      ping: () => engine.get('/_ping'),
      version: () => engine.get('/version'),
      info: () => engine.get('/info'),
      listContainers: (opts = {}) => {
        const { all, filters } = opts as { all?: boolean; filters?: unknown };
        return engine.get('/containers/json', { ...(all ? { all: 'true' } : {}), ...filtersQuery(filters) });
      },
      listImages: (opts = {}) => engine.get('/images/json', filtersQuery((opts as { filters?: unknown }).filters)),
      listVolumes: (opts = {}) => engine.get('/volumes', filtersQuery((opts as { filters?: unknown }).filters)),
      listNetworks: (opts = {}) => engine.get('/networks', filtersQuery((opts as { filters?: unknown }).filters)),
    },
    real,
    {
      getContainer: (id: string) => {
        const container = () => real().then((docker) => docker.getContainer(id));
        return facade<Docker.Container>(
          {
            inspect: () => engine.get(`/containers/${encode(id)}/json`),
            logs: (opts = {}) => {
              const { follow, abortSignal, ...query } = opts as Docker.ContainerLogsOptions & { abortSignal?: AbortSignal };
              // Following, or a read that may be cancelled, needs dockerode's streams.
              if (follow || abortSignal) return container().then((real) => real.logs(opts as Docker.ContainerLogsOptions & { follow: true }));
              // stdout, stderr, since, until, timestamps, tail: the engine takes them as they are.
              return engine.get(`/containers/${encode(id)}/logs`, Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined).map(([key, value]) => [key, String(value)])));
            },
          },
          container,
          { id },
        );
      },
      // As dockerode does: the engine routes image names with their slashes and colons as they are.
      getImage: (name: string) => entity({ name }, `/images/${name}/json`, (docker) => docker.getImage(name)),
      getNetwork: (id: string) => entity({ id }, `/networks/${encode(id)}`, (docker) => docker.getNetwork(id)),
      getVolume: (name: string) => entity({ name }, `/volumes/${encode(name)}`, (docker) => docker.getVolume(name)),
    },
  );
}
