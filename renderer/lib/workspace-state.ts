import { useState } from 'react';
import type { ApiError, OperationKind } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import type { DisplayState } from '../components/StateBadge.tsx';
import { navigate } from '../router.ts';
import type { Operation } from '../store/operations.ts';
import { useApp } from '../store/react.tsx';
import { latestOperation } from '../store/slices/operations.ts';

/** The newest operation of a workspace that has not finished yet. */
export function useRunningOperation(workspace: string): Operation | null {
  return useApp((state) => {
    const latest = latestOperation(state.operations, workspace);
    return latest?.status === 'running' ? latest : null;
  });
}

/** What the state badge says: what the app is doing to the workspace first, then what Docker reports. */
export function useDisplayState(workspace: string): DisplayState {
  const running = useRunningOperation(workspace);
  const instance = useApp((state) => state.instances[workspace]);
  const loaded = useApp((state) => state.instancesStatus === 'loaded');
  // Docker's word wins once the workspace runs: an `up` may still be finishing its own checks.
  if (running?.kind === 'up' && instance?.state === 'running') return 'running';
  if (running && (running.kind === 'up' || running.kind === 'restart')) return 'starting-up';
  if (running && running.kind === 'down') return 'stopping';
  if (!loaded) return 'unknown';
  return instance ? instance.state : 'stopped';
}

/** Start, stop, restart and build, each with the error of the last attempt that Paddock refused outright. */
export function useWorkspaceActions(workspace: string, { openProgress = false }: { openProgress?: boolean } = {}) {
  const startOperation = useApp((state) => state.startOperation);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async (kind: OperationKind) => {
    setError(null);
    try {
      const id = await startOperation(kind, workspace);
      if (openProgress) navigate({ view: 'operation', id });
    } catch (failure) {
      setError(asApiError(failure));
    }
  };
  return {
    error,
    dismissError: () => setError(null),
    start: () => run('up'),
    stop: () => run('down'),
    restart: () => run('restart'),
    build: () => run('build'),
  };
}
