import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError, type ApiEvent } from '../../core/api/contract.ts';
import { createApi, type Api } from '../../core/api/handlers.ts';
import { DockerConnectionError, type EngineConnection } from '../../core/docker/connect.ts';
import { tempHome } from '../support/cli.ts';

const unavailable = () => Promise.reject(new DockerConnectionError([{ address: 'unix:///nowhere.sock', source: 'DOCKER_HOST', error: 'the socket does not exist' }], 'Start Docker.'));

async function failure(promise: Promise<unknown>): Promise<ApiCallError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiCallError);
  return error as ApiCallError;
}

describe('the API registry', () => {
  let sandbox: ReturnType<typeof tempHome>;
  let api: Api;
  let connect: ReturnType<typeof vi.fn<() => Promise<EngineConnection>>>;
  let project: string;

  const write = (text: string) => {
    fs.mkdirSync(path.dirname(sandbox.config), { recursive: true });
    fs.writeFileSync(sandbox.config, text);
  };

  beforeEach(() => {
    sandbox = tempHome();
    project = path.join(sandbox.home, 'projects', 'web');
    fs.mkdirSync(project, { recursive: true });
    connect = vi.fn(unavailable);
    api = createApi({ configFile: sandbox.config, env: { HOME: sandbox.home }, home: sandbox.home, connect, debounceMs: 20 });
  });

  afterEach(async () => {
    await api.close();
    sandbox.cleanup();
  });

  it('answers app.info at once, without waiting for the engine', async () => {
    connect.mockImplementation(() => new Promise(() => undefined));
    const info = await api.call('app.info', {});
    expect(info).toMatchObject({ configFile: sandbox.config, home: sandbox.home, engine: { state: 'connecting' } });
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses invalid input before any handler runs', async () => {
    const bad = await failure(api.call('workspaces.up', { workspace: '../../etc' }));
    expect(bad.code).toBe('invalid-input');
    expect(bad.message).toMatch(/workspace: must be a workspace name/);
    expect((await failure(api.call('instances.list', { all: true }))).code).toBe('invalid-input');
    expect((await failure(api.call('config.save', { edits: [] }))).code).toBe('invalid-input');
    // The handlers would have connected to the engine, or created the config file.
    expect(connect).not.toHaveBeenCalled();
    expect(fs.existsSync(sandbox.config)).toBe(false);
  });

  it('refuses a method that does not exist', async () => {
    const error = await failure(api.call('workspaces.destroy', {}));
    expect(error.code).toBe('unknown-method');
    expect(error.message).toMatch(/workspaces\.up/);
    expect((await failure(api.call('constructor', {}))).code).toBe('unknown-method');
  });

  it('reads the config, creating the default on first use', async () => {
    const snapshot = await api.call('config.read', undefined);
    expect(snapshot).toMatchObject({ file: sandbox.config, created: true, ok: true, errors: [] });
    expect(snapshot.workspaces.map((ws) => ws.name)).toEqual(['default']);
    expect(snapshot.text).toMatch(/^# Paddock configuration/);
    expect(snapshot.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await api.call('config.read', {})).created).toBe(false);
  });

  it('reports config problems with file, key path, line and column, and keeps the parsed data', async () => {
    write('[workspaces.web]\npaths = []\nmemory = "lots"\n');
    const snapshot = await api.call('config.read', {});
    expect(snapshot.ok).toBe(false);
    expect(snapshot.errors).toEqual([expect.objectContaining({ severity: 'error', file: sandbox.config, keyPath: 'workspaces.web.memory', line: 3, column: 10 })]);
    expect(snapshot.data).toEqual({ workspaces: { web: { paths: [], memory: 'lots' } } });
    const list = await failure(api.call('workspaces.list', {}));
    expect(list.code).toBe('config-invalid');
    expect(list.details).toMatchObject({ file: sandbox.config, issues: [expect.objectContaining({ keyPath: 'workspaces.web.memory' })] });
  });

  it('lists resolved workspaces', async () => {
    write(`[defaults]\nmemory = "2g"\n\n[workspaces.web]\npaths = ["~/projects/web"]\nagent = "claude"\n`);
    const { workspaces } = await api.call('workspaces.list', {});
    expect(workspaces).toEqual([
      expect.objectContaining({ name: 'web', paths: [project], workdir: project, agent: 'claude', memory: '2g', servesOpenCode: false, port: null, image: 'embedded (full, from ubuntu:24.04)' }),
    ]);
  });

  it('validates edits without saving, with the issues keyed by key path', async () => {
    write('# mine\n[workspaces.web]\npaths = []\n');
    const before = fs.readFileSync(sandbox.config, 'utf8');
    const result = await api.call('config.validate', {
      edits: [
        { op: 'set', path: ['workspaces', 'web', 'memory'], value: 'lots' },
        { op: 'set', path: ['workspaces', 'web', 'cpu'], value: 4 },
      ],
    });
    expect(result.ok).toBe(false);
    expect(Object.keys(result.byKeyPath)).toEqual(['workspaces.web.memory']);
    expect(result.text).toContain('cpu = 4');
    const fine = await api.call('config.validate', { edits: [{ op: 'set', path: ['workspaces', 'web', 'cpu'], value: 4 }] });
    expect(fine).toMatchObject({ ok: true, issues: [], byKeyPath: {} });
    const refused = await api.call('config.validate', { edits: [{ op: 'deleteWorkspace', name: 'nope' }] });
    expect(refused.issues).toEqual([expect.objectContaining({ keyPath: 'workspaces.nope', message: expect.stringMatching(/no workspace "nope"/) })]);
    expect(fs.readFileSync(sandbox.config, 'utf8')).toBe(before);
  });

  it('saves edits keeping comments, and refuses when the file changed since it was read', async () => {
    write('# mine\n[workspaces.web]\npaths = [] # keep\n');
    const { hash } = await api.call('config.read', {});
    const saved = await api.call('config.save', { baseHash: hash, edits: [{ op: 'set', path: ['workspaces', 'web', 'cpu'], value: 4 }] });
    expect(saved.text).toBe('# mine\n[workspaces.web]\npaths = [] # keep\ncpu = 4\n');
    expect(fs.readFileSync(sandbox.config, 'utf8')).toBe(saved.text);
    const stale = await failure(api.call('config.save', { baseHash: hash, edits: [{ op: 'set', path: ['workspaces', 'web', 'cpu'], value: 8 }] }));
    expect(stale.code).toBe('config-conflict');
    expect(fs.readFileSync(sandbox.config, 'utf8')).toBe(saved.text);
  });

  it('refuses a save that would make the config invalid, and writes nothing', async () => {
    write('[workspaces.web]\npaths = []\n');
    const { hash, text } = await api.call('config.read', {});
    const invalid = await failure(api.call('config.save', { baseHash: hash, edits: [{ op: 'set', path: ['workspaces', 'web', 'memory'], value: 'lots' }] }));
    expect(invalid.code).toBe('config-invalid');
    expect(invalid.details).toMatchObject({ issues: [expect.objectContaining({ keyPath: 'workspaces.web.memory' })] });
    const refused = await failure(api.call('config.write', { baseHash: hash, text: 'not = [toml' }));
    expect(refused.code).toBe('config-invalid');
    expect(fs.readFileSync(sandbox.config, 'utf8')).toBe(text);
  });

  it('adds and removes workspaces', async () => {
    write('# mine\n');
    const added = await api.call('workspaces.add', { name: 'web', paths: ['~/projects/web'], values: { agent: 'shell' } });
    expect(added.text).toBe('# mine\n\n[workspaces.web]\npaths = ["~/projects/web"]\nagent = "shell"\n');
    expect(added.workspaces.map((ws) => ws.name)).toEqual(['web']);
    expect((await failure(api.call('workspaces.add', { name: 'web', paths: [] }))).code).toBe('config-edit-refused');
    expect((await failure(api.call('workspaces.add', { name: 'tmp', paths: ['/tmp/x'] }))).code).toBe('config-invalid');
    expect((await failure(api.call('workspaces.remove', { name: 'web', baseHash: 'stale' }))).code).toBe('config-conflict');
    const removed = await api.call('workspaces.remove', { name: 'web' });
    expect(removed.text).toBe('# mine\n');
  });

  it('says which workspaces exist when a call names another', async () => {
    write('[workspaces.web]\npaths = []\n');
    const error = await failure(api.call('images.plan', { workspace: 'api' }));
    expect(error.code).toBe('workspace-not-found');
    expect(error.message).toMatch(/no workspace "api".*workspaces: web/);
  });

  it('reports an unreachable engine with the doctor\'s hint, as an error and as an event', async () => {
    write('[workspaces.web]\npaths = []\n');
    const seen: ApiEvent[] = [];
    const stop = api.subscribe((event) => seen.push(event));
    const error = await failure(api.call('instances.list', {}));
    expect(error.code).toBe('engine-unavailable');
    expect(error.details).toMatchObject({ hint: 'Start Docker.' });
    await vi.waitFor(() => expect(seen).toContainEqual({ event: 'engine.changed', payload: expect.objectContaining({ state: 'unavailable', hint: 'Start Docker.' }) }));
    expect((await api.call('engine.status', {})).state).toBe('unavailable');
    stop();
  });

  it('plans images without an engine', async () => {
    write(`[workspaces.web]\npaths = ["~/projects/web"]\n`);
    const plan = await api.call('images.plan', { workspace: 'web' });
    expect(plan).toMatchObject({ workspace: 'web', steps: [expect.objectContaining({ kind: 'embedded' })] });
  });

  it('never lets a result that breaks the contract cross the boundary', async () => {
    const docker = {
      listContainers: async () => [{ Id: 'c1', Names: ['/x'], Image: 42, State: 'created', Status: 'Created', Ports: [], Labels: { 'dev.paddock.workspace': 'web', 'dev.paddock.service': 'agent' } }],
    } as unknown as Docker;
    const errors: unknown[] = [];
    const buggy = createApi({ configFile: sandbox.config, env: {}, home: sandbox.home, connect: async () => ({ docker, endpoint: { address: 'unix:///fake', source: 'test', options: {} } }), onError: (error) => errors.push(error) });
    try {
      const error = await failure(buggy.call('instances.list', {}));
      expect(error.code).toBe('internal');
      expect(error.message).toMatch(/instances\.list returned a result that does not fit the contract/);
      expect(errors).toHaveLength(1);
    } finally {
      await buggy.close();
    }
  });

  it('reports the config file changing on disk', async () => {
    write('[workspaces.web]\npaths = []\n');
    const seen: ApiEvent[] = [];
    const stop = api.subscribe((event) => seen.push(event));
    await new Promise((resolve) => setTimeout(resolve, 50));
    fs.writeFileSync(sandbox.config, '[workspaces.api]\npaths = []\n');
    await vi.waitFor(() => expect(seen.filter((event) => event.event === 'config.changed')).toHaveLength(1), { timeout: 3000 });
    const { hash } = await api.call('config.read', {});
    expect(seen.find((event) => event.event === 'config.changed')?.payload).toEqual({ file: sandbox.config, hash });
    stop();
  });

  it('has no operation to list or cancel when none runs', async () => {
    expect(await api.call('operations.list', {})).toEqual([]);
    expect(await api.call('operations.cancel', { operation: 'nope' })).toEqual({ cancelled: false });
    expect(await api.call('logs.unfollow', { subscription: 'nope' })).toEqual({ stopped: false });
  });

  it('refuses calls once closed', async () => {
    await api.close();
    expect((await failure(api.call('app.info', {}))).message).toMatch(/shut down/);
  });
});
