import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiEvent, EngineState, Instance, WorkspaceSummary } from '../../core/api/contract.ts';
import { applyEvent, initialShellState, trayWorkspaces, withEngine, withOperations, withWorkspaces } from '../../electron/shell-state.ts';
import { isOnPath, paddockCli, shellLine, terminalCommand } from '../../electron/terminal.ts';
import { coalesce, menuTemplate, trayIconState, trayMenuModel, trayTooltip, type TrayMenuItem, type TrayWorkspace } from '../../electron/tray.ts';

type Item = Extract<TrayMenuItem, { type: 'item' }>;

const items = (menu: TrayMenuItem[]): Item[] => menu.filter((entry): entry is Item => entry.type === 'item');
const byLabel = (menu: TrayMenuItem[], label: string): Item => {
  const found = items(menu).find((entry) => entry.label === label);
  if (!found) throw new Error(`no "${label}" in ${items(menu).map((entry) => entry.label).join(', ')}`);
  return found;
};
const submenuOf = (menu: TrayMenuItem[], workspace: string): TrayMenuItem[] => items(menu).find((entry) => entry.label.startsWith(`${workspace} — `))?.submenu ?? [];

describe('tray menu model', () => {
  const workspaces: TrayWorkspace[] = [
    { name: 'api', state: 'running', folder: '/home/me/api' },
    { name: 'web', state: 'stopped', folder: '/home/me/web' },
    { name: 'docs', state: 'unhealthy' },
    { name: 'ml', state: 'building', folder: '/home/me/ml' },
    { name: 'oc', state: 'running', servesOpenCode: true },
  ];

  it('starts with the engine’s state and ends with Open Paddock and Quit', () => {
    const menu = trayMenuModel(workspaces, 'connected');
    expect(menu[0]).toEqual({ type: 'item', label: 'Docker engine connected', enabled: false });
    expect(menu[1]).toEqual({ type: 'separator' });
    expect(menu.slice(-3)).toEqual([
      { type: 'separator' },
      { type: 'item', label: 'Open Paddock', enabled: true, action: { type: 'open' } },
      { type: 'item', label: 'Quit Paddock', enabled: true, action: { type: 'quit' } },
    ]);
    expect(trayMenuModel([], 'unavailable')[0]).toMatchObject({ label: 'Docker engine unavailable' });
    expect(trayMenuModel([], 'connecting')[0]).toMatchObject({ label: 'Connecting to the Docker engine…' });
  });

  it('has one submenu per workspace, labelled with its live state', () => {
    const menu = trayMenuModel(workspaces, 'connected');
    expect(items(menu).filter((entry) => entry.submenu).map((entry) => entry.label)).toEqual([
      'api — Running',
      'web — Stopped',
      'docs — Unhealthy',
      'ml — Building…',
      'oc — Running',
    ]);
    expect(submenuOf(menu, 'api')[0]).toEqual({ type: 'item', label: 'Running', enabled: false });
  });

  it('offers Stop for a running workspace and Start for a stopped one, with their actions', () => {
    const menu = trayMenuModel(workspaces, 'connected');
    const api = submenuOf(menu, 'api');
    expect(byLabel(api, 'Stop')).toEqual({ type: 'item', label: 'Stop', enabled: true, action: { type: 'stop', workspace: 'api' } });
    expect(items(api).some((entry) => entry.label === 'Start')).toBe(false);
    const web = submenuOf(menu, 'web');
    expect(byLabel(web, 'Start')).toEqual({ type: 'item', label: 'Start', enabled: true, action: { type: 'start', workspace: 'web' } });
    expect(items(web).some((entry) => entry.label === 'Stop')).toBe(false);
    // An unhealthy workspace still runs: it can be stopped and restarted.
    expect(byLabel(submenuOf(menu, 'docs'), 'Stop').enabled).toBe(true);
    expect(byLabel(submenuOf(menu, 'docs'), 'Restart').enabled).toBe(true);
  });

  it('offers restart, a terminal, logs and the folder, each with its action', () => {
    const api = submenuOf(trayMenuModel(workspaces, 'connected'), 'api');
    expect(byLabel(api, 'Restart').action).toEqual({ type: 'restart', workspace: 'api' });
    expect(byLabel(api, 'Open a Terminal').action).toEqual({ type: 'terminal', workspace: 'api', command: 'attach' });
    expect(byLabel(api, 'Show Logs').action).toEqual({ type: 'logs', workspace: 'api' });
    expect(byLabel(api, 'Open Folder').action).toEqual({ type: 'folder', workspace: 'api' });
  });

  it('disables what cannot apply: restart and terminal of a stopped workspace, start while building', () => {
    const menu = trayMenuModel(workspaces, 'connected');
    expect(byLabel(submenuOf(menu, 'web'), 'Restart').enabled).toBe(false);
    expect(byLabel(submenuOf(menu, 'web'), 'Open a Terminal').enabled).toBe(false);
    expect(byLabel(submenuOf(menu, 'ml'), 'Start').enabled).toBe(false);
    expect(byLabel(submenuOf(menu, 'ml'), 'Show Logs').enabled).toBe(true);
  });

  it('disables everything that needs the engine while it is not connected, but not logs or folders', () => {
    const web = submenuOf(trayMenuModel(workspaces, 'unavailable'), 'web');
    expect(byLabel(web, 'Start').enabled).toBe(false);
    const api = submenuOf(trayMenuModel(workspaces, 'connecting'), 'api');
    expect(['Stop', 'Restart', 'Open a Terminal'].map((label) => byLabel(api, label).enabled)).toEqual([false, false, false]);
    expect(['Show Logs', 'Open Folder'].map((label) => byLabel(api, label).enabled)).toEqual([true, true]);
  });

  it('opens a shell, not an attach, for a workspace that serves OpenCode; no folder item without a folder', () => {
    const menu = trayMenuModel(workspaces, 'connected');
    expect(byLabel(submenuOf(menu, 'oc'), 'Open a Shell').action).toEqual({ type: 'terminal', workspace: 'oc', command: 'shell' });
    expect(items(submenuOf(menu, 'docs')).some((entry) => entry.label === 'Open Folder')).toBe(false);
  });

  it('says so when there are no workspaces', () => {
    expect(trayMenuModel([], 'connected')[2]).toEqual({ type: 'item', label: 'No workspaces yet', enabled: false });
  });

  it('becomes an Electron menu template whose clicks hand back the actions', () => {
    const onAction = vi.fn();
    const template = menuTemplate(trayMenuModel(workspaces, 'connected'), onAction);
    expect(template[1]).toEqual({ type: 'separator' });
    const api = template.find((entry) => entry.label === 'api — Running');
    const stop = (api?.submenu as Array<{ label?: string; click?: () => void; enabled?: boolean }>).find((entry) => entry.label === 'Stop');
    stop?.click?.();
    expect(onAction).toHaveBeenCalledExactlyOnceWith({ type: 'stop', workspace: 'api' });
    expect(template[0]).toEqual({ label: 'Docker engine connected', enabled: false });
  });
});

describe('tray icon and tooltip', () => {
  it('warns when any workspace is unhealthy, shows running when any runs, else idle', () => {
    expect(trayIconState([{ state: 'running' }, { state: 'unhealthy' }])).toBe('warning');
    expect(trayIconState([{ state: 'stopped' }, { state: 'running' }])).toBe('running');
    expect(trayIconState([{ state: 'partial' }])).toBe('running');
    expect(trayIconState([{ state: 'starting' }])).toBe('running');
    expect(trayIconState([{ state: 'stopped' }, { state: 'building' }])).toBe('idle');
    expect(trayIconState([])).toBe('idle');
  });

  it('sums up in the tooltip', () => {
    expect(trayTooltip([{ state: 'running' }, { state: 'unhealthy' }, { state: 'stopped' }], 'connected')).toBe('Paddock — 2 running, 1 unhealthy');
    expect(trayTooltip([], 'connected')).toBe('Paddock — 0 running');
    expect(trayTooltip([{ state: 'running' }], 'unavailable')).toBe('Paddock — Docker engine unavailable');
  });
});

describe('coalescing tray rebuilds', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rebuilds once per 250 ms burst, however many events arrive', () => {
    vi.useFakeTimers();
    const rebuild = vi.fn();
    const { schedule } = coalesce(rebuild);
    for (let i = 0; i < 50; i++) schedule();
    expect(rebuild).not.toHaveBeenCalled();
    vi.advanceTimersByTime(249);
    expect(rebuild).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(rebuild).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(1000);
    expect(rebuild).toHaveBeenCalledOnce();
  });

  it('keeps rebuilding during a steady stream of events (a trailing debounce would starve)', () => {
    vi.useFakeTimers();
    const rebuild = vi.fn();
    const { schedule } = coalesce(rebuild, 250);
    // An event every 50 ms for 2 s.
    for (let t = 0; t < 2000; t += 50) {
      schedule();
      vi.advanceTimersByTime(50);
    }
    expect(rebuild.mock.calls.length).toBeGreaterThanOrEqual(7);
    expect(rebuild.mock.calls.length).toBeLessThanOrEqual(8);
  });

  it('can be cancelled (on quit)', () => {
    vi.useFakeTimers();
    const rebuild = vi.fn();
    const runner = coalesce(rebuild);
    runner.schedule();
    runner.cancel();
    vi.advanceTimersByTime(1000);
    expect(rebuild).not.toHaveBeenCalled();
    runner.schedule();
    vi.advanceTimersByTime(250);
    expect(rebuild).toHaveBeenCalledOnce();
  });
});

describe('opening a terminal', () => {
  const argv = ['paddock', 'attach', 'web', '--config', '/home/me/my config.toml'];
  const only = (...programs: string[]) => (program: string) => programs.includes(program);

  it('on Linux, prefers the system’s x-terminal-emulator, then gnome-terminal, konsole, xterm', () => {
    expect(terminalCommand('linux', argv, only('x-terminal-emulator', 'gnome-terminal'))).toEqual({ command: 'x-terminal-emulator', args: ['-e', ...argv] });
    expect(terminalCommand('linux', argv, only('gnome-terminal', 'konsole'))).toEqual({ command: 'gnome-terminal', args: ['--', ...argv] });
    expect(terminalCommand('linux', argv, only('konsole', 'xterm'))).toEqual({ command: 'konsole', args: ['-e', ...argv] });
    expect(terminalCommand('linux', argv, only('xterm'))).toEqual({ command: 'xterm', args: ['-e', ...argv] });
    expect(terminalCommand('linux', argv, only())).toBeNull();
    expect(terminalCommand('freebsd', argv, only('xterm'))).toEqual({ command: 'xterm', args: ['-e', ...argv] });
  });

  it('on macOS, drives Terminal.app through osascript with the command quoted for the shell and AppleScript', () => {
    const launch = terminalCommand('darwin', ['paddock', 'attach', 'web', '--config', '/Users/me/it\'s "mine".toml'], only());
    expect(launch?.command).toBe('osascript');
    expect(launch?.args[0]).toBe('-e');
    expect(launch?.args[1]).toBe(
      'tell application "Terminal"\n  activate\n  do script "paddock attach web --config \'/Users/me/it\'\\\\\'\'s \\"mine\\".toml\'"\nend tell',
    );
  });

  it('on Windows, uses Windows Terminal when present, else a new cmd window', () => {
    expect(terminalCommand('win32', argv, only('wt.exe'))).toEqual({ command: 'wt.exe', args: ['new-tab', 'cmd.exe', '/k', ...argv] });
    expect(terminalCommand('win32', argv, only())).toEqual({ command: 'cmd.exe', args: ['/c', 'start', 'cmd.exe', '/k', ...argv] });
  });

  it('quotes words for a POSIX shell only when they need it', () => {
    expect(shellLine(['paddock', 'attach', 'web-1', '--config', '/a/b.toml'])).toBe('paddock attach web-1 --config /a/b.toml');
    expect(shellLine(['a b', "it's", '$(rm -rf ~)', ''])).toBe(`'a b' 'it'\\''s' '$(rm -rf ~)' ''`);
  });

  it('runs the packaged app’s CLI from the PATH, and a checkout’s own bin/paddock.mjs with npm’s Node', () => {
    expect(paddockCli({ packaged: true, appPath: '/opt/Paddock/resources/app.asar', env: {} })).toEqual(['paddock']);
    expect(paddockCli({ packaged: false, appPath: '/src/paddock', env: { npm_node_execpath: '/usr/bin/node' } })).toEqual(['/usr/bin/node', path.join('/src/paddock', 'bin', 'paddock.mjs')]);
    expect(paddockCli({ packaged: false, appPath: '/src/paddock', env: {} })[0]).toBe('node');
  });

  it('finds programs on the PATH: executable files only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-path-'));
    try {
      fs.writeFileSync(path.join(dir, 'konsole'), '#!/bin/sh\n', { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'xterm'), 'not executable', { mode: 0o644 });
      fs.mkdirSync(path.join(dir, 'gnome-terminal'));
      const env = { PATH: `/nonexistent:${dir}` };
      expect(isOnPath('konsole', env, 'linux')).toBe(true);
      expect(isOnPath('xterm', env, 'linux')).toBe(false);
      expect(isOnPath('gnome-terminal', env, 'linux')).toBe(false);
      expect(isOnPath('x-terminal-emulator', env, 'linux')).toBe(false);
      fs.writeFileSync(path.join(dir, 'wt.exe'), '');
      expect(isOnPath('wt', { Path: dir, PATHEXT: '.COM;.exe' }, 'win32')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shell state: what the tray shows, from the registry’s snapshots and events', () => {
  const summary = (name: string, extra: Partial<WorkspaceSummary> = {}): WorkspaceSummary => ({
    name,
    paths: [`/home/me/${name}`],
    workdir: `/home/me/${name}`,
    agent: 'claude',
    command: null,
    image: 'embedded',
    dockerfile: null,
    servesOpenCode: false,
    port: null,
    cpu: 2,
    memory: '4g',
    egress: 'open',
    enableDocker: false,
    ...extra,
  });
  const instance = (workspace: string, state: Instance['state']): Instance => ({ workspace, project: `paddock-${workspace}`, state, services: [] });
  const engine = (state: EngineState['state']): EngineState => ({ state, endpoint: null, source: null, message: null, hint: null, since: '2026-01-01T00:00:00.000Z' });
  const apply = (state: typeof initialShellState, ...events: ApiEvent[]) => events.reduce(applyEvent, state);
  const changed = (workspace: string, state: Instance['state']): ApiEvent => ({ event: 'instances.changed', payload: { workspace, state, instance: instance(workspace, state) } });

  it('lists configured workspaces with their folders, stopped until an instance says otherwise', () => {
    const state = apply(withWorkspaces(initialShellState, [summary('web'), summary('oc', { servesOpenCode: true, workdir: null })]), changed('web', 'running'));
    expect(trayWorkspaces(state)).toEqual([
      { name: 'oc', state: 'stopped', folder: undefined, servesOpenCode: true },
      { name: 'web', state: 'running', folder: '/home/me/web', servesOpenCode: false },
    ]);
  });

  it('keeps showing a workspace that still has containers after it left the config', () => {
    const state = apply(withWorkspaces(initialShellState, []), changed('gone', 'partial'));
    expect(trayWorkspaces(state)).toEqual([{ name: 'gone', state: 'partial', folder: undefined, servesOpenCode: false }]);
  });

  it('follows instances.changed, and forgets an instance whose containers are gone', () => {
    let state = withWorkspaces(initialShellState, [summary('web')]);
    state = apply(state, changed('web', 'unhealthy'));
    expect(trayWorkspaces(state)[0]?.state).toBe('unhealthy');
    state = apply(state, { event: 'instances.changed', payload: { workspace: 'web', state: 'stopped', instance: null } });
    expect(trayWorkspaces(state)[0]?.state).toBe('stopped');
    expect(state.instances.has('web')).toBe(false);
  });

  it('shows building while an image builds, starting while a stopped workspace launches, and clears on done', () => {
    let state = withWorkspaces(initialShellState, [summary('web')]);
    const progress = (type: 'image-start' | 'service' | 'image-done'): ApiEvent => ({
      event: 'operation.progress',
      payload: {
        operation: 'op1',
        kind: 'up',
        workspace: 'web',
        event:
          type === 'image-start'
            ? { type, kind: 'overlay', tag: 't', source: 's', steps: 3, contextFiles: 1 }
            : type === 'image-done'
              ? { type, kind: 'overlay', tag: 't', id: 'sha256:1', durationMs: 5 }
              : { type, service: 'agent', action: 'created', id: 'c1' },
      },
    });
    state = apply(state, progress('image-start'));
    expect(trayWorkspaces(state)[0]?.state).toBe('building');
    state = apply(state, progress('image-done'));
    expect(trayWorkspaces(state)[0]?.state).toBe('starting');
    state = apply(state, progress('service'));
    expect(trayWorkspaces(state)[0]?.state).toBe('starting');
    state = apply(state, changed('web', 'running'));
    expect(trayWorkspaces(state)[0]?.state).toBe('running');
    state = apply(state, {
      event: 'operation.done',
      payload: { operation: 'op1', kind: 'up', workspace: 'web', status: 'succeeded', result: { type: 'launched', project: 'p', port: null, services: [] } },
    });
    expect(state.operations.size).toBe(0);
    expect(trayWorkspaces(state)[0]?.state).toBe('running');
  });

  it('counts a build operation as building from the start (operations.list), and the engine’s state', () => {
    let state = withOperations(withWorkspaces(initialShellState, [summary('web')]), [{ operation: 'b1', kind: 'build', workspace: 'web', startedAt: '2026-01-01T00:00:00Z' }]);
    expect(trayWorkspaces(state)[0]?.state).toBe('building');
    state = apply(state, { event: 'engine.changed', payload: engine('unavailable') });
    expect(state.engine).toBe('unavailable');
    expect(withEngine(state, engine('unavailable'))).toBe(state);
  });

  it('leaves the state untouched (the same object) for events the tray does not show', () => {
    const state = withWorkspaces(initialShellState, [summary('web')]);
    expect(apply(state, { event: 'config.changed', payload: { file: '/c', hash: 'h' } })).toBe(state);
    expect(apply(state, { event: 'logs.line', payload: { subscription: 's', line: { service: 'agent', stream: 'stdout', line: 'hi', time: null } } })).toBe(state);
    expect(apply(state, { event: 'operation.done', payload: { operation: 'unknown', kind: 'down', workspace: 'web', status: 'cancelled' } })).toBe(state);
  });
});
