import { useId, type ReactNode } from 'react';

export interface FieldIssue {
  severity: 'error' | 'warning';
  message: string;
}

/**
 * A labelled control with its help text and its problems, wired with aria-describedby and
 * aria-invalid so a screen reader reads the error with the field. `children` gets the IDs.
 */
export function Field({
  label,
  help,
  issues = [],
  children,
  trailing,
  as = 'div',
}: {
  label: ReactNode;
  help?: ReactNode;
  issues?: readonly FieldIssue[];
  children: (ids: { input: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
  trailing?: ReactNode;
  /** A fieldset for groups of controls (lists, radio groups), whose legend is the label. */
  as?: 'div' | 'fieldset';
}) {
  const id = useId();
  const input = `${id}-input`;
  const helpId = `${id}-help`;
  const issuesId = `${id}-issues`;
  const errors = issues.filter((issue) => issue.severity === 'error');
  const describedBy = [issues.length ? issuesId : null, help ? helpId : null].filter(Boolean).join(' ') || undefined;
  const body = (
    <>
      {children({ input, describedBy, invalid: errors.length > 0 })}
      {issues.length > 0 && (
        <ul className="field-issues" id={issuesId}>
          {issues.map((issue, index) => (
            <li key={index} className={`field-issue field-issue-${issue.severity}`}>
              <span className="visually-hidden">{issue.severity === 'error' ? 'Error: ' : 'Warning: '}</span>
              {issue.message}
            </li>
          ))}
        </ul>
      )}
      {help && (
        <div className="field-help" id={helpId}>
          {help}
        </div>
      )}
    </>
  );
  if (as === 'fieldset') {
    return (
      <fieldset className={`field${errors.length ? ' field-invalid' : ''}`} aria-describedby={describedBy}>
        <div className="field-label-row">
          <legend className="field-label">{label}</legend>
          {trailing}
        </div>
        {body}
      </fieldset>
    );
  }
  return (
    <div className={`field${errors.length ? ' field-invalid' : ''}`}>
      <div className="field-label-row">
        <label className="field-label" htmlFor={input}>
          {label}
        </label>
        {trailing}
      </div>
      {body}
    </div>
  );
}
