import { useEffect, useState } from 'react';
import type { ApiError, CallOutput } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useClient } from '../store/react.tsx';

export type Detection = CallOutput<'onboarding.detect'>;
type Evidence = { file: string; detail?: string | undefined };

const LANGUAGES: Record<Detection['stack']['languages'][number]['language'], string> = { node: 'Node.js', python: 'Python', go: 'Go', rust: 'Rust', ruby: 'Ruby', java: 'Java' };

function evidenceText(evidence: Evidence): string {
  return evidence.detail ? `${evidence.file} (${evidence.detail})` : evidence.file;
}

/** Step 3: what the project is written in, what system packages its dependencies need, and why. */
export function DetectStep({ folder, detection, onDetected, onBack, onNext }: { folder: string; detection: Detection | null; onDetected: (detection: Detection) => void; onBack: () => void; onNext: () => void }) {
  const client = useClient();
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (detection?.stack.dir === folder) return;
    let current = true;
    setError(null);
    client.call('onboarding.detect', { dir: folder }).then(
      (result) => current && onDetected(result),
      (failure: unknown) => current && setError(asApiError(failure)),
    );
    return () => {
      current = false;
    };
  }, [client, folder, attempt, detection, onDetected]);

  const stack = detection?.stack.dir === folder ? detection.stack : null;
  return (
    <div className="wizard-step-body">
      <p>Paddock reads the project’s manifests (package.json, pyproject.toml, go.mod, …) to propose what its image needs. Nothing runs; only known files are read.</p>
      {error && (
        <ErrorNotice
          error={error}
          onRetry={() => setAttempt((n) => n + 1)}
        />
      )}
      {!stack && !error && (
        <p className="text-muted" role="status">
          <span className="spinner" aria-hidden="true" />
          Looking at the project…
        </p>
      )}
      <p className="sr-announce" role="status">
        {stack ? `Found ${stack.languages.length} ${stack.languages.length === 1 ? 'language' : 'languages'} and ${stack.systemPackages.length} system ${stack.systemPackages.length === 1 ? 'package' : 'packages'}.` : ''}
      </p>
      {stack && (
        <div className="detect-results">
          <section aria-labelledby="languages-title">
            <h3 id="languages-title" className="detect-title">
              Languages
            </h3>
            {stack.languages.length === 0 ? (
              <p className="text-muted">None recognised. The next step starts from an empty overlay: add what the project needs.</p>
            ) : (
              <ul className="detect-list">
                {stack.languages.map((language) => (
                  <li key={language.language} className="detect-item">
                    <p className="detect-item-title">
                      {LANGUAGES[language.language]}
                      {language.version ? ` ${language.version.value}` : ''}
                      {language.tool ? <span className="tag">{language.tool.name + (language.tool.version ? ` ${language.tool.version}` : '')}</span> : null}
                    </p>
                    <p className="text-muted detect-evidence">
                      Found in {language.evidence.map(evidenceText).join(', ')}
                      {language.version ? `; version from ${evidenceText(language.version.evidence)}` : '; no version pinned'}
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="packages-title">
            <h3 id="packages-title" className="detect-title">
              System packages
            </h3>
            {stack.systemPackages.length === 0 ? (
              <p className="text-muted">None needed by the dependencies Paddock knows.</p>
            ) : (
              <ul className="detect-list">
                {stack.systemPackages.map((pkg) => (
                  <li key={pkg.name} className="detect-item">
                    <p className="detect-item-title mono">{pkg.name}</p>
                    <p className="text-muted detect-evidence">
                      {pkg.reasons.join('; ')} ({pkg.evidence.map(evidenceText).join(', ')})
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {stack.notes.length > 0 && (
            <section aria-labelledby="notes-title">
              <h3 id="notes-title" className="detect-title">
                Notes
              </h3>
              <ul className="detect-notes">
                {stack.notes.map((note, index) => (
                  <li key={index}>{note}</li>
                ))}
              </ul>
            </section>
          )}
        </div>
      )}
      <div className="wizard-actions">
        <button type="button" className="button button-quiet" onClick={onBack}>
          Back
        </button>
        <button type="button" className="button button-primary" onClick={onNext} disabled={!stack && !error}>
          Next: the image
        </button>
      </div>
    </div>
  );
}
