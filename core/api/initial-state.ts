/**
 * What `paddock serve` puts into the page it serves, so the first view draws the workspace list
 * without waiting for the API socket's handshake and first answers: the same outputs app.info and
 * config.read would give. A JSON data block, never executed, so the CSP (no inline script) holds.
 * Types only from the contract: the renderer reads this, and the contract's values would bring zod.
 */
import type { CallOutput } from './contract.ts';

export const INITIAL_STATE_ELEMENT_ID = 'paddock-initial-state';

export interface InitialState {
  info?: CallOutput<'app.info'>;
  config?: CallOutput<'config.read'>;
}

/**
 * The data block for the page's head. `<` is escaped so that no value (a config comment saying
 * `</script>`, say) can end the element early.
 */
export function initialStateElement(state: InitialState): string {
  const json = JSON.stringify(state).replace(/</g, '\\u003c');
  return `<script type="application/json" id="${INITIAL_STATE_ELEMENT_ID}">${json}</script>`;
}
