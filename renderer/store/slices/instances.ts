import type { ApiError, EventPayload, Instance } from '../../../core/api/contract.ts';
import { asApiError } from '../../api/errors.ts';
import type { SliceCreator } from '../types.ts';

export interface InstancesSlice {
  /** Workspaces that have containers, by name; a workspace missing here is stopped. */
  instances: Record<string, Instance>;
  /** 'idle' until the first list: states are unknown then, not "stopped". */
  instancesStatus: 'idle' | 'loading' | 'loaded' | 'error';
  instancesError: ApiError | null;
  loadInstances(): Promise<void>;
  instanceChanged(change: EventPayload<'instances.changed'>): void;
}

export const createInstancesSlice: SliceCreator<InstancesSlice> = (set, get, client) => ({
  instances: {},
  instancesStatus: 'idle',
  instancesError: null,
  async loadInstances() {
    set({ instancesStatus: get().instancesStatus === 'loaded' ? 'loaded' : 'loading' });
    try {
      const list = await client.call('instances.list', {});
      set({ instances: Object.fromEntries(list.map((instance) => [instance.workspace, instance])), instancesStatus: 'loaded', instancesError: null });
    } catch (error) {
      set({ instancesStatus: 'error', instancesError: asApiError(error) });
    }
  },
  instanceChanged({ workspace, instance }) {
    const instances = { ...get().instances };
    if (instance) instances[workspace] = instance;
    else delete instances[workspace];
    set({ instances });
  },
});
