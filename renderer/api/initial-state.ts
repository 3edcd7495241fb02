import { INITIAL_STATE_ELEMENT_ID, type InitialState } from '../../core/api/initial-state.ts';

/** What the server put into the page for the first view (nothing in Electron, or when unreadable). */
export function readInitialState(doc: { getElementById(id: string): { textContent: string | null } | null }): InitialState {
  const text = doc.getElementById(INITIAL_STATE_ELEMENT_ID)?.textContent;
  if (!text) return {};
  try {
    return JSON.parse(text) as InitialState;
  } catch {
    return {};
  }
}
