import { useEffect } from 'react';
import { DoctorChecks } from '../components/DoctorChecks.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useApp } from '../store/react.tsx';

/** Step 1: the doctor's checks of the Docker engine; warnings let the user go on, failures do not. */
export function EngineStep({ onNext }: { onNext: () => void }) {
  const doctor = useApp((state) => state.doctor);
  const runDoctor = useApp((state) => state.runDoctor);
  const connection = useApp((state) => state.connection);

  useEffect(() => {
    if (connection === 'open') void runDoctor();
  }, [connection, runDoctor]);

  const report = doctor.report;
  const failed = report?.checks.filter((check) => check.status === 'fail') ?? [];
  const warned = report?.checks.filter((check) => check.status === 'warn') ?? [];
  const canContinue = report !== null && failed.length === 0 && !doctor.running;
  return (
    <div className="wizard-step-body">
      <p>Paddock runs each agent in containers on your Docker engine. First, a check that the engine is there and can run the sandbox.</p>
      <p className="wizard-status" role="status" aria-live="polite">
        {doctor.running ? (
          <>
            <span className="spinner" aria-hidden="true" />
            Checking the engine…
          </>
        ) : !report ? (
          ''
        ) : failed.length > 0 ? (
          <span className="text-danger">
            {failed.length === 1 ? 'A check failed' : `${failed.length} checks failed`}: fix {failed.length === 1 ? 'it' : 'them'} with the hints below, then check again.
          </span>
        ) : warned.length > 0 ? (
          `Docker works, with ${warned.length === 1 ? 'a warning' : `${warned.length} warnings`}: you can go on, but read ${warned.length === 1 ? 'it' : 'them'}.`
        ) : (
          <span className="text-ok">Docker is ready.</span>
        )}
      </p>
      {doctor.error && <ErrorNotice error={doctor.error} compact />}
      {report && <DoctorChecks report={report} />}
      <div className="wizard-actions">
        <button type="button" className="button" onClick={() => void runDoctor()} disabled={doctor.running || connection !== 'open'}>
          Retry
        </button>
        <button type="button" className="button button-primary" onClick={onNext} disabled={!canContinue}>
          Next: the project folder
        </button>
      </div>
    </div>
  );
}
