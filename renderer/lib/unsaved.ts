import { useEffect } from 'react';

/** What each view with edits not saved yet holds, for the question asked before leaving it. */
const holders = new Map<symbol, string>();

/** Until the returned release is called, leaving the view asks first. */
export function holdUnsavedChanges(what: string): () => void {
  const key = Symbol(what);
  holders.set(key, what);
  return () => {
    holders.delete(key);
  };
}

/** While `unsaved`, leaving the view (another view, a reload, closing the window) asks first. */
export function useUnsavedChanges(what: string, unsaved: boolean): void {
  useEffect(() => (unsaved ? holdUnsavedChanges(what) : undefined), [what, unsaved]);
}

export function leaveQuestion(what: string[]): string {
  return `You have unsaved changes to ${what.join(' and ')}. Leave and discard them?`;
}

/** The parts of a window the guard uses, so a test can hand it a fake one. */
export interface GuardedWindow {
  location: { hash: string };
  history: { state: unknown; replaceState(state: unknown, unused: string, url: string): void };
  confirm(message: string): boolean;
  addEventListener(type: 'hashchange' | 'beforeunload', listener: (event: Event) => void): void;
}

/**
 * Installs the guard. It must run before anything else listens for hash changes (the router does):
 * a refused change puts the old hash back before the router reads it, so the view with the edits
 * never unmounts. Views change by the hash alone (links, the tray, back and forward), so this one
 * place covers them all; a reload or a closed window gets the browser's own question (Electron's
 * main process asks it as a dialog).
 */
export function guardUnsavedChanges(win: GuardedWindow): void {
  let shown = win.location.hash;
  win.addEventListener('hashchange', () => {
    const next = win.location.hash;
    if (next === shown) return;
    if (holders.size > 0 && !win.confirm(leaveQuestion([...holders.values()]))) {
      win.history.replaceState(win.history.state, '', shown || '#/');
      return;
    }
    shown = next;
  });
  win.addEventListener('beforeunload', (event) => {
    if (holders.size === 0) return;
    // Enough for Chromium since 119, and so for every Electron Paddock supports.
    event.preventDefault();
  });
}
