import { useMemo, useState } from 'react';
import { asApiError } from '../api/errors.ts';
import type { ApiError } from '../../core/api/contract.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { ConfigForm, type FormSection } from '../config/ConfigForm.tsx';
import type { Inherited } from '../config/controls.tsx';
import { workspaceGroups, type FieldSpec } from '../config/fields.ts';
import { valueAt } from '../config/form-model.ts';
import { displayPath } from '../lib/format.ts';
import { useDisplayState } from '../lib/workspace-state.ts';
import { href, navigate } from '../router.ts';
import { useApp } from '../store/react.tsx';
import { ConfigUnreadable } from './ConfigUnreadable.tsx';

function RemoveWorkspace({ name }: { name: string }) {
  const removeWorkspace = useApp((state) => state.removeWorkspace);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const remove = async () => {
    setError(null);
    try {
      await removeWorkspace(name);
      navigate({ view: 'workspaces' });
    } catch (failure) {
      setError(asApiError(failure));
    }
  };
  return (
    <section className="form-section danger-zone" aria-labelledby="remove-title">
      <div className="form-section-head">
        <h2 id="remove-title">Remove this workspace</h2>
        <p className="text-muted">Takes its block out of the config file. The project folder and the workspace's containers are not touched; stop it first if it runs.</p>
      </div>
      <div className="form-section-fields">
        {error && <ErrorNotice error={error} compact />}
        {confirming ? (
          <div className="confirm-row" role="group" aria-label="Confirm removal">
            <span>Remove {name} from the config?</span>
            <button type="button" className="button button-danger" onClick={() => void remove()}>
              Remove
            </button>
            <button type="button" className="button button-quiet" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <div>
            <button type="button" className="button button-danger-quiet" onClick={() => setConfirming(true)}>
              Remove workspace…
            </button>
          </div>
        )}
      </div>
    </section>
  );
}

export function WorkspaceView({ name }: { name: string }) {
  const config = useApp((state) => state.config);
  const configError = useApp((state) => state.configError);
  const home = useApp((state) => state.info?.home);
  const state = useDisplayState(name);
  const summary = config?.workspaces.find((workspace) => workspace.name === name);
  const data = config?.data ?? null;
  const exists = valueAt(data, ['workspaces', name]) !== undefined;

  const sections = useMemo<FormSection[]>(() => workspaceGroups({ forDefaults: false }).map((group) => ({ group, table: ['workspaces', name] })), [name]);
  const derivedPort = summary?.port ?? null;
  const inheritedFor = useMemo(
    () =>
      (field: FieldSpec): Inherited => {
        if (field.key === 'port') return { value: null, from: null, text: derivedPort !== null ? `${derivedPort} (derived from the name)` : 'one derived from the name' };
        const fromDefaults = valueAt(data, ['defaults', field.key]);
        if (fromDefaults !== undefined) return { value: fromDefaults, from: '[defaults]' };
        return { value: field.builtin, from: field.builtin === null ? null : 'built-in' };
      },
    [data, derivedPort],
  );

  let body;
  if (!config) body = configError ? <ErrorNotice error={configError} /> : <p className="text-muted" role="status">Reading the config…</p>;
  else if (!data) body = <ConfigUnreadable />;
  else if (!exists) {
    body = (
      <EmptyState title={`There is no workspace named “${name}”`} actions={<a className="button" href={href({ view: 'workspaces' })}>Back to workspaces</a>}>
        <p>It is not in {displayPath(config.file, home)}. It may have been renamed or removed.</p>
      </EmptyState>
    );
  } else {
    body = (
      <ConfigForm sections={sections} inheritedFor={inheritedFor} what={`${name}’s settings`}>
        <RemoveWorkspace name={name} />
      </ConfigForm>
    );
  }

  return (
    <div className="view view-form">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={href({ view: 'workspaces' })}>Workspaces</a>
        <span aria-hidden="true">/</span>
        <a href={href({ view: 'instance', name })}>{name}</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Settings</span>
      </nav>
      <header className="view-header">
        <div>
          <h1>
            {name} <span className="heading-quiet">settings</span>
          </h1>
          {config && (
            <p className="view-subtitle">
              The <code>[workspaces.{name}]</code> block of <code>{displayPath(config.file, home)}</code>. Anything left empty comes from Defaults.
            </p>
          )}
        </div>
        {exists && (
          <div className="view-actions">
            <StateBadge state={state} />
            <a className="button button-quiet" href={href({ view: 'dockerfile', name })}>
              Customize image
            </a>
            <a className="button button-quiet" href={href({ view: 'layers', name })}>
              Layers
            </a>
          </div>
        )}
      </header>
      {body}
    </div>
  );
}
