import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { compareServices, labelFilters, projectName, serviceOf } from '../../core/instances/labels.ts';
import { deriveWorkspaceState, exitCodeFromStatus, fromInspect, healthFromStatus, listInstances, portsFromList, type ServiceStatus } from '../../core/instances/list.ts';

type Service = Pick<ServiceStatus, 'state' | 'health'>;
const run = (health: ServiceStatus['health'] = null): Service => ({ state: 'running', health });
const exited: Service = { state: 'exited', health: null };
const created: Service = { state: 'created', health: null };

describe('deriveWorkspaceState', () => {
  it.each<[string, Service[], string]>([
    ['every service runs, agent healthy', [run('healthy'), run('healthy'), run()], 'running'],
    ['every service runs, none has a healthcheck', [run(), run()], 'running'],
    ['agent health still starting', [run('healthy'), run('starting')], 'starting'],
    ['firewall starting, agent still to be started', [run('starting'), created], 'starting'],
    ['agent unhealthy', [run('healthy'), run('unhealthy')], 'unhealthy'],
    ['unhealthy wins over starting', [run('unhealthy'), run('starting')], 'unhealthy'],
    ['unhealthy even when another exited', [run('unhealthy'), exited], 'unhealthy'],
    ['nothing runs', [exited, exited], 'stopped'],
    ['only created', [created, created], 'stopped'],
    ['one runs, one exited', [run('healthy'), exited], 'partial'],
    ['one starting, one exited', [run('starting'), exited], 'partial'],
    ['one runs healthy, one created', [run('healthy'), created], 'partial'],
    ['paused counts as not running', [run(), { state: 'paused', health: null }], 'partial'],
    ['restarting counts as not running', [{ state: 'restarting', health: null }], 'stopped'],
  ])('%s → %s', (_, services, expected) => {
    expect(deriveWorkspaceState(services)).toBe(expected);
  });
});

describe('list entry parsing', () => {
  it('reads health and exit codes from the Status text', () => {
    expect(healthFromStatus('Up 2 minutes (healthy)')).toBe('healthy');
    expect(healthFromStatus('Up 3 seconds (health: starting)')).toBe('starting');
    expect(healthFromStatus('Up 1 hour (unhealthy)')).toBe('unhealthy');
    expect(healthFromStatus('Up 1 hour')).toBeNull();
    expect(healthFromStatus(undefined)).toBeNull();
    expect(exitCodeFromStatus('Exited (137) 5 seconds ago')).toBe(137);
    expect(exitCodeFromStatus('Exited (0) About a minute ago')).toBe(0);
    expect(exitCodeFromStatus('Created')).toBeNull();
  });

  it('keeps published ports, one per binding, IPv6 duplicates merged', () => {
    expect(
      portsFromList([
        { IP: '127.0.0.1', PrivatePort: 8080, PublicPort: 49153, Type: 'tcp' },
        { PrivatePort: 9000, Type: 'tcp' } as Docker.Port,
        { IP: '::', PrivatePort: 3000, PublicPort: 40000, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 3000, PublicPort: 40000, Type: 'tcp' },
        { IP: '127.0.0.1', PrivatePort: 22, PublicPort: 2222, Type: 'tcp' },
      ]),
    ).toEqual([
      { host: '127.0.0.1', hostPort: 2222, containerPort: 22 },
      { host: '0.0.0.0', hostPort: 40000, containerPort: 3000 },
      { host: '127.0.0.1', hostPort: 49153, containerPort: 8080 },
    ]);
    expect(portsFromList(undefined)).toEqual([]);
  });

  it('takes state, health, exit code and start time from an inspect', () => {
    const state = (over: Partial<Docker.ContainerInspectInfo['State']>) => ({
      State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 1, ExitCode: 0, Error: '', StartedAt: '2026-01-01T10:00:00.5Z', FinishedAt: '0001-01-01T00:00:00Z', ...over },
    });
    expect(fromInspect(state({ Health: { Status: 'healthy', FailingStreak: 0, Log: [] } }))).toEqual({ state: 'running', health: 'healthy', exitCode: null, startedAt: '2026-01-01T10:00:00.5Z' });
    expect(fromInspect(state({ Health: { Status: 'none', FailingStreak: 0, Log: [] } })).health).toBeNull();
    expect(fromInspect(state({ Status: 'exited', Running: false, ExitCode: 3, Health: { Status: 'unhealthy', FailingStreak: 3, Log: [] } }))).toEqual({
      state: 'exited',
      health: null,
      exitCode: 3,
      startedAt: '2026-01-01T10:00:00.5Z',
    });
    expect(fromInspect(state({ Status: 'created', Running: false, StartedAt: '0001-01-01T00:00:00Z' }))).toEqual({ state: 'created', health: null, exitCode: null, startedAt: null });
  });
});

describe('labels', () => {
  it('names projects, finds services and builds filters', () => {
    expect(projectName('web')).toBe('paddock-web');
    expect(serviceOf({ 'dev.paddock.service': 'agent', 'com.docker.compose.service': 'other' })).toBe('agent');
    expect(serviceOf({ 'com.docker.compose.service': 'dind' })).toBe('dind');
    expect(serviceOf({})).toBeNull();
    expect(labelFilters()).toEqual(['dev.paddock.workspace']);
    expect(labelFilters('web', 'agent')).toEqual(['dev.paddock.workspace=web', 'dev.paddock.service=agent']);
    expect(['dind', 'zz', 'agent', 'aa', 'firewall'].sort(compareServices)).toEqual(['firewall', 'agent', 'dind', 'aa', 'zz']);
  });
});

describe('listInstances', () => {
  function labels(ws: string, service: string): Record<string, string> {
    return {
      'com.docker.compose.project': `paddock-${ws}`,
      'com.docker.compose.service': service,
      'dev.paddock.workspace': ws,
      'dev.paddock.service': service,
    };
  }

  function info(id: string, ws: string, service: string, state: string, status: string, extra: Partial<Docker.ContainerInfo> = {}): Docker.ContainerInfo {
    return { Id: id, Names: [`/paddock-${ws}-${service}-1`], Image: `img-${service}`, State: state, Status: status, Labels: labels(ws, service), Ports: [], ...extra } as Docker.ContainerInfo;
  }

  function fakeDocker(containers: Docker.ContainerInfo[], inspects: Record<string, Partial<Docker.ContainerInspectInfo['State']> | 404>) {
    const calls = { list: [] as unknown[], inspect: [] as string[] };
    const docker = {
      listContainers: async (options: unknown) => {
        calls.list.push(options);
        return containers;
      },
      getContainer: (id: string) => ({
        inspect: async () => {
          calls.inspect.push(id);
          const state = inspects[id];
          if (state === 404) throw Object.assign(new Error('no such container'), { statusCode: 404 });
          return { Id: id, State: { Status: 'running', Running: true, ExitCode: 0, StartedAt: '2026-01-01T00:00:00Z', ...state } };
        },
      }),
    } as unknown as Docker;
    return { docker, calls };
  }

  it('groups containers by workspace with one list call, inspecting only containers that have run', async () => {
    const { docker, calls } = fakeDocker(
      [
        info('b-agent', 'beta', 'agent', 'running', 'Up 1 minute (healthy)'),
        info('a-dind', 'alpha', 'dind', 'created', 'Created'),
        info('a-agent', 'alpha', 'agent', 'exited', 'Exited (2) 1 second ago'),
        info('b-fw', 'beta', 'firewall', 'running', 'Up 1 minute (healthy)', { Ports: [{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8000, Type: 'tcp' }] }),
        info('gone', 'beta', 'dind', 'running', 'Up 1 minute'),
        { ...info('odd', 'gamma', 'agent', 'running', 'Up'), Labels: { 'dev.paddock.workspace': 'gamma' } },
      ],
      {
        'b-agent': { Health: { Status: 'healthy', FailingStreak: 0, Log: [] } },
        'b-fw': { Health: { Status: 'healthy', FailingStreak: 0, Log: [] } },
        'a-agent': { Status: 'exited', Running: false, ExitCode: 2 },
        gone: 404,
      },
    );
    const instances = await listInstances(docker);
    expect(calls.list).toEqual([{ all: true, filters: { label: ['dev.paddock.workspace'] } }]);
    expect(calls.inspect.sort()).toEqual(['a-agent', 'b-agent', 'b-fw', 'gone']);
    expect(instances.map((i) => [i.workspace, i.project, i.state, i.services.map((s) => s.service)])).toEqual([
      ['alpha', 'paddock-alpha', 'stopped', ['agent', 'dind']],
      ['beta', 'paddock-beta', 'running', ['firewall', 'agent']],
    ]);
    expect(instances[0]?.services[0]).toEqual({
      service: 'agent',
      id: 'a-agent',
      name: 'paddock-alpha-agent-1',
      image: 'img-agent',
      state: 'exited',
      health: null,
      exitCode: 2,
      startedAt: '2026-01-01T00:00:00Z',
      ports: [],
    });
    expect(instances[0]?.services[1]).toMatchObject({ id: 'a-dind', state: 'created', exitCode: null, startedAt: null });
    expect(instances[1]?.services[0]).toMatchObject({ id: 'b-fw', health: 'healthy', ports: [{ host: '127.0.0.1', hostPort: 8000, containerPort: 80 }] });
  });

  it('filters by workspace in the list call', async () => {
    const { docker, calls } = fakeDocker([], {});
    expect(await listInstances(docker, { workspace: 'web' })).toEqual([]);
    expect(calls.list).toEqual([{ all: true, filters: { label: ['dev.paddock.workspace=web'] } }]);
  });
});
