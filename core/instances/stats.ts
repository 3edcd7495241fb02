import type Docker from 'dockerode';
import { validTime } from './list.ts';
import { JsonLinesParser, sleep } from '../docker/streams.ts';

/** One container's resource use right now. */
export interface InstanceStats {
  id: string;
  running: boolean;
  /** CPU use over the sampling interval, 100 = one core fully busy (so up to onlineCpus × 100). */
  cpuPercent: number;
  onlineCpus: number;
  memory: {
    /** Usage minus the reclaimable page cache (inactive files), as `docker stats` shows it. */
    used: number;
    /** The container's limit, or the host's memory when it has none. */
    limit: number;
    percent: number;
  };
  pids: { current: number; limit: number | null };
  network: { rx: number; tx: number };
  block: { read: number; write: number };
  /** Seconds since the container started; null when it is not running. */
  uptimeSeconds: number | null;
}

/** The parts of a stats sample this module reads (cgroup v1 and v2 shapes both fit). */
export interface StatsSample {
  read?: string;
  cpu_stats?: CpuSample;
  precpu_stats?: CpuSample;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number; limit?: number };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op?: string; value?: number }> | null };
}

export interface CpuSample {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** Pause between the two samples a CPU rate is computed from. */
export const SAMPLE_INTERVAL_MS = 500;

/**
 * A running container's CPU, memory, pids, network and block I/O, and uptime. The CPU rate comes
 * from two one-shot samples ~0.5 s apart (a single one-shot sample has no previous reading).
 * A container that is not running reports zeros.
 */
export async function instanceStats(docker: Docker, containerId: string, { intervalMs = SAMPLE_INTERVAL_MS }: { intervalMs?: number } = {}): Promise<InstanceStats> {
  const container = docker.getContainer(containerId);
  const inspected = await container.inspect();
  if (!inspected.State.Running) return { ...computeStats({}), id: inspected.Id, running: false, uptimeSeconds: null };
  const sample = () => container.stats({ stream: false, 'one-shot': true }) as Promise<StatsSample>;
  const first = await sample();
  await sleep(intervalMs);
  const second = await sample();
  return { ...computeStats(second, first), id: inspected.Id, running: true, uptimeSeconds: uptimeSeconds(inspected.State.StartedAt) };
}

/**
 * A running container's stats as the engine streams them (about one sample a second, pushed by the
 * engine: nothing polls), until the container stops or the signal aborts. Each streamed sample
 * carries its own previous reading, so every one has a CPU rate.
 */
export async function followStats(docker: Docker, containerId: string, onStats: (stats: InstanceStats) => void, { signal }: { signal?: AbortSignal } = {}): Promise<void> {
  const container = docker.getContainer(containerId);
  const inspected = await container.inspect();
  if (!inspected.State.Running) {
    onStats({ ...computeStats({}), id: inspected.Id, running: false, uptimeSeconds: null });
    return;
  }
  const stream = (await container.stats({ stream: true })) as unknown as NodeJS.ReadableStream;
  const parser = new JsonLinesParser<StatsSample>((sample) => {
    // The last sample of a stopped container is all zeros, with no read time.
    const running = Boolean(sample.read && !sample.read.startsWith('0001-'));
    onStats({ ...computeStats(running ? sample : {}), id: inspected.Id, running, uptimeSeconds: running ? uptimeSeconds(inspected.State.StartedAt) : null });
  });
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => parser.push(chunk));
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', (error: Error) => (signal?.aborted ? resolve() : reject(error)));
    signal?.addEventListener('abort', () => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      resolve();
    });
  });
}

/** Seconds from `startedAt` to `now`, or null for Docker's zero time. */
export function uptimeSeconds(startedAt: string | undefined, now = Date.now()): number | null {
  const time = validTime(startedAt);
  if (!time) return null;
  const started = Date.parse(time);
  return Number.isNaN(started) ? null : Math.max(0, Math.floor((now - started) / 1000));
}

/**
 * The numbers of a stats sample. The CPU rate is between `previous` and `current` when a previous
 * sample is given, else between the sample's own precpu_stats and cpu_stats (which a streamed or
 * non-one-shot sample fills).
 */
export function computeStats(current: StatsSample, previous?: StatsSample): Omit<InstanceStats, 'id' | 'running' | 'uptimeSeconds'> {
  const onlineCpus = onlineCpuCount(current.cpu_stats);
  return {
    cpuPercent: cpuPercent(current.cpu_stats, previous ? previous.cpu_stats : current.precpu_stats),
    onlineCpus,
    memory: memoryUse(current.memory_stats),
    pids: { current: current.pids_stats?.current ?? 0, limit: pidsLimit(current.pids_stats?.limit) },
    network: networkTotals(current.networks),
    block: blockTotals(current.blkio_stats?.io_service_bytes_recursive),
  };
}

export function onlineCpuCount(cpu: CpuSample | undefined): number {
  return cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
}

/** cpuDelta / systemDelta × online CPUs × 100, as `docker stats` computes it; 0 when either delta is not positive. */
export function cpuPercent(current: CpuSample | undefined, previous: CpuSample | undefined): number {
  const cpuDelta = (current?.cpu_usage?.total_usage ?? 0) - (previous?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (current?.system_cpu_usage ?? 0) - (previous?.system_cpu_usage ?? 0);
  if (!previous?.system_cpu_usage || systemDelta <= 0 || cpuDelta <= 0) return 0;
  return round((cpuDelta / systemDelta) * onlineCpuCount(current) * 100);
}

/**
 * Used memory: usage minus inactive page cache — `total_inactive_file` on cgroup v1,
 * `inactive_file` on cgroup v2 — as the docker CLI does; the percentage is of the limit.
 */
export function memoryUse(memory: StatsSample['memory_stats']): InstanceStats['memory'] {
  const usage = memory?.usage ?? 0;
  const stats = memory?.stats ?? {};
  const cgroupV1 = 'total_inactive_file' in stats;
  const inactive = (cgroupV1 ? stats.total_inactive_file : stats.inactive_file) ?? 0;
  const used = inactive < usage ? usage - inactive : usage;
  const limit = memory?.limit ?? 0;
  return { used, limit, percent: limit > 0 ? round((used / limit) * 100) : 0 };
}

/** A pids limit, or null when there is none (absent, 0, or the kernel's "max" as a huge number). */
export function pidsLimit(limit: number | undefined): number | null {
  return limit && limit > 0 && limit < 2 ** 53 ? limit : null;
}

export function networkTotals(networks: StatsSample['networks']): InstanceStats['network'] {
  let rx = 0;
  let tx = 0;
  for (const network of Object.values(networks ?? {})) {
    rx += network.rx_bytes ?? 0;
    tx += network.tx_bytes ?? 0;
  }
  return { rx, tx };
}

/** Bytes read and written, summed over devices (`Read`/`Write` on cgroup v1, `read`/`write` on v2). */
export function blockTotals(entries: Array<{ op?: string; value?: number }> | null | undefined): InstanceStats['block'] {
  let read = 0;
  let write = 0;
  for (const entry of entries ?? []) {
    const op = entry.op?.toLowerCase();
    if (op === 'read') read += entry.value ?? 0;
    else if (op === 'write') write += entry.value ?? 0;
  }
  return { read, write };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
