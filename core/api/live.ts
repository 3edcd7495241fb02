import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { getInstance, listInstances, watchInstances, type Instance as CoreInstance } from '../instances/index.ts';
import { uptimeSeconds } from '../instances/stats.ts';
import { sleep } from '../docker/streams.ts';
import type { EventPayload, Instance } from './contract.ts';
import type { EngineMonitor } from './engine.ts';
import { textHash } from './config-service.ts';

/** An instance as the contract shows it: each running service with its uptime. */
export function withUptime(instance: CoreInstance, now = Date.now()): Instance {
  return {
    ...instance,
    services: instance.services.map((service) => ({ ...service, uptimeSeconds: service.state === 'running' ? uptimeSeconds(service.startedAt ?? undefined, now) : null })),
  };
}

/** What makes two reports of an instance different (uptime alone is not a change). */
function stateKey(instance: CoreInstance | null): string {
  return JSON.stringify(instance);
}

/**
 * Keeps the engine connected while someone listens, and reports what happens to instances:
 * follows the engine's container events, re-reads a workspace (debounced) when its containers
 * change, and lists everything again after a reconnection, since events may have been missed.
 * When the engine goes away it reconnects with backoff, 1 s doubling to 10 s.
 */
export function superviseEngine(
  engine: EngineMonitor,
  emit: (payload: EventPayload<'instances.changed'>) => void,
  options: { signal: AbortSignal; debounceMs: number; onError(error: unknown): void },
): Promise<void> {
  const { signal } = options;
  const known = new Map<string, string>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const reading = new Map<string, Promise<void>>();

  const report = (workspace: string, instance: CoreInstance | null) => {
    const key = stateKey(instance);
    if (known.get(workspace) === key) return;
    known.set(workspace, key);
    emit({ workspace, state: instance?.state ?? 'stopped', instance: instance ? withUptime(instance) : null });
  };

  // One read at a time per workspace, so an older answer never overwrites a newer one.
  const reread = (docker: Docker, workspace: string) => {
    const previous = reading.get(workspace) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        if (!signal.aborted) report(workspace, await getInstance(docker, workspace));
      })
      .catch(options.onError)
      .finally(() => {
        if (reading.get(workspace) === next) reading.delete(workspace);
      });
    reading.set(workspace, next);
  };

  const schedule = (docker: Docker, workspace: string) => {
    clearTimeout(timers.get(workspace));
    timers.set(
      workspace,
      setTimeout(() => {
        timers.delete(workspace);
        reread(docker, workspace);
      }, options.debounceMs),
    );
  };

  const refreshAll = async (docker: Docker) => {
    const instances = await listInstances(docker);
    const present = new Set(instances.map((instance) => instance.workspace));
    for (const instance of instances) report(instance.workspace, instance);
    for (const workspace of known.keys()) if (!present.has(workspace)) report(workspace, null);
  };

  const run = async () => {
    let delay = 1000;
    while (!signal.aborted) {
      let docker: Docker;
      try {
        docker = await engine.docker();
      } catch {
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 10_000);
        continue;
      }
      delay = 1000;
      const watchStop = new AbortController();
      const stopWatch = () => watchStop.abort();
      signal.addEventListener('abort', stopWatch, { once: true });
      let failure: unknown = null;
      const watch = watchInstances(
        docker,
        (event) => {
          if (event.type !== 'reconnected') schedule(docker, event.workspace);
        },
        {
          signal: watchStop.signal,
          // The watch would retry by itself; the API reconnects instead, so that the engine's state is reported.
          onError: (error) => {
            failure = error;
            watchStop.abort();
          },
        },
      );
      // Events from the moment the stream is open are seen, so listing after that misses nothing.
      watch.ready.then(() => refreshAll(docker)).catch((error: unknown) => {
        if (!watchStop.signal.aborted) options.onError(error);
      });
      await watch.done.catch(options.onError);
      signal.removeEventListener('abort', stopWatch);
      if (signal.aborted) break;
      engine.lost(failure ?? new Error('the event stream ended'));
    }
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    await Promise.allSettled(reading.values());
  };
  return run();
}

/**
 * Reports changes to the config file: watches its folder (editors and atomic writes replace the
 * file, which a watch on the file itself would lose), debounced, and only when the content changed.
 */
export function watchConfigFile(
  file: string,
  emit: (payload: EventPayload<'config.changed'>) => void,
  options: { debounceMs: number; onError(error: unknown): void },
): { watching: boolean; close(): void } {
  const hashNow = () => {
    try {
      return textHash(fs.readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
  };
  let last = hashNow();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    timer = undefined;
    const hash = hashNow();
    if (hash === last) return;
    last = hash;
    emit({ file, hash });
  };
  const folders = new Set([path.dirname(file)]);
  // A symlinked config (dotfiles) changes where it really lives.
  try {
    folders.add(path.dirname(fs.realpathSync(file)));
  } catch {
    // not there yet: its folder is watched
  }
  const watchers: fs.FSWatcher[] = [];
  for (const folder of folders) {
    try {
      const watcher = fs.watch(folder, { persistent: false }, () => {
        clearTimeout(timer);
        timer = setTimeout(check, options.debounceMs);
      });
      watcher.on('error', options.onError);
      watchers.push(watcher);
    } catch (error) {
      // The folder does not exist yet: the first config.read creates it and watches again.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.onError(error);
    }
  }
  return {
    watching: watchers.length > 0,
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
