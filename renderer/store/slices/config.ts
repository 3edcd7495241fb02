import type { ApiError, CallOutput, ConfigEdit, ConfigSnapshot } from '../../../core/api/contract.ts';
import { asApiError } from '../../api/errors.ts';
import type { SliceCreator } from '../types.ts';

export type ValidationResult = CallOutput<'config.validate'>;

export interface ConfigSlice {
  /** The config file as last read or saved; its workspaces are the list the app shows. */
  config: ConfigSnapshot | null;
  configError: ApiError | null;
  configLoading: boolean;
  configSaving: boolean;
  /**
   * The file's hash as the last 'config.changed' event gave it (null: the file was removed);
   * undefined until an event arrives. Differs from config.hash when the file changed on disk.
   */
  diskHash: string | null | undefined;
  /** A form holds unsaved changes, so a change on disk is announced instead of loaded over them. */
  editorDirty: boolean;
  setEditorDirty(dirty: boolean): void;
  loadConfig(): Promise<void>;
  /** Saves edits against the text last read; rejects with 'config-invalid' or 'config-conflict' and writes nothing then. */
  saveConfig(edits: ConfigEdit[]): Promise<ConfigSnapshot>;
  validateConfig(edits: ConfigEdit[]): Promise<ValidationResult>;
  addWorkspace(name: string, paths: string[]): Promise<ConfigSnapshot>;
  removeWorkspace(name: string): Promise<ConfigSnapshot>;
  configChanged(hash: string | null): void;
}

/** The file on disk is not the one the app shows (someone edited it, or it was removed). */
export function configStale(state: Pick<ConfigSlice, 'config' | 'diskHash'>): boolean {
  return state.config !== null && state.diskHash !== undefined && state.diskHash !== state.config.hash;
}

export const createConfigSlice: SliceCreator<ConfigSlice> = (set, get, client) => {
  const saved = (config: ConfigSnapshot) => {
    set({ config, configError: null });
    return config;
  };
  const baseHash = () => {
    const config = get().config;
    if (!config) throw new Error('the config has not been read yet');
    return config.hash;
  };
  const saving = async (work: () => Promise<ConfigSnapshot>) => {
    set({ configSaving: true });
    try {
      return saved(await work());
    } finally {
      set({ configSaving: false });
    }
  };
  return {
    config: null,
    configError: null,
    configLoading: false,
    configSaving: false,
    diskHash: undefined,
    editorDirty: false,
    setEditorDirty: (editorDirty) => set({ editorDirty }),
    async loadConfig() {
      set({ configLoading: true });
      try {
        const read = await client.call('config.read', {});
        // The same file as the page came with (or as read before): nothing to draw again.
        const current = get().config;
        if (current && current.hash === read.hash && JSON.stringify(current) === JSON.stringify(read)) set({ configError: null });
        else saved(read);
      } catch (error) {
        set({ configError: asApiError(error) });
      } finally {
        set({ configLoading: false });
      }
    },
    saveConfig: (edits) => saving(() => client.call('config.save', { edits, baseHash: baseHash() })),
    validateConfig: (edits) => client.call('config.validate', { edits }),
    addWorkspace: (name, paths) => saving(() => client.call('workspaces.add', { name, paths, baseHash: baseHash() })),
    removeWorkspace: (name) => saving(() => client.call('workspaces.remove', { name, baseHash: baseHash() })),
    configChanged(hash) {
      set({ diskHash: hash });
      const state = get();
      if (configStale(state) && !state.editorDirty && !state.configSaving && hash !== null) void state.loadConfig();
    },
  };
};
