import { useState } from 'react';

/** The page's localStorage, or null where it is refused (a sandboxed or opaque-origin page may refuse it outright). */
export function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** An on/off choice the user made once and expects kept (a folded explanation), stored per key. */
export function useStoredFlag(key: string, initial: boolean): [boolean, (value: boolean) => void] {
  const [value, setValue] = useState(() => {
    const stored = storage()?.getItem(key);
    return stored === null || stored === undefined ? initial : stored === 'true';
  });
  const set = (next: boolean) => {
    setValue(next);
    storage()?.setItem(key, String(next));
  };
  return [value, set];
}
