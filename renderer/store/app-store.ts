import { createStore } from 'zustand/vanilla';
import type { InitialState } from '../../core/api/initial-state.ts';
import type { ApiClient } from '../api/client.ts';
import { createConfigSlice } from './slices/config.ts';
import { createConnectionSlice } from './slices/connection.ts';
import { createImagesSlice } from './slices/images.ts';
import { createInstancesSlice } from './slices/instances.ts';
import { createOperationsSlice } from './slices/operations.ts';
import { createSettingsSlice } from './slices/settings.ts';
import type { AppState, AppStore } from './types.ts';

export function createAppStore(client: ApiClient): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createConnectionSlice(set, get, client),
    ...createConfigSlice(set, get, client),
    ...createInstancesSlice(set, get, client),
    ...createImagesSlice(set, get, client),
    ...createOperationsSlice(set, get, client),
    ...createSettingsSlice(set, get, client),
  }));
}

/**
 * Starts the store from what the page came with, so the first view needs no answer from the API.
 * The engine's state is left out: it was only "connecting" when the page was made.
 */
export function seedStore(store: AppStore, initial: InitialState): void {
  if (initial.info) {
    const { engine: _engine, ...info } = initial.info;
    store.setState({ info });
  }
  if (initial.config) store.setState({ config: initial.config });
}

/**
 * Feeds the store from the API: pushed events as they come, and a fresh read of everything each
 * time the connection opens (events sent while it was down are lost). Nothing is polled.
 */
export function syncStore(store: AppStore, client: ApiClient): () => void {
  const state = () => store.getState();
  const readAll = () => {
    // app.info answers at once; the instances need the engine and follow its state (setEngine).
    void state().loadInfo().catch(() => undefined);
    void state().loadConfig();
    void state().loadInstances();
    void state().loadOperations().catch(() => undefined);
  };
  const stopEvents = client.onEvent(({ event, payload }) => {
    switch (event) {
      case 'instances.changed':
        return state().instanceChanged(payload as never);
      case 'engine.changed':
        return state().setEngine(payload as never);
      case 'operation.progress':
        return state().operationProgress(payload as never);
      case 'operation.done':
        return state().operationDone(payload as never);
      case 'config.changed':
        return state().configChanged((payload as { hash: string | null }).hash);
      case 'logs.line':
      case 'logs.ended':
      case 'stats.sample':
      case 'stats.ended':
        // Subscriptions belong to the view that opened them (LogViewer, useStatsSamples).
        return;
    }
  });
  const stopStatus = client.onStatus((status) => {
    state().setConnection(status);
    if (status === 'open') readAll();
  });
  if (client.status() === 'open') readAll();
  return () => {
    stopEvents();
    stopStatus();
  };
}
