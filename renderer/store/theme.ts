import { storage } from '../lib/storage.ts';

export type ThemePreference = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'paddock.theme';

export function readThemePreference(): ThemePreference {
  const stored = storage()?.getItem(STORAGE_KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

export function storeThemePreference(theme: ThemePreference): void {
  const store = storage();
  if (!store) return;
  if (theme === 'system') store.removeItem(STORAGE_KEY);
  else store.setItem(STORAGE_KEY, theme);
}

/** 'system' leaves the choice to prefers-color-scheme (theme.css); the others pin it. */
export function applyTheme(theme: ThemePreference, root: HTMLElement = document.documentElement): void {
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}
