import type { EventPayload, OperationKind } from '../../../core/api/contract.ts';
import { asApiError } from '../../api/errors.ts';
import { applyDone, applyProgress, newOperation, type Operation } from '../operations.ts';
import type { SliceCreator } from '../types.ts';

export interface OperationsSlice {
  /** Operations seen in this window, by ID: started here, or elsewhere (the tray, another window). */
  operations: Record<string, Operation>;
  /** Starts one; resolves with its ID once Paddock accepted it, rejects with an ApiFailure otherwise. */
  startOperation(kind: OperationKind, workspace: string): Promise<string>;
  cancelOperation(id: string): Promise<void>;
  loadOperations(): Promise<void>;
  operationProgress(payload: EventPayload<'operation.progress'>): void;
  operationDone(payload: EventPayload<'operation.done'>): void;
}

/** Finished operations kept for their progress view; older ones are dropped. */
const FINISHED_KEPT = 30;

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `ui-${[...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

function pruned(operations: Record<string, Operation>): Record<string, Operation> {
  const finished = Object.values(operations).filter((operation) => operation.status !== 'running');
  if (finished.length <= FINISHED_KEPT) return operations;
  const dropped = new Set(finished.sort((a, b) => a.startedAt - b.startedAt).slice(0, finished.length - FINISHED_KEPT).map((operation) => operation.id));
  return Object.fromEntries(Object.entries(operations).filter(([id]) => !dropped.has(id)));
}

/** The newest operation of a workspace (of some kinds), running or not. */
export function latestOperation(operations: Record<string, Operation>, workspace: string, kinds?: readonly OperationKind[]): Operation | null {
  let latest: Operation | null = null;
  for (const operation of Object.values(operations)) {
    if (operation.workspace !== workspace || (kinds && !kinds.includes(operation.kind))) continue;
    if (!latest || operation.startedAt > latest.startedAt) latest = operation;
  }
  return latest;
}

export const createOperationsSlice: SliceCreator<OperationsSlice> = (set, get, client) => {
  const put = (operation: Operation) => set({ operations: pruned({ ...get().operations, [operation.id]: operation }) });
  return {
    operations: {},
    async startOperation(kind, workspace) {
      // The ID is chosen here so that the operation is known before its first event can arrive.
      const id = randomId();
      put(newOperation(id, kind, workspace, Date.now()));
      try {
        if (kind === 'up') await client.call('workspaces.up', { workspace, operation: id });
        else if (kind === 'down') await client.call('workspaces.down', { workspace, operation: id });
        else if (kind === 'restart') await client.call('workspaces.restart', { workspace, operation: id });
        else await client.call('images.build', { workspace, operation: id });
      } catch (error) {
        const current = get().operations[id];
        if (current) put({ ...current, status: 'failed', finishedAt: Date.now(), error: asApiError(error) });
        throw error;
      }
      return id;
    },
    async cancelOperation(id) {
      await client.call('operations.cancel', { operation: id });
    },
    async loadOperations() {
      const running = await client.call('operations.list', {});
      const known = get().operations;
      for (const info of running) {
        if (!known[info.operation]) put(newOperation(info.operation, info.kind, info.workspace, Date.parse(info.startedAt) || Date.now()));
      }
    },
    operationProgress({ operation: id, kind, workspace, event }) {
      const current = get().operations[id] ?? newOperation(id, kind, workspace, Date.now());
      put(applyProgress(current, event));
    },
    operationDone(payload) {
      const current = get().operations[payload.operation] ?? newOperation(payload.operation, payload.kind, payload.workspace, Date.now());
      put(applyDone(current, payload, Date.now()));
      // A build or a start changed the workspace's image.
      if (payload.status === 'succeeded' && payload.kind !== 'down') void get().loadImages([payload.workspace]);
    },
  };
};
