import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { describe, expect, it, vi } from 'vitest';
import { callNames } from '../../core/api/contract.ts';
import { createBridge, type IpcRendererLike } from '../../electron/bridge.ts';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** An ipcRenderer-shaped fake: records invokes and keeps listeners so the test can push messages. */
function fakeIpcRenderer() {
  const listeners = new Map<string, Set<Listener>>();
  const invoke = vi.fn(async (channel: string, ...args: unknown[]) => ({ ok: true, output: { channel, args } }));
  const ipcRenderer: IpcRendererLike = {
    invoke,
    on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const push = (channel: string, message: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'the IpcRendererEvent, which must not reach the page' }, message);
  };
  return { ipcRenderer, invoke, listeners, push };
}

// The real preload, with Electron's two renderer objects replaced: what it exposes is the subject.
const exposed = vi.hoisted(() => ({ calls: [] as Array<[string, unknown]>, ipcRenderer: null as null | ReturnType<typeof fakeIpcRenderer> }));
vi.mock('electron', () => {
  const fake = fakeIpcRenderer();
  exposed.ipcRenderer = fake;
  return {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.calls.push([key, api]) },
    ipcRenderer: fake.ipcRenderer,
  };
});

describe('the preload', () => {
  it('exposes one frozen window.paddock with exactly the contract’s calls and onEvent', async () => {
    await import('../../electron/preload.ts');
    expect(exposed.calls).toHaveLength(1);
    const [key, api] = exposed.calls[0]!;
    expect(key).toBe('paddock');
    expect(Object.keys(api as object).sort()).toEqual([...callNames, 'onEvent'].sort());
    expect(Object.isFrozen(api)).toBe(true);
    for (const value of Object.values(api as object)) expect(typeof value).toBe('function');
    for (const forbidden of ['invoke', 'send', 'on', 'ipcRenderer', 'sendSync', 'postMessage']) expect(api).not.toHaveProperty(forbidden);
  });

  it('routes window.paddock calls to the real ipcRenderer, one channel per call', async () => {
    await import('../../electron/preload.ts');
    const api = exposed.calls[0]![1] as Record<string, (input?: unknown) => Promise<unknown>>;
    await expect(api['workspaces.up']!({ workspace: 'web' })).resolves.toEqual({ ok: true, output: { channel: 'paddock:call:workspaces.up', args: [{ workspace: 'web' }] } });
    expect(exposed.ipcRenderer?.invoke).toHaveBeenCalledWith('paddock:call:workspaces.up', { workspace: 'web' });
  });
});

describe('the preload bundle', () => {
  it('needs nothing but electron, as a sandboxed preload must, and exposes the bridge', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const script = (await import(pathToFileURL(path.join(root, 'scripts', 'build-electron.mjs')).href)) as { preloadOptions(): BuildOptions };
    const result = await build({ ...script.preloadOptions(), write: false, logLevel: 'silent' });
    const code = result.outputFiles?.[0]?.text ?? '';
    const required: string[] = [];
    const seen: Array<[string, unknown]> = [];
    const { ipcRenderer } = fakeIpcRenderer();
    const sandboxRequire = (id: string) => {
      required.push(id);
      if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
      return { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => seen.push([key, api]) }, ipcRenderer };
    };
    new Function('require', 'module', 'exports', code)(sandboxRequire, { exports: {} }, {});
    expect(required).toEqual(['electron']);
    expect(seen.map(([key]) => key)).toEqual(['paddock']);
    expect(Object.keys(seen[0]![1] as object).sort()).toEqual([...callNames, 'onEvent'].sort());
  });
});

describe('the bridge', () => {
  it('invokes each call on its own channel with the input, and returns main’s envelope', async () => {
    const { ipcRenderer, invoke } = fakeIpcRenderer();
    const bridge = createBridge(callNames, ipcRenderer) as unknown as Record<string, (input?: unknown) => Promise<unknown>>;
    for (const name of callNames) {
      await expect(bridge[name]!({ probe: name })).resolves.toEqual({ ok: true, output: { channel: `paddock:call:${name}`, args: [{ probe: name }] } });
    }
    expect(invoke).toHaveBeenCalledTimes(callNames.length);
    // Extra arguments never reach main: each method takes one input.
    await (bridge['workspaces.list'] as (...args: unknown[]) => Promise<unknown>)({}, 'extra');
    expect(invoke).toHaveBeenLastCalledWith('paddock:call:workspaces.list', {});
  });

  it('cannot be extended or changed by the page', () => {
    const { ipcRenderer } = fakeIpcRenderer();
    const bridge = createBridge(['workspaces.list'], ipcRenderer) as unknown as Record<string, unknown>;
    expect(() => {
      bridge.invoke = () => undefined;
    }).toThrow(TypeError);
    expect(() => {
      bridge['workspaces.list'] = () => undefined;
    }).toThrow(TypeError);
    expect(Object.keys(bridge)).toEqual(['workspaces.list', 'onEvent']);
  });

  it('delivers pushed events as (name, payload), never Electron’s event object', () => {
    const { ipcRenderer, push } = fakeIpcRenderer();
    const bridge = createBridge(callNames, ipcRenderer);
    const listener = vi.fn();
    bridge.onEvent(listener);
    push('paddock:event', { event: 'engine.changed', payload: { state: 'connected' } });
    expect(listener).toHaveBeenCalledExactlyOnceWith('engine.changed', { state: 'connected' });
  });

  it('stops delivering after unsubscribe, and ignores messages that are not events', () => {
    const { ipcRenderer, push, listeners } = fakeIpcRenderer();
    const bridge = createBridge(callNames, ipcRenderer);
    const listener = vi.fn();
    const unsubscribe = bridge.onEvent(listener);
    push('paddock:event', null);
    push('paddock:event', { payload: 1 });
    push('paddock:other', { event: 'x', payload: 1 });
    expect(listener).not.toHaveBeenCalled();
    unsubscribe();
    expect(listeners.get('paddock:event')?.size).toBe(0);
    push('paddock:event', { event: 'engine.changed', payload: {} });
    expect(listener).not.toHaveBeenCalled();
  });

  it('refuses a listener that is not a function', () => {
    const { ipcRenderer } = fakeIpcRenderer();
    expect(() => createBridge(callNames, ipcRenderer).onEvent('alert(1)' as never)).toThrow(TypeError);
  });
});
