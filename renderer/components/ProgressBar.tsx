/** A determinate bar when the total is known, an indeterminate one while it is not. */
export function ProgressBar({ value, max, label, tone = 'accent' }: { value: number | null; max: number | null; label: string; tone?: 'accent' | 'ok' | 'danger' }) {
  const known = value !== null && max !== null && max > 0;
  const percent = known ? Math.min(100, Math.round((value / max) * 100)) : null;
  return (
    <div
      className={`progress progress-${tone}${known ? '' : ' progress-indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={known ? max : undefined}
      aria-valuenow={known ? value : undefined}
      aria-valuetext={percent === null ? 'in progress' : `${percent}%`}
    >
      <div className="progress-fill" style={percent === null ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
