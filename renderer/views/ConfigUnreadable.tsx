import { EmptyState } from '../components/EmptyState.tsx';
import { displayPath } from '../lib/format.ts';
import { useApp } from '../store/react.tsx';

/** The file is not TOML at all, so there is nothing a form could show: say where to fix it. */
export function ConfigUnreadable() {
  const config = useApp((state) => state.config);
  const home = useApp((state) => state.info?.home);
  if (!config) return null;
  return (
    <EmptyState title="The config file cannot be read" tone="danger">
      <p>
        <code>{displayPath(config.file, home)}</code> is not valid TOML, so the form cannot show it. Fix it in a text editor; this page reloads when you save it.
      </p>
      <ul className="issue-list">
        {config.errors.map((issue, index) => (
          <li key={index}>
            {issue.line !== null && (
              <span className="mono issue-where">
                line {issue.line}
                {issue.column ? `:${issue.column}` : ''}
              </span>
            )}
            <span>{issue.message}</span>
          </li>
        ))}
      </ul>
    </EmptyState>
  );
}
