import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError, callNames, calls } from '../../core/api/contract.ts';
import { createApi } from '../../core/api/handlers.ts';
import { callChannel, EVENT_CHANNEL } from '../../electron/channels.ts';
import { isTrustedSender, registerIpc, sendEvent, type Envelope, type FrameLike, type InvokeEventLike, type IpcMainLike, type WindowLike } from '../../electron/ipc.ts';
import { appOrigin } from '../../electron/origin.ts';

const origin = appOrigin({});

/** An ipcMain-shaped fake: keeps each channel's handler so the test can invoke it as Electron would. */
function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<Envelope>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
  };
  const invoke = (channel: string, event: InvokeEventLike, ...args: unknown[]) => {
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args);
  };
  return { ipcMain, handlers, invoke };
}

function fakeWindow(url = origin.url) {
  const mainFrame: FrameLike = { url, parent: null, processId: 4, routingId: 1 };
  const send = vi.fn();
  let destroyed = false;
  const window: WindowLike = { isDestroyed: () => destroyed, webContents: { id: 7, mainFrame, send } };
  return { window, mainFrame, send, destroy: () => (destroyed = true) };
}

/** What Electron passes for a message from the window's main frame. */
const fromMainFrame = (frame: FrameLike): InvokeEventLike => ({ sender: { id: 7 }, senderFrame: frame });

function setup() {
  const ipc = fakeIpcMain();
  const win = fakeWindow();
  // The registry stand-in records what reaches it: the tests are about what the wrapper lets through.
  const call = vi.fn(async (name: string, input: unknown) => ({ called: name, input }));
  registerIpc(ipc.ipcMain, { calls, call, window: () => win.window, isAppUrl: origin.isAppUrl });
  return { ...ipc, ...win, call };
}

describe('IPC: one channel per contract call', () => {
  it('registers exactly the contract’s calls, each on paddock:call:<name>', () => {
    const { handlers } = setup();
    expect([...handlers.keys()].sort()).toEqual(callNames.map((name) => `paddock:call:${name}`).sort());
    expect(callChannel('workspaces.list')).toBe('paddock:call:workspaces.list');
  });

  it('runs a call from our window’s main frame and answers with an ok envelope', async () => {
    const { invoke, mainFrame, call } = setup();
    const envelope = await invoke('paddock:call:workspaces.up', fromMainFrame(mainFrame), { workspace: 'web' });
    expect(envelope).toEqual({ ok: true, output: { called: 'workspaces.up', input: { workspace: 'web' } } });
    expect(call).toHaveBeenCalledExactlyOnceWith('workspaces.up', { workspace: 'web' });
  });

  it('treats a missing input as {}, as the WebSocket transport does', async () => {
    const { invoke, mainFrame, call } = setup();
    expect(await invoke('paddock:call:workspaces.list', fromMainFrame(mainFrame))).toMatchObject({ ok: true });
    expect(call).toHaveBeenCalledWith('workspaces.list', {});
  });
});

describe('IPC: the sender check runs before anything else', () => {
  const foreign: Array<[string, (frame: FrameLike) => InvokeEventLike]> = [
    ['another WebContents', (frame) => ({ sender: { id: 99 }, senderFrame: frame })],
    ['a subframe of our window', (frame) => ({ sender: { id: 7 }, senderFrame: { ...frame, parent: frame, routingId: 2 } })],
    ['another frame with no parent (a different routing ID)', (frame) => ({ sender: { id: 7 }, senderFrame: { ...frame, routingId: 5 } })],
    ['our main frame after it navigated elsewhere', (frame) => ({ sender: { id: 7 }, senderFrame: { ...frame, url: 'https://evil.example/' } })],
    ['another file on the disk', (frame) => ({ sender: { id: 7 }, senderFrame: { ...frame, url: pathToFileURL('/tmp/evil.html').href } })],
    ['a frame that is gone', () => ({ sender: { id: 7 }, senderFrame: null })],
  ];

  it.each(foreign)('refuses %s with forbidden-sender, without calling the registry', async (_label, makeEvent) => {
    const { invoke, mainFrame, call } = setup();
    const envelope = await invoke('paddock:call:workspaces.up', makeEvent(mainFrame), { workspace: 'web' });
    expect(envelope).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    expect(call).not.toHaveBeenCalled();
  });

  it('refuses every call once the window is destroyed, or when there is none', async () => {
    const { invoke, mainFrame, call, destroy } = setup();
    destroy();
    expect(await invoke('paddock:call:workspaces.list', fromMainFrame(mainFrame), {})).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    expect(isTrustedSender(fromMainFrame(mainFrame), null, origin.isAppUrl)).toBe(false);
    expect(call).not.toHaveBeenCalled();
  });

  it('checks the sender even before the input, so a stranger learns nothing about the schema', async () => {
    const { invoke, mainFrame, call } = setup();
    const envelope = await invoke('paddock:call:workspaces.up', { sender: { id: 99 }, senderFrame: mainFrame }, { nonsense: true });
    expect(envelope).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    expect(call).not.toHaveBeenCalled();
  });

  it('treats a frame that throws on access (destroyed mid-flight) as untrusted', () => {
    const { window } = fakeWindow();
    const dead = { parent: null, processId: 4, routingId: 1, get url(): string { throw new Error('Render frame was disposed'); } };
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: dead }, window, origin.isAppUrl)).toBe(false);
  });
});

describe('IPC: the input is validated with the contract before the registry runs', () => {
  const invalid: Array<[string, string, unknown]> = [
    ['a missing required field', 'workspaces.up', {}],
    ['a wrong type', 'workspaces.up', { workspace: 42 }],
    ['an unknown key (inputs are strict)', 'workspaces.list', { all: true }],
    ['a value out of range', 'logs.tail', { workspace: 'web', tail: 1_000_000 }],
    ['not an object at all', 'config.save', 'rm -rf /'],
  ];

  it.each(invalid)('refuses %s with invalid-input, without calling the registry', async (_label, name, input) => {
    const { invoke, mainFrame, call } = setup();
    const envelope = await invoke(`paddock:call:${name}`, fromMainFrame(mainFrame), input);
    expect(envelope).toMatchObject({ ok: false, error: { name: 'IpcError', code: 'invalid-input' } });
    expect(call).not.toHaveBeenCalled();
  });

  it('says which field is wrong', async () => {
    const { invoke, mainFrame } = setup();
    const envelope = await invoke('paddock:call:workspaces.up', fromMainFrame(mainFrame), { workspace: 42 });
    expect(envelope.ok).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.message).toMatch(/^invalid input for workspaces\.up: workspace: /);
    expect(envelope.error.details).toEqual({ issues: [expect.objectContaining({ path: 'workspace' })] });
  });
});

describe('IPC: errors never cross as rejections', () => {
  it('passes the registry’s ApiError through in the envelope, code and details kept', async () => {
    const { invoke, mainFrame, call } = setup();
    call.mockRejectedValueOnce(new ApiCallError({ name: 'ApiError', code: 'workspace-not-found', message: 'there is no workspace "x"', details: { workspace: 'x' } }));
    expect(await invoke('paddock:call:workspaces.up', fromMainFrame(mainFrame), { workspace: 'x' })).toEqual({
      ok: false,
      error: { name: 'ApiError', code: 'workspace-not-found', message: 'there is no workspace "x"', details: { workspace: 'x' } },
    });
  });

  it('reports anything else as an internal error', async () => {
    const { invoke, mainFrame, call } = setup();
    call.mockRejectedValueOnce(new TypeError('boom'));
    expect(await invoke('paddock:call:workspaces.list', fromMainFrame(mainFrame), {})).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringContaining('boom') } });
  });
});

describe('IPC: events', () => {
  it('pushes an event to the window on paddock:event as { event, payload }', () => {
    const { window, send } = fakeWindow();
    sendEvent(window, 'engine.changed', { state: 'connected' });
    expect(EVENT_CHANNEL).toBe('paddock:event');
    expect(send).toHaveBeenCalledExactlyOnceWith('paddock:event', { event: 'engine.changed', payload: { state: 'connected' } });
  });

  it('drops events when there is no window to show them', () => {
    const { window, send, destroy } = fakeWindow();
    destroy();
    sendEvent(window, 'engine.changed', {});
    sendEvent(null, 'engine.changed', {});
    expect(send).not.toHaveBeenCalled();
  });
});

describe('IPC over the real registry', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('answers workspaces.list from a config file, and maps a registry failure to its code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-ipc-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, 'config.toml');
    fs.writeFileSync(configFile, '[workspaces.web]\npaths = []\n');
    const api = createApi({ configFile, env: { HOME: dir }, home: dir, connect: () => Promise.reject(new Error('no engine in unit tests')) });
    cleanup.push(() => api.close());
    const ipc = fakeIpcMain();
    const { window, mainFrame } = fakeWindow();
    registerIpc(ipc.ipcMain, { calls, call: (name, input) => api.call(name, input, { client: 'test' }), window: () => window, isAppUrl: origin.isAppUrl });

    const listed = await ipc.invoke('paddock:call:workspaces.list', fromMainFrame(mainFrame));
    expect(listed).toMatchObject({ ok: true, output: { file: configFile, workspaces: [{ name: 'web', paths: [] }] } });
    const missing = await ipc.invoke('paddock:call:images.plan', fromMainFrame(mainFrame), { workspace: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'workspace-not-found' } });
  });
});
