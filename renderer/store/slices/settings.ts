import { readThemePreference, storeThemePreference, type ThemePreference } from '../theme.ts';
import type { SliceCreator } from '../types.ts';

export interface SettingsSlice {
  theme: ThemePreference;
  setTheme(theme: ThemePreference): void;
}

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set) => ({
  theme: readThemePreference(),
  setTheme(theme) {
    storeThemePreference(theme);
    set({ theme });
  },
});
