import type { ReactNode } from 'react';
import type { ApiError } from '../../core/api/contract.ts';
import { describeError } from '../api/errors.ts';
import { InlineCode } from './InlineCode.tsx';

/**
 * An error in the words of errors.ts: what kind of problem, the engine's explanation, what to do;
 * with `onRetry`, a Try again button.
 */
export function ErrorNotice({ error, actions, compact = false, onRetry }: { error: ApiError; actions?: ReactNode; compact?: boolean; onRetry?: () => void }) {
  const { title, message, hint } = describeError(error);
  const retry = onRetry && (
    <button type="button" className={`button${compact ? ' button-small' : ''}`} onClick={onRetry}>
      Try again
    </button>
  );
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
      {(actions || retry) && (
        <div className="notice-actions">
          {actions}
          {retry}
        </div>
      )}
    </div>
  );
}
