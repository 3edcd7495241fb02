import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { InstanceNotFoundError } from '../../core/instances/list.ts';
import { instanceLogs, type LogLine } from '../../core/instances/logs.ts';
import { frame } from '../support/docker-stream.ts';


interface FakeContainer {
  id: string;
  service: string;
  tty: boolean;
  log: Buffer;
}

function fakeDocker(containers: FakeContainer[], { down = false } = {}) {
  const requests: Array<{ id: string; options: Record<string, unknown> }> = [];
  const lists: unknown[] = [];
  const refused = () => Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
  const docker = {
    listContainers: async (options: unknown) => {
      if (down) throw refused();
      lists.push(options);
      return containers.map((c) => ({ Id: c.id, Labels: { 'dev.paddock.workspace': 'web', 'dev.paddock.service': c.service } }));
    },
    getEvents: async () => {
      throw refused();
    },
    getContainer: (id: string) => {
      const container = containers.find((c) => c.id === id);
      return {
        inspect: async () => ({ Config: { Tty: container?.tty ?? false }, State: { Running: true, FinishedAt: '0001-01-01T00:00:00Z' } }),
        logs: async (options: Record<string, unknown>) => {
          requests.push({ id, options: { ...options, abortSignal: undefined } });
          return container?.log ?? Buffer.alloc(0);
        },
      };
    },
  } as unknown as Docker;
  return { docker, requests, lists };
}

const T = (n: number) => `2026-11-23T17:43:4${n}.000000000Z`;

describe('instanceLogs', () => {
  it('merges the services’ lines by time, demultiplexing or not as each container needs', async () => {
    const { docker, requests, lists } = fakeDocker([
      { id: 'a', service: 'agent', tty: false, log: Buffer.concat([frame(1, `${T(1)} agent one\n`), frame(2, `${T(3)} agent err\n`)]) },
      { id: 'f', service: 'firewall', tty: true, log: Buffer.from(`${T(2)} fw one\r\n${T(4)} fw two\r\n`) },
    ]);
    const lines: LogLine[] = [];
    await instanceLogs(docker, 'web', { tail: 10, since: '2026-11-23T17:43:40Z' }, (line) => lines.push(line));
    expect(lines).toEqual([
      { service: 'agent', stream: 'stdout', line: 'agent one', time: T(1) },
      { service: 'firewall', stream: 'stdout', line: 'fw one', time: T(2) },
      { service: 'agent', stream: 'stderr', line: 'agent err', time: T(3) },
      { service: 'firewall', stream: 'stdout', line: 'fw two', time: T(4) },
    ]);
    expect(lists).toEqual([{ all: true, filters: { label: ['dev.paddock.workspace=web'] } }]);
    expect(requests.map((r) => r.options)).toEqual([
      { stdout: true, stderr: true, timestamps: true, tail: 10, since: '1795455820.000000000', follow: false, abortSignal: undefined },
      { stdout: true, stderr: true, timestamps: true, tail: 10, since: '1795455820.000000000', follow: false, abortSignal: undefined },
    ]);
  });

  it('asks for one service, and leaves tail out for "all"', async () => {
    const { docker, requests, lists } = fakeDocker([{ id: 'a', service: 'agent', tty: false, log: Buffer.alloc(0) }]);
    await instanceLogs(docker, 'web', { service: 'agent', tail: 'all' }, () => undefined);
    expect(lists).toEqual([{ all: true, filters: { label: ['dev.paddock.workspace=web', 'dev.paddock.service=agent'] } }]);
    expect(requests[0]?.options).not.toHaveProperty('tail');
  });

  it('says so when the workspace has no containers, following or not', async () => {
    const { docker } = fakeDocker([]);
    await expect(instanceLogs(docker, 'web', {}, () => undefined)).rejects.toBeInstanceOf(InstanceNotFoundError);
    await expect(instanceLogs(docker, 'web', { service: 'dind' }, () => undefined)).rejects.toThrow('Workspace "web" has no "dind" container.');
  });

  it('fails at once instead of waiting when the engine cannot be reached to follow', async () => {
    const { docker } = fakeDocker([], { down: true });
    await expect(instanceLogs(docker, 'web', { follow: true, signal: new AbortController().signal }, () => undefined)).rejects.toThrow('ECONNREFUSED');
  });

  it('does nothing when the signal has already aborted', async () => {
    const { docker, lists } = fakeDocker([], { down: true });
    const controller = new AbortController();
    controller.abort();
    await instanceLogs(docker, 'web', { follow: true, signal: controller.signal }, () => undefined);
    expect(lists).toEqual([]);
  });
});
