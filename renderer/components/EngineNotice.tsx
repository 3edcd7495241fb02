import { useState } from 'react';
import { useApp } from '../store/react.tsx';
import { InlineCode } from './InlineCode.tsx';

/** Shown where Docker is needed and not reachable: the doctor's explanation and hint, and a retry. */
export function EngineNotice() {
  const engine = useApp((state) => state.engine);
  const checkEngine = useApp((state) => state.checkEngine);
  const [checking, setChecking] = useState(false);
  if (engine.state !== 'unavailable') return null;
  const retry = async () => {
    setChecking(true);
    try {
      await checkEngine();
    } finally {
      setChecking(false);
    }
  };
  return (
    <div className="notice notice-danger" role="alert">
      <div className="notice-body">
        <p className="notice-title">Docker is not reachable</p>
        {engine.message && (
          <p className="notice-message">
            <InlineCode text={engine.message} />
          </p>
        )}
        <p className="notice-hint">
          <InlineCode text={engine.hint ?? 'Start Docker (Docker Desktop, OrbStack, Colima or the docker service), then retry.'} />
        </p>
      </div>
      <div className="notice-actions">
        <button type="button" className="button" onClick={retry} disabled={checking}>
          {checking ? 'Checking…' : 'Retry'}
        </button>
      </div>
    </div>
  );
}
