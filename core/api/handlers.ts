import crypto from 'node:crypto';
import process from 'node:process';
import type Docker from 'dockerode';
import type { z } from 'zod';
import { down, up, type UpResult } from '../compose/launcher.ts';
import { applyEdits } from '../config/edit.ts';
import { validateConfigText, nodeHost } from '../config/load.ts';
import { cacheDir, dataDir, displayPath, homeDir } from '../config/paths.ts';
import { resolveWorkspace, type ResolvedWorkspace } from '../config/resolve.ts';
import { connectDocker, hostDiscoveryEnvironment, type EngineConnection } from '../docker/connect.ts';
import { runDoctor } from '../docker/doctor.ts';
import { approveBuild, buildWorkspace } from '../images/build.ts';
import { imageLayerFiles, type ImageLayerFiles } from '../images/layer-files.ts';
import { imageLayers, type KnownDockerfile } from '../images/layers.ts';
import { imageSummaries } from '../images/summaries.ts';
import { planWorkspace, prepareSteps, tagPlan } from '../images/plan.ts';
import { followStats, getInstance, InstanceNotFoundError, instanceLogs, instanceStats, listInstances, type LogLine } from '../instances/index.ts';
import { dockerTimestamp } from '../instances/logs.ts';
import { lintDockerfile } from '../lint/index.ts';
import { DetectError, detectStack } from '../onboarding/detect.ts';
import { proposeOverlay } from '../onboarding/overlay.ts';
import { VERSION } from '../version.ts';
import {
  calls,
  events,
  isCallName,
  ApiCallError,
  callNames,
  LAYER_FILES_LIMIT,
  type ApiEvent,
  type CallName,
  type CallOutput,
  type EventName,
  type EventPayload,
  type ImageSummary,
  type OperationInfo,
  type OperationKind,
  type OperationResult,
  type ProgressEvent,
} from './contract.ts';
import { readConfigText, saveEdits, snapshotOf, summaries, validateEdits, writeConfig } from './config-service.ts';
import { blocking, listDirectories, overlaysFolder, readOverlay, writeOverlay } from './workbench-service.ts';
import { EngineMonitor } from './engine.ts';
import { apiError, isConnectionFailure, safeApiError, toApiError } from './errors.ts';
import { superviseEngine, watchConfigFile, withUptime } from './live.ts';
import { netHandlers } from './net.handlers.ts';

export interface ApiOptions {
  configFile: string;
  env: NodeJS.ProcessEnv;
  /** Default: from `env`, as the CLI finds it. */
  home?: string;
  /** How to reach the engine; default: the docker CLI's discovery, with `env`. */
  connect?: () => Promise<EngineConnection>;
  /** Told about failures no caller is waiting for (a watch that broke, a handler's result that broke the contract). */
  onError?: (error: unknown) => void;
  /** How long changes settle before instances.changed and config.changed report them. */
  debounceMs?: number;
}

/** Who is calling: subscriptions a client opens deliver to it alone and end when it is released. */
export interface CallContext {
  client?: string;
}

export type ApiListener = (event: ApiEvent) => void;

export interface Api {
  /** Validates the input, runs the call, validates its output; rejects with an ApiCallError. */
  call<N extends CallName>(name: N, input: unknown, context?: CallContext): Promise<CallOutput<N>>;
  call(name: string, input: unknown, context?: CallContext): Promise<unknown>;
  /** Every broadcast event, and the events of the client's own subscriptions. Watching starts with the first listener. */
  subscribe(listener: ApiListener, options?: { client?: string }): () => void;
  /** A client went away: its log subscriptions end. */
  release(client: string): void;
  /** Cancels what runs, stops watching, and waits (briefly) for it all to stop. */
  close(): Promise<void>;
}

type Handlers = {
  [N in CallName]: (input: z.output<(typeof calls)[N]['input']>, context: CallContext) => Promise<CallOutput<N>> | CallOutput<N>;
};

interface RunningOperation {
  info: OperationInfo;
  controller: AbortController;
  done: Promise<void>;
}

/** One image export being read (or read): shared by every call for that image. */
interface LayerFilesRead {
  reading: Promise<ImageLayerFiles>;
  reader: AbortController;
  waiting: number;
  settled: boolean;
}

interface LogSubscription {
  client: string | undefined;
  controller: AbortController;
}

const CLOSE_GRACE_MS = 5000;
/** Image exports whose file lists are kept: the few images a user looks at in one sitting. */
const LAYER_FILES_CACHE = 4;

export function createApi(options: ApiOptions): Api {
  const { configFile, env } = options;
  const home = options.home ?? homeDir(env);
  const host = nodeHost(home);
  const debounceMs = options.debounceMs ?? 150;
  const onError = options.onError ?? (() => undefined);
  const connect = options.connect ?? (() => connectDocker({ ...hostDiscoveryEnvironment(), env, home }));
  const listeners = new Set<{ listener: ApiListener; client: string | undefined }>();
  const operations = new Map<string, RunningOperation>();
  const subscriptions = new Map<string, LogSubscription>();
  const layerFiles = new Map<string, LayerFilesRead>();
  const layerFileRequests = new Map<string, AbortController>();
  let live: { controller: AbortController; supervisor: Promise<void>; config: ReturnType<typeof watchConfigFile> } | null = null;
  let closed = false;

  /** Delivers a validated event: to everyone, or only to the listeners of one client. */
  function emit<E extends EventName>(event: E, payload: EventPayload<E>, audience?: { client: string | undefined }): void {
    const checked = events[event].safeParse(payload);
    if (!checked.success) {
      onError(new Error(`the ${event} event does not fit the contract: ${checked.error.message}`));
      return;
    }
    const message = { event, payload: checked.data } as ApiEvent;
    for (const entry of listeners) {
      if (audience && entry.client !== audience.client) continue;
      try {
        entry.listener(message);
      } catch (error) {
        onError(error);
      }
    }
  }

  const engine = new EngineMonitor(connect, (state) => emit('engine.changed', state));

  /** Runs engine work; a request that finds the engine gone marks it lost, so the state says so. */
  async function withEngine<T>(work: (docker: Docker) => Promise<T>): Promise<T> {
    const docker = await engine.docker();
    try {
      return await work(docker);
    } catch (error) {
      if (isConnectionFailure(error)) engine.lost(error);
      throw error;
    }
  }

  function validConfig() {
    const { text } = readConfigText(configFile);
    return validateConfigText(text, configFile, host).config;
  }

  function workspace(name: string): ResolvedWorkspace {
    const config = validConfig();
    const names = Object.keys(config.workspaces ?? {}).sort();
    if (!names.includes(name)) {
      throw apiError('workspace-not-found', `there is no workspace "${name}" in ${displayPath(configFile, home)}${names.length ? ` (workspaces: ${names.join(', ')})` : ''}`, { workspace: name });
    }
    return resolveWorkspace(config, name, host);
  }

  function ensureConfigWatch(): void {
    if (live && !live.config.watching) {
      live.config.close();
      live.config = watchConfigFile(configFile, (payload) => emit('config.changed', payload), { debounceMs, onError });
    }
  }

  function subscriptionKey(client: string | undefined, id: string): string {
    return `${client ?? ''}\u0000${id}`;
  }

  /**
   * Starts a long operation and returns its ID. The work begins on a later turn of the event loop,
   * so the call's result reaches the client before any of the operation's events.
   */
  function startOperation(
    kind: OperationKind,
    name: string,
    requested: string | undefined,
    work: (signal: AbortSignal, progress: (event: ProgressEvent) => void) => Promise<OperationResult>,
  ): { operation: string } {
    const id = requested ?? crypto.randomUUID();
    if (operations.has(id)) throw apiError('invalid-input', `the operation ID "${id}" is in use; choose another`);
    const controller = new AbortController();
    const base = { operation: id, kind, workspace: name };
    const progress = (event: ProgressEvent) => emit('operation.progress', { ...base, event });
    const done = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => work(controller.signal, progress))
      .then(
        (result) => emit('operation.done', { ...base, status: 'succeeded', result }),
        (error: unknown) => {
          if (controller.signal.aborted) {
            emit('operation.done', { ...base, status: 'cancelled' });
            return;
          }
          if (isConnectionFailure(error)) engine.lost(error);
          emit('operation.done', { ...base, status: 'failed', error: safeApiError(error) });
        },
      )
      .finally(() => operations.delete(id));
    operations.set(id, { info: { ...base, startedAt: new Date().toISOString() }, controller, done });
    return { operation: id };
  }

  const launchOptions = () => ({ cacheDir: cacheDir(env), dataDir: dataDir(env), home, env, exists: host.exists });

  function launched(result: UpResult): OperationResult {
    return {
      type: 'launched',
      project: result.project,
      port: result.port,
      services: Object.entries(result.services).map(([service, { id, action }]) => ({ service, id, action })),
    };
  }

  function checkSince(since: string | undefined): void {
    if (since === undefined) return;
    try {
      dockerTimestamp(since);
    } catch (error) {
      throw apiError('invalid-input', `since: ${(error as Error).message}`);
    }
  }

  /**
   * Starts a stream that delivers to one client (two windows may well pick the same ID) and ends
   * with `endedEvent`. The work begins on a later turn, so the ID reaches the client first.
   */
  function openSubscription(
    context: CallContext,
    requested: string | undefined,
    endedEvent: 'logs.ended' | 'stats.ended' | 'net.ended',
    run: (signal: AbortSignal, audience: { client: string | undefined }, id: string) => Promise<void>,
  ): { subscription: string } {
    const id = requested ?? crypto.randomUUID();
    const key = subscriptionKey(context.client, id);
    if (subscriptions.has(key)) throw apiError('invalid-input', `the subscription ID "${id}" is in use; choose another`);
    const controller = new AbortController();
    const audience = { client: context.client };
    subscriptions.set(key, { client: context.client, controller });
    const ended = (error: unknown) => {
      subscriptions.delete(key);
      emit(endedEvent, { subscription: id, error: error === null ? null : safeApiError(error) }, audience);
    };
    setTimeout(() => {
      run(controller.signal, audience, id).then(
        () => ended(null),
        (error: unknown) => ended(controller.signal.aborted ? null : error),
      );
    }, 0);
    return { subscription: id };
  }

  function closeSubscription(context: CallContext, subscription: string): { stopped: boolean } {
    const found = subscriptions.get(subscriptionKey(context.client, subscription));
    if (!found) return { stopped: false };
    found.controller.abort();
    return { stopped: true };
  }

  const net = netHandlers({
    config: validConfig,
    workspace,
    saveEdits: (edits) => writeConfig(configFile, host, undefined, (current) => applyEdits(current, edits)),
    withEngine,
    engineOrNull: () => engine.docker().catch(() => null),
    openSubscription: (context, requested, run) =>
      openSubscription(context, requested, 'net.ended', (signal, audience, id) => run(signal, (batch) => emit('net.events', { subscription: id, events: batch }, audience))),
    closeSubscription,
  });

  const handlers: Handlers = {
    'app.info': () => {
      engine.warmUp();
      return { version: VERSION, configFile, home, platform: process.platform, engine: engine.state };
    },
    'engine.status': () => engine.check(),
    'engine.doctor': async ({ probeImage }) => {
      const report = await runDoctor({ connect, probeImage });
      // The doctor reached an engine the API has given up on for now: catch up at once.
      if (report.endpoint && engine.state.state !== 'connected') engine.warmUp();
      return report;
    },

    'config.read': () => {
      const { text, created } = readConfigText(configFile);
      ensureConfigWatch();
      return snapshotOf(configFile, text, host, created);
    },
    'config.validate': ({ edits }) => validateEdits(configFile, host, edits),
    'config.save': ({ edits, baseHash }) => saveEdits(configFile, host, baseHash, edits),
    'config.write': ({ text, baseHash }) => writeConfig(configFile, host, baseHash, () => text),

    'workspaces.list': () => ({ file: configFile, workspaces: summaries(validConfig(), host) }),
    'workspaces.add': ({ name, paths, values, baseHash }) =>
      saveEdits(configFile, host, baseHash, [{ op: 'createWorkspace', name, values: { ...values, paths } }]),
    'workspaces.remove': ({ name, baseHash }) => saveEdits(configFile, host, baseHash, [{ op: 'deleteWorkspace', name }]),
    'workspaces.up': async ({ workspace: name, operation }) => {
      const ws = workspace(name);
      const docker = await engine.docker();
      return startOperation('up', name, operation, async (signal, progress) =>
        launched(await up(ws, { docker, ...launchOptions(), onEvent: progress, signal })),
      );
    },
    'workspaces.down': async ({ workspace: name, volumes, operation }) => {
      const docker = await engine.docker();
      return startOperation('down', name, operation, async (_signal, progress) => {
        const result = await down(name, { docker, dataDir: dataDir(env), volumes });
        progress({ type: 'stopped', removed: result.removed });
        return { type: 'stopped', ...result };
      });
    },
    'workspaces.restart': async ({ workspace: name, operation }) => {
      const ws = workspace(name);
      const docker = await engine.docker();
      return startOperation('restart', name, operation, async (signal, progress) => {
        // Built (and approved) before anything stops: a refused build leaves the workspace running.
        await buildWorkspace(ws, { docker, cacheDir: cacheDir(env), signal, onEvent: progress, approval: { dataDir: dataDir(env) } });
        const stopped = await down(name, { docker, dataDir: dataDir(env) });
        progress({ type: 'stopped', removed: stopped.removed });
        return launched(await up(ws, { docker, ...launchOptions(), onEvent: progress, signal }));
      });
    },

    'instances.list': () => withEngine(async (docker) => (await listInstances(docker)).map((instance) => withUptime(instance))),
    'instances.get': ({ workspace: name }) =>
      withEngine(async (docker) => {
        const instance = await getInstance(docker, name);
        return instance ? withUptime(instance) : null;
      }),
    'instances.stats': ({ workspace: name, service }) =>
      withEngine(async (docker) => {
        const container = (await getInstance(docker, name))?.services.find((candidate) => candidate.service === service);
        return container ? instanceStats(docker, container.id) : null;
      }),

    'logs.tail': ({ workspace: name, service, tail, since }) => {
      checkSince(since);
      return withEngine(async (docker) => {
        const lines: LogLine[] = [];
        await instanceLogs(docker, name, { tail, since, service }, (line) => lines.push(line));
        // `tail` counts per container; the merged view keeps the newest overall.
        return { lines: lines.slice(Math.max(0, lines.length - tail)) };
      });
    },
    'logs.follow': async ({ workspace: name, service, tail, since, subscription: requested }, context) => {
      checkSince(since);
      const docker = await withEngine(async (docker) => {
        const instance = await getInstance(docker, name);
        if (!instance || (service !== undefined && !instance.services.some((candidate) => candidate.service === service))) {
          throw new InstanceNotFoundError(name, service);
        }
        return docker;
      });
      return openSubscription(context, requested, 'logs.ended', (signal, audience, id) =>
        instanceLogs(docker, name, { follow: true, tail, since, service, signal, onError }, (line) => emit('logs.line', { subscription: id, line }, audience)),
      );
    },
    'logs.unfollow': ({ subscription }, context) => closeSubscription(context, subscription),
    'stats.follow': async ({ workspace: name, service, subscription: requested }, context) => {
      const { docker, container } = await withEngine(async (docker) => {
        const container = (await getInstance(docker, name))?.services.find((candidate) => candidate.service === service);
        if (!container) throw new InstanceNotFoundError(name, service);
        return { docker, container };
      });
      return openSubscription(context, requested, 'stats.ended', (signal, audience, id) =>
        followStats(docker, container.id, (stats) => emit('stats.sample', { subscription: id, stats }, audience), { signal }),
      );
    },
    'stats.unfollow': ({ subscription }, context) => closeSubscription(context, subscription),

    'images.plan': async ({ workspace: name }) => {
      const ws = workspace(name);
      // The engine only sharpens the plan (an overlay's tag needs its base's ID); none is needed.
      const docker = await engine.docker().catch(() => null);
      return planWorkspace(ws, docker, { cacheDir: cacheDir(env) });
    },
    'images.build': async ({ workspace: name, rebuild, pull, operation }) => {
      const ws = workspace(name);
      const docker = await engine.docker();
      return startOperation('build', name, operation, async (signal, progress) => {
        const result = await buildWorkspace(ws, { docker, cacheDir: cacheDir(env), rebuild, pull, signal, onEvent: progress, approval: { dataDir: dataDir(env) } });
        return { type: 'built', ...result };
      });
    },
    'images.approveBuild': async ({ workspace: name, approval }) => {
      await approveBuild(workspace(name), approval, { cacheDir: cacheDir(env), dataDir: dataDir(env) });
      return { approved: true as const };
    },
    'images.summaries': ({ workspaces: wanted }) =>
      withEngine(async (docker) => {
        const config = validConfig();
        const names = Object.keys(config.workspaces ?? {}).sort();
        const known = (wanted ?? names).filter((name) => names.includes(name));
        const summaries = await imageSummaries(docker, known.map((name) => resolveWorkspace(config, name, host)), { cacheDir: cacheDir(env) });
        const images: Record<string, ImageSummary> = {};
        for (const name of wanted ?? names) {
          const summary = summaries.get(name);
          images[name] = !summary
            ? { status: 'error', error: safeApiError(apiError('workspace-not-found', `there is no workspace "${name}" in ${displayPath(configFile, home)}`, { workspace: name })) }
            : summary.status === 'failed'
              ? { status: 'error', error: safeApiError(summary.error) }
              : summary;
        }
        return { images };
      }),

    'images.layers': (input) =>
      withEngine(async (docker) => {
        let reference = 'image' in input ? input.image : '';
        const known: KnownDockerfile[] = [];
        if ('workspace' in input) {
          const ws = workspace(input.workspace);
          const prepared = await prepareSteps(ws, { cacheDir: cacheDir(env) });
          const plan = await tagPlan(ws, prepared, docker);
          known.push(...prepared.steps.map((step) => ({ text: step.dockerfile, source: step.source, userLine: step.userLine })));
          if (!plan.image) throw apiError('image-not-found', `workspace "${ws.name}" has no image yet; build it first`, { workspace: ws.name });
          reference = plan.image;
        }
        try {
          return await imageLayers(docker, reference, known);
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) {
            throw apiError('image-not-found', `there is no local image ${reference}${'workspace' in input ? '; build the workspace first' : ''}`, { image: reference });
          }
          throw error;
        }
      }),

    'images.layerFiles': ({ image, index, request }, context) =>
      withEngine(async (docker) => {
        let id: string;
        try {
          id = (await docker.getImage(image).inspect()).Id;
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) throw apiError('image-not-found', `there is no local image ${image}`, { image });
          throw error;
        }
        const key = request === undefined ? null : subscriptionKey(context.client, request);
        const controller = new AbortController();
        if (key) layerFileRequests.set(key, controller);
        let entry = layerFiles.get(id);
        if (!entry) {
          const reader = new AbortController();
          const created: LayerFilesRead = { reading: imageLayerFiles(docker, id, reader.signal), reader, waiting: 0, settled: false };
          created.reading.then(() => (created.settled = true), () => layerFiles.delete(id));
          layerFiles.set(id, created);
          if (layerFiles.size > LAYER_FILES_CACHE) layerFiles.delete(layerFiles.keys().next().value as string);
          entry = created;
        }
        const read = entry;
        read.waiting++;
        try {
          // A cancel stops this caller waiting, and the export itself once nobody else waits for it.
          const cancelled = new Promise<never>((_, reject) =>
            controller.signal.addEventListener('abort', () => {
              if (--read.waiting === 0 && !read.settled) {
                read.reader.abort();
                layerFiles.delete(id);
              }
              reject(apiError('cancelled', 'the file list was cancelled'));
            }),
          );
          const all = await Promise.race([read.reading, cancelled]);
          if (!controller.signal.aborted) read.waiting--;
          const files = all.layers[index];
          if (!files) throw apiError('invalid-input', `image ${image} has ${all.layers.length} layers; there is no layer ${index}`);
          return { image, index, total: files.length, files: files.slice(0, LAYER_FILES_LIMIT) };
        } finally {
          if (key) layerFileRequests.delete(key);
        }
      }),
    'images.cancelLayerFiles': ({ request }, context) => {
      const found = layerFileRequests.get(subscriptionKey(context.client, request));
      found?.abort();
      return { cancelled: found !== undefined };
    },

    'lint.dockerfile': ({ text, workspacePaths }) => {
      const diagnostics = lintDockerfile(text, { workspacePaths });
      return { diagnostics, blocking: blocking(diagnostics) };
    },
    'onboarding.detect': ({ dir }) => {
      try {
        const stack = detectStack(dir);
        return { stack, overlay: proposeOverlay(stack) };
      } catch (error) {
        if (error instanceof DetectError) throw apiError('not-found', error.message, { dir });
        throw error;
      }
    },
    'files.listDirectories': ({ dir }) => listDirectories(dir, host),
    'overlay.read': ({ workspace: name }) => {
      const ws = workspace(name);
      const overlay = readOverlay(configFile, ws);
      return { workspace: name, ...overlay, diagnostics: lintDockerfile(overlay.text, { workspacePaths: ws.paths }) };
    },
    'overlay.write': ({ workspace: name, text, baseHash }) => {
      const ws = workspace(name);
      const overlay = readOverlay(configFile, ws);
      const paddockFolders = [dataDir(env), overlaysFolder(configFile)];
      const { hash, diagnostics } = writeOverlay(overlay.path, text, baseHash, ws, { paddockFolders, home });
      if (!overlay.configured) saveEdits(configFile, host, undefined, [{ op: 'set', path: ['workspaces', name, 'dockerfile'], value: overlay.path }]);
      return { workspace: name, ...overlay, configured: true, exists: true, text, hash, diagnostics };
    },

    'operations.list': () => [...operations.values()].map((operation) => operation.info),
    ...net,

    'operations.cancel': ({ operation }) => {
      const found = operations.get(operation);
      if (!found) return { cancelled: false };
      found.controller.abort(new Error('cancelled'));
      return { cancelled: true };
    },
  };

  function startLive(): void {
    const controller = new AbortController();
    const supervisor = superviseEngine(engine, (payload) => emit('instances.changed', payload), { signal: controller.signal, debounceMs, onError });
    const config = watchConfigFile(configFile, (payload) => emit('config.changed', payload), { debounceMs, onError });
    live = { controller, supervisor, config };
  }

  function stopLive(): Promise<void> {
    if (!live) return Promise.resolve();
    const { controller, supervisor, config } = live;
    live = null;
    controller.abort();
    config.close();
    return supervisor.catch(onError);
  }

  async function call(name: string, input: unknown, context: CallContext = {}): Promise<unknown> {
    if (closed) throw apiError('internal', 'the API is shut down');
    if (!isCallName(name)) throw apiError('unknown-method', `there is no method "${name}"; the methods are ${callNames.join(', ')}`);
    const spec = calls[name];
    // No input is the same as an empty one: most calls take none.
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) throw new ApiCallError(toApiError(parsed.error));
    let output: unknown;
    try {
      output = await (handlers[name] as (input: unknown, context: CallContext) => unknown)(parsed.data, context);
    } catch (error) {
      throw new ApiCallError(safeApiError(error));
    }
    const checked = spec.output.safeParse(output);
    if (!checked.success) {
      const bug = new Error(`${name} returned a result that does not fit the contract: ${checked.error.message}`);
      onError(bug);
      throw apiError('internal', `internal error: ${bug.message}`);
    }
    return checked.data;
  }

  return {
    call: call as Api['call'],
    subscribe(listener, { client } = {}) {
      const entry = { listener, client };
      listeners.add(entry);
      if (!live && !closed) startLive();
      return () => {
        listeners.delete(entry);
        if (listeners.size === 0) void stopLive();
      };
    },
    release(client) {
      for (const subscription of subscriptions.values()) if (subscription.client === client) subscription.controller.abort();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const operation of operations.values()) operation.controller.abort(new Error('Paddock is shutting down'));
      for (const subscription of subscriptions.values()) subscription.controller.abort();
      for (const read of layerFiles.values()) read.reader.abort();
      const stopping = Promise.allSettled([stopLive(), ...[...operations.values()].map((operation) => operation.done)]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stopping, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(timer);
      listeners.clear();
    },
  };
}
