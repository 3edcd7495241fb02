import { useEffect, useState } from 'react';
import type { WorkspaceSummary } from '../../core/api/contract.ts';
import { describeError } from '../api/errors.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { EngineNotice } from '../components/EngineNotice.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { displayPath, formatBytes, formatRelative } from '../lib/format.ts';
import { useDisplayState, useRunningOperation, useWorkspaceActions } from '../lib/workspace-state.ts';
import { href } from '../router.ts';
import { useApp } from '../store/react.tsx';
import { latestOperation } from '../store/slices/operations.ts';
import { AddWorkspaceForm } from './AddWorkspaceForm.tsx';

/**
 * Reads every listed workspace's image in one call once the engine is there, and again when the
 * config adds a workspace or gives one another image.
 */
function useImageSummaries(workspaces: WorkspaceSummary[]) {
  const engineConnected = useApp((state) => state.engine.state === 'connected');
  const loadImages = useApp((state) => state.loadImages);
  // Strings, so a config read that changed nothing here triggers nothing.
  const names = workspaces.map((workspace) => workspace.name).join('\n');
  const images = workspaces.map((workspace) => workspace.image).join('\n');
  useEffect(() => {
    if (engineConnected && names) void loadImages(names.split('\n'));
  }, [engineConnected, loadImages, names, images]);
}

function LastBuild({ name }: { name: string }) {
  const info = useApp((state) => state.images[name]);
  const engineConnected = useApp((state) => state.engine.state === 'connected');
  const lastBuild = useApp((state) => latestOperation(state.operations, name, ['build', 'up', 'restart']));

  if (lastBuild?.status === 'failed' && lastBuild.error?.code === 'build-failed') {
    return (
      <a className="text-danger" href={href({ view: 'operation', id: lastBuild.id })}>
        Failed {formatRelative(lastBuild.finishedAt ?? lastBuild.startedAt)} — see why
      </a>
    );
  }
  if (lastBuild?.status === 'running' && lastBuild.images.some((entry) => entry.state === 'building' || entry.state === 'pulling')) {
    return <a href={href({ view: 'operation', id: lastBuild.id })}>Building now…</a>;
  }
  if (!engineConnected && !info) return <span className="text-muted">Needs Docker</span>;
  if (!info || info.status === 'loading') return <span className="text-muted">Checking…</span>;
  if (info.status === 'missing') return <span className="text-muted">Not built yet (starting builds it)</span>;
  if (info.status === 'error') return <span className="text-muted">{describeError(info.error).title}</span>;
  return (
    <span>
      {info.createdAt ? `Built ${formatRelative(info.createdAt)}` : 'Built'} · {formatBytes(info.size)} ·{' '}
      <a href={href({ view: 'layers', name })} aria-label={`Layers of ${name}'s image`}>
        layers
      </a>
    </span>
  );
}

function OperationLine({ name }: { name: string }) {
  const running = useRunningOperation(name);
  const latest = useApp((state) => latestOperation(state.operations, name));
  if (running) {
    const building = running.images.find((image) => image.state === 'building' || image.state === 'pulling');
    const what =
      running.kind === 'down'
        ? 'Stopping'
        : building
          ? `Building ${building.kind} image${building.currentStep && building.steps ? `, step ${building.currentStep} of ${building.steps}` : ''}`
          : running.services.some((service) => service.waiting)
            ? 'Waiting for the containers to be ready'
            : running.kind === 'build'
              ? 'Preparing the build'
              : 'Starting';
    return (
      <p className="card-progress" role="status">
        <span className="spinner" aria-hidden="true" />
        {what}… <a href={href({ view: 'operation', id: running.id })}>View progress</a>
      </p>
    );
  }
  if (latest?.status === 'failed' && latest.error) {
    const { title } = describeError(latest.error);
    return (
      <p className="card-progress text-danger" role="alert">
        {title}. <a href={href({ view: 'operation', id: latest.id })}>See what happened</a>
      </p>
    );
  }
  return null;
}

function WorkspaceCard({ workspace, home }: { workspace: WorkspaceSummary; home: string | undefined }) {
  const { name } = workspace;
  const state = useDisplayState(name);
  const running = useRunningOperation(name);
  const engineConnected = useApp((s) => s.engine.state === 'connected');
  const actions = useWorkspaceActions(name);
  const headingId = `workspace-${name}-title`;
  const hasContainers = state === 'running' || state === 'starting' || state === 'unhealthy' || state === 'partial';
  const busy = running !== null && running.kind !== 'build';
  return (
    <article className="card workspace-card" aria-labelledby={headingId} data-workspace={name}>
      <div className="card-head">
        <h2 className="card-title" id={headingId}>
          <a href={href({ view: 'instance', name })}>{name}</a>
        </h2>
        <StateBadge state={state} />
      </div>
      <dl className="facts">
        <div className="fact">
          <dt>Folder</dt>
          <dd className="mono" title={workspace.workdir ?? undefined}>
            {workspace.workdir ? displayPath(workspace.workdir, home) : <span className="text-muted">No folder yet</span>}
          </dd>
        </div>
        <div className="fact">
          <dt>Agent</dt>
          <dd>{workspace.agent}</dd>
        </div>
        <div className="fact">
          <dt>Image</dt>
          <dd title={workspace.image}>{workspace.image}</dd>
        </div>
        <div className="fact">
          <dt>Last build</dt>
          <dd>
            <LastBuild name={name} />
          </dd>
        </div>
      </dl>
      <OperationLine name={name} />
      {actions.error && <ErrorNotice error={actions.error} compact />}
      <div className="card-actions">
        {hasContainers ? (
          <button type="button" className="button" onClick={actions.stop} disabled={busy || !engineConnected} aria-label={`Stop ${name}`}>
            Stop
          </button>
        ) : (
          <button type="button" className="button button-primary" onClick={actions.start} disabled={busy || !engineConnected} aria-label={`Start ${name}`}>
            Start
          </button>
        )}
        <a className="button button-quiet" href={href({ view: 'instance', name })} aria-label={`Open ${name}`}>
          Open
        </a>
        <a className="button button-quiet" href={href({ view: 'workspace', name })} aria-label={`Settings of ${name}`}>
          Settings
        </a>
        <a className="button button-quiet" href={href({ view: 'dockerfile', name })} aria-label={`Customize the image of ${name}`}>
          Customize image
        </a>
      </div>
    </article>
  );
}

function ConfigProblems() {
  const config = useApp((state) => state.config);
  const home = useApp((state) => state.info?.home);
  if (!config || config.ok) return null;
  return (
    <EmptyState title="The config file has problems" tone="danger">
      <p>
        Paddock cannot use <code>{displayPath(config.file, home)}</code> until these are fixed. This page updates as soon as you save the file.
      </p>
      <ul className="issue-list">
        {config.errors.map((issue, index) => (
          <li key={index}>
            <span className="mono issue-where">
              line {issue.line ?? '?'}
              {issue.column ? `:${issue.column}` : ''}
              {issue.keyPath ? ` · ${issue.keyPath}` : ''}
            </span>
            <span>{issue.message}</span>
          </li>
        ))}
      </ul>
    </EmptyState>
  );
}

const NO_WORKSPACES: WorkspaceSummary[] = [];

export function WorkspacesView() {
  const config = useApp((state) => state.config);
  const configError = useApp((state) => state.configError);
  const connection = useApp((state) => state.connection);
  const loadConfig = useApp((state) => state.loadConfig);
  const home = useApp((state) => state.info?.home);
  const [adding, setAdding] = useState(false);
  useImageSummaries(config?.ok ? config.workspaces : NO_WORKSPACES);

  let body;
  if (!config && configError) {
    body = (
      <ErrorNotice
        error={configError}
        onRetry={() => void loadConfig()}
      />
    );
  } else if (!config) {
    body = (
      <div className="placeholder-list" role="status" aria-live="polite">
        <p className="text-muted">{connection === 'open' ? 'Reading the config…' : 'Connecting to Paddock…'}</p>
        <div className="card card-placeholder" aria-hidden="true" />
        <div className="card card-placeholder" aria-hidden="true" />
      </div>
    );
  } else if (!config.ok) {
    body = <ConfigProblems />;
  } else if (config.workspaces.length === 0) {
    body = (
      <EmptyState title="No workspaces yet">
        <p>A workspace is a project folder that an AI agent works on inside a sandboxed container.</p>
        <div className="empty-state-lead">
          <a className="button button-primary" href={href({ view: 'onboarding' })}>
            Set up your first workspace
          </a>
          <span className="text-muted">Checks Docker, detects your project’s stack, proposes and builds its image, and starts the agent.</span>
        </div>
        <p className="text-muted">Or give a name and a folder now, and set up the rest later:</p>
        <AddWorkspaceForm />
        <details className="disclosure">
          <summary>Prefer the config file?</summary>
          <p>
            Add a block like this to <code>{displayPath(config.file, home)}</code>; the app picks it up as soon as you save:
          </p>
          <pre className="code-block">{'[workspaces.my-project]\npaths = ["~/projects/my-project"]\n'}</pre>
        </details>
      </EmptyState>
    );
  } else {
    body = (
      <div className="card-grid">
        {config.workspaces.map((workspace) => (
          <WorkspaceCard key={workspace.name} workspace={workspace} home={home} />
        ))}
      </div>
    );
  }

  const canAdd = config?.ok && config.workspaces.length > 0;
  return (
    <div className="view">
      <header className="view-header">
        <div>
          <h1>Workspaces</h1>
          {config && (
            <p className="view-subtitle">
              From <code>{displayPath(config.file, home)}</code>
            </p>
          )}
        </div>
        {canAdd && (
          <div className="view-actions">
            {!adding && (
              <button type="button" className="button button-quiet" onClick={() => setAdding(true)}>
                Quick add
              </button>
            )}
            <a className="button button-primary" href={href({ view: 'onboarding' })}>
              New workspace
            </a>
          </div>
        )}
      </header>
      <EngineNotice />
      {adding && canAdd && (
        <section className="panel" aria-labelledby="add-workspace-title">
          <h2 id="add-workspace-title" className="panel-title">
            Add a workspace
          </h2>
          <AddWorkspaceForm onDone={() => setAdding(false)} autoFocus />
        </section>
      )}
      {config?.ok && config.warnings.length > 0 && (
        <div className="notice notice-warn" role="status">
          <div className="notice-body">
            <p className="notice-title">The config has {config.warnings.length === 1 ? 'a warning' : `${config.warnings.length} warnings`}</p>
            <ul className="issue-list">
              {config.warnings.map((issue, index) => (
                <li key={index}>
                  {issue.keyPath && <span className="mono issue-where">{issue.keyPath}</span>}
                  <span>{issue.message}</span>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {body}
    </div>
  );
}
