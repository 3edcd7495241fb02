import type { StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../api/client.ts';
import type { ConfigSlice } from './slices/config.ts';
import type { ConnectionSlice } from './slices/connection.ts';
import type { ImagesSlice } from './slices/images.ts';
import type { InstancesSlice } from './slices/instances.ts';
import type { OperationsSlice } from './slices/operations.ts';
import type { SettingsSlice } from './slices/settings.ts';

export type AppState = ConnectionSlice & ConfigSlice & InstancesSlice & ImagesSlice & OperationsSlice & SettingsSlice;

export type AppStore = StoreApi<AppState>;

/** Each slice gets the store's set/get and the API client, and returns its part of the state. */
export type SliceCreator<T> = (set: AppStore['setState'], get: () => AppState, client: ApiClient) => T;
