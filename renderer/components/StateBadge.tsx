import type { WorkspaceState } from '../../core/api/contract.ts';

/** A workspace's state as the list and the instance view show it, including what the app itself is doing. */
export type DisplayState = WorkspaceState | 'unknown' | 'starting-up' | 'stopping';

const LABELS: Record<DisplayState, string> = {
  running: 'Running',
  starting: 'Starting',
  unhealthy: 'Unhealthy',
  stopped: 'Stopped',
  partial: 'Partly running',
  unknown: 'Checking…',
  'starting-up': 'Starting…',
  stopping: 'Stopping…',
};

const TONES: Record<DisplayState, string> = {
  running: 'ok',
  starting: 'info',
  unhealthy: 'danger',
  stopped: 'neutral',
  partial: 'warn',
  unknown: 'neutral',
  'starting-up': 'info',
  stopping: 'info',
};

const BUSY = new Set<DisplayState>(['starting', 'unknown', 'starting-up', 'stopping']);

export function StateBadge({ state }: { state: DisplayState }) {
  return (
    <span className={`badge badge-${TONES[state]}`} data-state={state}>
      <span className={`badge-dot${BUSY.has(state) ? ' badge-dot-busy' : ''}`} aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
