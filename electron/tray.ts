import type { MenuItemConstructorOptions } from 'electron';
import type { EngineState, WorkspaceState } from '../core/api/contract.ts';

/** A workspace as the tray shows it: its instance's state, or `building` while its image builds. */
export type TrayWorkspaceState = WorkspaceState | 'building';

export interface TrayWorkspace {
  name: string;
  state: TrayWorkspaceState;
  /** The folder the agent starts in. */
  folder?: string | undefined;
  /** OpenCode's server has no terminal session to attach to; its terminal is a shell instead. */
  servesOpenCode?: boolean | undefined;
}

export type EngineConnection = EngineState['state'];

export type TrayAction =
  | { type: 'start' | 'stop' | 'restart' | 'logs' | 'folder'; workspace: string }
  | { type: 'terminal'; workspace: string; command: 'attach' | 'shell' }
  | { type: 'open' }
  | { type: 'quit' };

export type TrayMenuItem =
  | { type: 'separator' }
  | { type: 'item'; label: string; enabled: boolean; action?: TrayAction; submenu?: TrayMenuItem[] };

export type TrayIconState = 'idle' | 'running' | 'warning';

const STATE_LABELS: Record<TrayWorkspaceState, string> = {
  running: 'Running',
  starting: 'Starting…',
  unhealthy: 'Unhealthy',
  stopped: 'Stopped',
  partial: 'Partly running',
  building: 'Building…',
};

const ENGINE_LABELS: Record<EngineConnection, string> = {
  connected: 'Docker engine connected',
  connecting: 'Connecting to the Docker engine…',
  unavailable: 'Docker engine unavailable',
};

/** States in which some container runs: the workspace can be stopped, restarted and entered. */
const LIVE: ReadonlySet<TrayWorkspaceState> = new Set(['running', 'starting', 'unhealthy', 'partial']);

const separator: TrayMenuItem = { type: 'separator' };

function item(label: string, enabled: boolean, action?: TrayAction): TrayMenuItem {
  return { type: 'item', label, enabled, ...(action ? { action } : {}) };
}

/**
 * The tray menu as plain data (main.ts turns it into Electron's Menu): the engine's state, one
 * submenu per workspace with its live state and what can be done with it, then Open and Quit.
 * Actions that need the engine are disabled while it is not connected.
 */
export function trayMenuModel(workspaces: readonly TrayWorkspace[], engine: EngineConnection): TrayMenuItem[] {
  const online = engine === 'connected';
  const rows = workspaces.map((ws): TrayMenuItem => {
    const workspace = ws.name;
    const live = LIVE.has(ws.state);
    const submenu: TrayMenuItem[] = [
      item(STATE_LABELS[ws.state], false),
      separator,
      live ? item('Stop', online, { type: 'stop', workspace }) : item('Start', online && ws.state === 'stopped', { type: 'start', workspace }),
      item('Restart', online && live, { type: 'restart', workspace }),
      ws.servesOpenCode
        ? item('Open a Shell', online && live, { type: 'terminal', workspace, command: 'shell' })
        : item('Open a Terminal', online && live, { type: 'terminal', workspace, command: 'attach' }),
      item('Show Logs', true, { type: 'logs', workspace }),
      ...(ws.folder ? [item('Open Folder', true, { type: 'folder', workspace })] : []),
    ];
    return { type: 'item', label: `${workspace} — ${STATE_LABELS[ws.state]}`, enabled: true, submenu };
  });
  return [
    item(ENGINE_LABELS[engine], false),
    separator,
    ...(rows.length ? rows : [item('No workspaces yet', false)]),
    separator,
    item('Open Paddock', true, { type: 'open' }),
    item('Quit Paddock', true, { type: 'quit' }),
  ];
}

/** The model as Electron's Menu template; clicking an item hands its action to `onAction`. */
export function menuTemplate(items: readonly TrayMenuItem[], onAction: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((entry): MenuItemConstructorOptions => {
    if (entry.type === 'separator') return { type: 'separator' };
    const { label, enabled, action, submenu } = entry;
    if (submenu) return { label, enabled, submenu: menuTemplate(submenu, onAction) };
    return { label, enabled, ...(action ? { click: () => onAction(action) } : {}) };
  });
}

/** The tray icon: a warning when any workspace is unhealthy, else running when any runs, else idle. */
export function trayIconState(workspaces: ReadonlyArray<Pick<TrayWorkspace, 'state'>>): TrayIconState {
  if (workspaces.some((ws) => ws.state === 'unhealthy')) return 'warning';
  if (workspaces.some((ws) => LIVE.has(ws.state))) return 'running';
  return 'idle';
}

/** The tray's tooltip: what runs, in a few words. */
export function trayTooltip(workspaces: ReadonlyArray<Pick<TrayWorkspace, 'state'>>, engine: EngineConnection): string {
  if (engine !== 'connected') return `Paddock — ${ENGINE_LABELS[engine]}`;
  const running = workspaces.filter((ws) => LIVE.has(ws.state)).length;
  const unhealthy = workspaces.filter((ws) => ws.state === 'unhealthy').length;
  const parts = [`${running} running`, ...(unhealthy ? [`${unhealthy} unhealthy`] : [])];
  return `Paddock — ${parts.join(', ')}`;
}

interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Runs `rebuild` at most once per `ms` however many times `schedule` is called: the first call of a
 * burst arms a timer, later ones ride on it. Unlike a debounce that restarts its timer, a steady
 * stream of events (a container restarting in a loop) cannot postpone the menu forever.
 */
export function coalesce(rebuild: () => void, ms = 250, timers: Timers = globalThis as unknown as Timers): { schedule(): void; cancel(): void } {
  let pending: unknown = null;
  return {
    schedule() {
      if (pending !== null) return;
      pending = timers.setTimeout(() => {
        pending = null;
        rebuild();
      }, ms);
    },
    cancel() {
      if (pending === null) return;
      timers.clearTimeout(pending);
      pending = null;
    },
  };
}
