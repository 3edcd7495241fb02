import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ApiClient } from '../api/client.ts';
import type { AppState, AppStore } from './types.ts';

const StoreContext = createContext<{ store: AppStore; client: ApiClient } | null>(null);

export function StoreProvider({ store, client, children }: { store: AppStore; client: ApiClient; children: ReactNode }) {
  return <StoreContext.Provider value={{ store, client }}>{children}</StoreContext.Provider>;
}

function useContextOrThrow() {
  const context = useContext(StoreContext);
  if (!context) throw new Error('the app store is missing: render inside <StoreProvider>');
  return context;
}

/** A slice of the app's state; the component re-renders only when the selected value changes. */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useContextOrThrow().store, selector);
}

/** For views that open their own subscriptions (logs) or take samples (stats). */
export function useClient(): ApiClient {
  return useContextOrThrow().client;
}
