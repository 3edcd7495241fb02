import type { ReactNode } from 'react';
import type { ApiError } from '../../core/api/contract.ts';
import { describeError } from '../api/errors.ts';
import { InlineCode } from './InlineCode.tsx';

/** An error in the words of errors.ts: what kind of problem, the engine's explanation, what to do. */
export function ErrorNotice({ error, actions, compact = false }: { error: ApiError; actions?: ReactNode; compact?: boolean }) {
  const { title, message, hint } = describeError(error);
  return (
    <div className={`notice notice-danger${compact ? ' notice-compact' : ''}`} role="alert">
      <div className="notice-body">
        <p className="notice-title">{title}</p>
        {message && message !== title && (
          <p className="notice-message">
            <InlineCode text={message} />
          </p>
        )}
        {hint && (
          <p className="notice-hint">
            <InlineCode text={hint} />
          </p>
        )}
      </div>
      {actions && <div className="notice-actions">{actions}</div>}
    </div>
  );
}
