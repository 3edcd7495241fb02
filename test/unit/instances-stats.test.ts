import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { blockTotals, computeStats, cpuPercent, instanceStats, memoryUse, pidsLimit, uptimeSeconds, type StatsSample } from '../../core/instances/stats.ts';

/** A one-shot sample from Docker 20.10 on cgroup v1 (trimmed): percpu_usage, total_* memory keys, capitalised ops. */
function cgroupV1(totalUsage: number, systemUsage: number): StatsSample {
  return {
    read: '2026-11-23T17:43:44.462615901Z',
    pids_stats: { current: 3 },
    blkio_stats: {
      io_service_bytes_recursive: [
        { op: 'Read', value: 4096 },
        { op: 'Write', value: 8192 },
        { op: 'Sync', value: 8192 },
        { op: 'Async', value: 4096 },
        { op: 'Total', value: 12288 },
        { op: 'Read', value: 1000 },
        { op: 'Write', value: 24 },
        { op: 'Total', value: 1024 },
      ],
    },
    cpu_stats: {
      cpu_usage: { total_usage: totalUsage, percpu_usage: [totalUsage / 2, totalUsage / 2] },
      system_cpu_usage: systemUsage,
      online_cpus: 2,
    },
    precpu_stats: { cpu_usage: { total_usage: 0 } },
    memory_stats: {
      usage: 10_000_000,
      stats: { cache: 3_000_000, inactive_file: 1_000_000, total_inactive_file: 2_500_000, rss: 7_000_000, total_rss: 7_000_000 },
      limit: 25_276_510_208,
    },
    networks: {
      eth0: { rx_bytes: 736, tx_bytes: 100 },
      eth1: { rx_bytes: 264, tx_bytes: 900 },
    },
  };
}

/** A sample on cgroup v2: no total_* keys, lowercase ops, a pids limit, precpu filled (non-one-shot). */
const cgroupV2: StatsSample = {
  read: '2024-08-31T22:02:27.639190522Z',
  pids_stats: { current: 44, limit: 18939 },
  blkio_stats: {
    io_service_bytes_recursive: [
      { op: 'read', value: 1_048_576 },
      { op: 'write', value: 2_097_152 },
      { op: 'read', value: 10 },
    ],
  },
  cpu_stats: {
    cpu_usage: { total_usage: 63_085_778_000 },
    system_cpu_usage: 107_906_510_000_000,
    online_cpus: 12,
  },
  precpu_stats: {
    cpu_usage: { total_usage: 61_876_816_000 },
    system_cpu_usage: 107_894_830_000_000,
    online_cpus: 12,
  },
  memory_stats: {
    usage: 1_563_537_408,
    stats: { active_anon: 1_437_609_984, active_file: 806_912, anon: 1_437_630_464, file: 116_547_584, inactive_file: 115_740_672 },
    limit: 2_122_317_824,
  },
  networks: { eth0: { rx_bytes: 5000, tx_bytes: 7000 } },
};

describe('stats arithmetic', () => {
  it('computes cgroup v1 numbers from two one-shot samples', () => {
    const first = cgroupV1(1_000_000_000, 100_000_000_000);
    const second = cgroupV1(1_250_000_000, 101_000_000_000);
    // 0.25 s of CPU over 1 s of system time (2 CPUs × 0.5 s) → 0.25 / 1 × 2 × 100 = 50 %.
    expect(computeStats(second, first)).toEqual({
      cpuPercent: 50,
      onlineCpus: 2,
      memory: { used: 7_500_000, limit: 25_276_510_208, percent: 0.03 },
      pids: { current: 3, limit: null },
      network: { rx: 1000, tx: 1000 },
      block: { read: 5096, write: 8216 },
    });
  });

  it('computes cgroup v2 numbers, from the sample’s own precpu_stats when there is no previous sample', () => {
    expect(computeStats(cgroupV2)).toEqual({
      cpuPercent: 124.21,
      onlineCpus: 12,
      memory: { used: 1_447_796_736, limit: 2_122_317_824, percent: 68.22 },
      pids: { current: 44, limit: 18939 },
      network: { rx: 5000, tx: 7000 },
      block: { read: 1_048_586, write: 2_097_152 },
    });
  });

  it('gives 0 % rather than nonsense when a one-shot sample has no previous reading', () => {
    expect(computeStats(cgroupV1(5_000_000, 6_800_060_000_000)).cpuPercent).toBe(0);
    expect(cpuPercent({ cpu_usage: { total_usage: 10 }, system_cpu_usage: 100 }, { cpu_usage: { total_usage: 5 }, system_cpu_usage: 100 })).toBe(0);
    expect(cpuPercent(undefined, undefined)).toBe(0);
  });

  it('counts CPUs from percpu_usage when online_cpus is missing', () => {
    expect(cpuPercent({ cpu_usage: { total_usage: 200, percpu_usage: [1, 1, 1, 1] }, system_cpu_usage: 1400 }, { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 })).toBe(100);
  });

  it('subtracts inactive page cache only when it is smaller than the usage', () => {
    expect(memoryUse({ usage: 100, stats: { total_inactive_file: 200 }, limit: 1000 })).toEqual({ used: 100, limit: 1000, percent: 10 });
    expect(memoryUse({ usage: 100, stats: { inactive_file: 40 }, limit: 0 })).toEqual({ used: 60, limit: 0, percent: 0 });
    expect(memoryUse(undefined)).toEqual({ used: 0, limit: 0, percent: 0 });
  });

  it('treats absent or unlimited pids limits as none, and absent block and network stats as zero', () => {
    expect(pidsLimit(undefined)).toBeNull();
    expect(pidsLimit(0)).toBeNull();
    expect(pidsLimit(18_446_744_073_709_551_615)).toBeNull();
    expect(pidsLimit(512)).toBe(512);
    expect(blockTotals(null)).toEqual({ read: 0, write: 0 });
    expect(computeStats({}).network).toEqual({ rx: 0, tx: 0 });
  });

  it('measures uptime from StartedAt', () => {
    expect(uptimeSeconds('2026-01-01T00:00:00.9Z', Date.parse('2026-01-01T00:01:01Z'))).toBe(60);
    expect(uptimeSeconds('0001-01-01T00:00:00Z')).toBeNull();
    expect(uptimeSeconds(undefined)).toBeNull();
  });
});

describe('instanceStats', () => {
  function fakeDocker(running: boolean, samples: StatsSample[]) {
    const requests: unknown[] = [];
    const docker = {
      getContainer: (id: string) => ({
        inspect: async () => ({ Id: `${id}-full`, State: { Running: running, StartedAt: new Date(Date.now() - 90_000).toISOString() } }),
        stats: async (options: unknown) => {
          requests.push(options);
          const next = samples.shift();
          if (!next) throw new Error('no more samples');
          return next;
        },
      }),
    } as unknown as Docker;
    return { docker, requests };
  }

  it('takes two one-shot samples and computes the rate between them', async () => {
    const { docker, requests } = fakeDocker(true, [cgroupV1(1_000_000_000, 100_000_000_000), cgroupV1(1_100_000_000, 100_500_000_000)]);
    const stats = await instanceStats(docker, 'abc', { intervalMs: 1 });
    expect(requests).toEqual([
      { stream: false, 'one-shot': true },
      { stream: false, 'one-shot': true },
    ]);
    expect(stats).toMatchObject({ id: 'abc-full', running: true, cpuPercent: 40, memory: { used: 7_500_000 }, pids: { current: 3 } });
    expect(stats.uptimeSeconds).toBeGreaterThanOrEqual(89);
    expect(stats.uptimeSeconds).toBeLessThanOrEqual(91);
  });

  it('reports zeros without sampling a container that is not running', async () => {
    const { docker, requests } = fakeDocker(false, []);
    expect(await instanceStats(docker, 'abc')).toEqual({
      id: 'abc-full',
      running: false,
      cpuPercent: 0,
      onlineCpus: 1,
      memory: { used: 0, limit: 0, percent: 0 },
      pids: { current: 0, limit: null },
      network: { rx: 0, tx: 0 },
      block: { read: 0, write: 0 },
      uptimeSeconds: null,
    });
    expect(requests).toEqual([]);
  });
});
