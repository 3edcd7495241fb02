import type { DoctorReport } from '../../core/api/contract.ts';
import { InlineCode } from './InlineCode.tsx';

const CHECK_LABELS = { ok: 'OK', warn: 'Warning', fail: 'Failed', skip: 'Skipped' } as const;

/** The doctor's checks, each with what it found and, when something is off, how to fix it. */
export function DoctorChecks({ report }: { report: DoctorReport }) {
  return (
    <ul className="checks" aria-label="Checks">
      {report.checks.map((check) => (
        <li key={check.id} className={`check check-${check.status}`}>
          <span className="check-status">{CHECK_LABELS[check.status]}</span>
          <div>
            <p className="check-title">{check.title}</p>
            <p className="check-detail">{check.detail}</p>
            {check.hint && (
              <p className="check-hint">
                <InlineCode text={check.hint} />
              </p>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
