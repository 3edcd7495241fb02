import type { ApiEvent, EngineState, Instance, OperationInfo, OperationKind, ProgressEvent, WorkspaceSummary } from '../core/api/contract.ts';
import type { EngineConnection, TrayWorkspace } from './tray.ts';

/**
 * What main knows about the workspaces, for the tray: kept from the registry's snapshots and events
 * (never polled; instances arrive as instances.changed, which the registry sends for every instance
 * each time it connects to the engine). Every update returns a new state, so the reducers are tested as plain functions.
 */
export interface ShellState {
  engine: EngineConnection;
  /** Configured workspaces, from workspaces.list. */
  workspaces: ReadonlyArray<Pick<WorkspaceSummary, 'name' | 'workdir' | 'servesOpenCode'>>;
  /** Workspaces that have containers. */
  instances: ReadonlyMap<string, Instance['state']>;
  /** Operations running now, by ID; `building` while an image is being built for it. */
  operations: ReadonlyMap<string, { kind: OperationKind; workspace: string; building: boolean }>;
}

export const initialShellState: ShellState = { engine: 'connecting', workspaces: [], instances: new Map(), operations: new Map() };

/** Progress that happens while an image is built; the rest is the launch (or the images are ready). */
const BUILDING: ReadonlySet<ProgressEvent['type']> = new Set(['plan', 'image-start', 'step', 'step-cached', 'output', 'pull']);

export function withEngine(state: ShellState, engine: EngineState): ShellState {
  return engine.state === state.engine ? state : { ...state, engine: engine.state };
}

export function withWorkspaces(state: ShellState, workspaces: readonly WorkspaceSummary[]): ShellState {
  return { ...state, workspaces: workspaces.map(({ name, workdir, servesOpenCode }) => ({ name, workdir, servesOpenCode })) };
}

export function withOperations(state: ShellState, operations: readonly OperationInfo[]): ShellState {
  return { ...state, operations: new Map(operations.map(({ operation, kind, workspace }) => [operation, { kind, workspace, building: kind === 'build' }])) };
}

/** The state after one event; events the tray does not show leave it as it was (the same object). */
export function applyEvent(state: ShellState, { event, payload }: ApiEvent): ShellState {
  switch (event) {
    case 'engine.changed':
      return withEngine(state, payload);
    case 'instances.changed': {
      const instances = new Map(state.instances);
      if (payload.instance) instances.set(payload.workspace, payload.state);
      else instances.delete(payload.workspace);
      return { ...state, instances };
    }
    case 'operation.progress': {
      const building = payload.kind === 'build' || BUILDING.has(payload.event.type);
      const current = state.operations.get(payload.operation);
      if (current && current.building === building) return state;
      return { ...state, operations: new Map(state.operations).set(payload.operation, { kind: payload.kind, workspace: payload.workspace, building }) };
    }
    case 'operation.done': {
      if (!state.operations.has(payload.operation)) return state;
      const operations = new Map(state.operations);
      operations.delete(payload.operation);
      return { ...state, operations };
    }
    default:
      return state;
  }
}

/**
 * The tray's rows: every configured workspace, and any other that still has containers (removed
 * from the config while running), sorted by name. An operation in flight shows through: `building`
 * while its image builds, `starting` while a stopped workspace is being started.
 */
export function trayWorkspaces(state: ShellState): TrayWorkspace[] {
  const configured = new Map(state.workspaces.map((ws) => [ws.name, ws]));
  const names = [...new Set([...configured.keys(), ...state.instances.keys()])].sort();
  const operations = [...state.operations.values()];
  return names.map((name) => {
    const ws = configured.get(name);
    const instance = state.instances.get(name) ?? 'stopped';
    const ops = operations.filter((op) => op.workspace === name);
    const starting = ops.some((op) => op.kind === 'up' || op.kind === 'restart');
    const stateNow = ops.some((op) => op.building) ? 'building' : starting && instance === 'stopped' ? 'starting' : instance;
    return { name, state: stateNow, folder: ws?.workdir ?? undefined, servesOpenCode: ws?.servesOpenCode ?? false };
  });
}
