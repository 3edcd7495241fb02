import { useEffect, useId, useState } from 'react';
import type { ApiError, ImageLayers } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { EngineNotice } from '../components/EngineNotice.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { formatBytes, formatRelative } from '../lib/format.ts';
import { useRunningOperation, useWorkspaceActions } from '../lib/workspace-state.ts';
import { lastBuildOf, layerBuildStatus, type LayerBuildStatus } from '../layers/build-status.ts';
import { LayerFiles } from '../layers/LayerFiles.tsx';
import { barPercent, SCALE_NOTE, sharePercent } from '../layers/scale.ts';
import { href } from '../router.ts';
import { useApp, useClient } from '../store/react.tsx';
import { latestOperation } from '../store/slices/operations.ts';

type Layer = ImageLayers['layers'][number];
type Part = Layer['part'];

const PARTS: Record<Part, { title: string; text: string }> = {
  upstream: { title: 'Upstream image', text: 'The image Paddock’s base is built from, as the engine has it.' },
  embedded: { title: 'Paddock’s base', text: 'Paddock’s embedded Dockerfile: the agent user, the tools, and in the full variant Node.js and the agent CLIs.' },
  preset: { title: 'Your base', text: 'Built from the Dockerfile in [base] dockerfile.' },
  overlay: { title: 'This workspace’s overlay', text: 'Built from the workspace’s own Dockerfile.' },
};

const STATUS_TEXT: Record<Exclude<LayerBuildStatus, 'unknown'>, string> = { rebuilt: 'rebuilt', cached: 'from cache', existing: 'already built' };

/** Consecutive layers of one part, as the stack shows them: the part's header, then its layers. */
function groupsOf(layers: ImageLayers): Array<{ part: Part; layers: Layer[]; size: number }> {
  const groups: Array<{ part: Part; layers: Layer[]; size: number }> = [];
  for (const layer of layers.layers) {
    const last = groups.at(-1);
    if (last?.part === layer.part) {
      last.layers.push(layer);
      last.size += layer.size;
    } else groups.push({ part: layer.part, layers: [layer], size: layer.size });
  }
  return groups;
}

function LayerRow({ name, layer, largest, status, image }: { name: string; layer: Layer; largest: number; status: LayerBuildStatus | null; image: string }) {
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const linked = layer.part === 'overlay' && layer.source !== null && layer.line !== null;
  return (
    <li className={`layer layer-${layer.part}`} data-index={layer.index} data-line={layer.line ?? undefined}>
      <div className="layer-row">
        <button type="button" className="layer-toggle" aria-expanded={open} aria-controls={detailsId} onClick={() => setOpen(!open)} title={layer.instruction}>
          <span className="layer-bar-track" aria-hidden="true">
            <span className="layer-bar" style={{ width: `${barPercent(layer.size, largest)}%` }} />
          </span>
          <span className="layer-instruction mono">{layer.instruction}</span>
          <span className="layer-size">{formatBytes(layer.size)}</span>
        </button>
        <span className="layer-meta">
          {status && status !== 'unknown' && <span className={`tag layer-status layer-status-${status}`}>{STATUS_TEXT[status]}</span>}
          {linked && (
            <a className="layer-line" href={href({ view: 'dockerfile', name, line: layer.line ?? undefined })} aria-label={`Open the Dockerfile at line ${layer.line}`}>
              line {layer.line}
            </a>
          )}
        </span>
      </div>
      {open && (
        <div className="layer-details" id={detailsId}>
          <pre className="layer-command">{layer.instruction}</pre>
          <p className="text-muted layer-facts">
            Layer {layer.index + 1} · {formatBytes(layer.size)} · made {formatRelative(layer.created)}
            {layer.source && layer.line !== null ? ` · ${layer.source}, line ${layer.line}` : ''}
          </p>
          <LayerFiles image={image} index={layer.index} />
        </div>
      )}
    </li>
  );
}

export function LayersView({ name }: { name: string }) {
  const client = useClient();
  const config = useApp((state) => state.config);
  const exists = config?.workspaces.some((workspace) => workspace.name === name) ?? false;
  const engineConnected = useApp((state) => state.engine.state === 'connected');
  const operations = useApp((state) => state.operations);
  const running = useRunningOperation(name);
  const actions = useWorkspaceActions(name, { openProgress: true });
  const latest = latestOperation(operations, name, ['build', 'up', 'restart']);
  const [layers, setLayers] = useState<ImageLayers | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  // Read again whenever a build or a start of this workspace has finished: the image may be new.
  const builtBy = latest?.status === 'succeeded' ? latest.id : null;
  useEffect(() => {
    if (!engineConnected || !exists) return;
    let current = true;
    setError(null);
    client.call('images.layers', { workspace: name }).then(
      (read) => current && setLayers(read),
      (failure: unknown) => {
        if (!current) return;
        setLayers(null);
        setError(asApiError(failure));
      },
    );
    return () => {
      current = false;
    };
  }, [client, engineConnected, exists, name, builtBy, attempt]);

  const lastBuild = layers ? lastBuildOf(operations, name, layers.image) : null;
  const statuses = layers ? layerBuildStatus(layers.layers, lastBuild) : [];
  const largest = layers ? Math.max(0, ...layers.layers.map((layer) => layer.size)) : 0;
  const hasOverlay = layers?.parts.some((part) => part.part === 'overlay') ?? false;

  let body;
  if (!config) body = <p className="text-muted" role="status">Reading the config…</p>;
  else if (!exists) {
    body = (
      <EmptyState title={`There is no workspace named “${name}”`} actions={<a className="button" href={href({ view: 'workspaces' })}>Back to workspaces</a>}>
        <p>It may have been renamed or removed from the config.</p>
      </EmptyState>
    );
  } else if (!engineConnected) body = <p className="text-muted">The layers are read from Docker, once it is reachable.</p>;
  else if (error?.code === 'image-not-found') {
    body = (
      <EmptyState
        title="Not built yet"
        actions={
          <button type="button" className="button button-primary" onClick={actions.build} disabled={running !== null}>
            Build the image
          </button>
        }
      >
        <p>The workspace’s image does not exist yet. Build it (or start the workspace, which builds it) to see its layers.</p>
      </EmptyState>
    );
  } else if (error) {
    body = (
      <ErrorNotice
        error={error}
        onRetry={() => setAttempt((n) => n + 1)}
      />
    );
  } else if (!layers) {
    body = (
      <p className="text-muted" role="status">
        <span className="spinner" aria-hidden="true" />
        Reading the image’s history…
      </p>
    );
  } else {
    const groups = groupsOf(layers).reverse();
    body = (
      <>
        <section className="panel" aria-labelledby="image-size-title">
          <div className="panel-head">
            <h2 className="panel-title" id="image-size-title">
              {formatBytes(layers.size)} <span className="heading-quiet">in {layers.layers.length} layers</span>
            </h2>
            <span className="mono text-muted image-ref" title={layers.id}>
              {layers.image}
            </span>
          </div>
          <div className="part-bar" aria-hidden="true">
            {layers.parts.map((part, index) => (
              <span key={index} className={`part-bar-segment part-${part.part}`} style={{ width: `${layers.size > 0 ? (part.size / layers.size) * 100 : 0}%` }} />
            ))}
          </div>
          <ul className="part-list">
            {layers.parts.map((part, index) => (
              <li key={index} className="part-summary">
                <span className={`part-swatch part-${part.part}`} aria-hidden="true" />
                <span className="part-summary-title">{PARTS[part.part].title}</span>
                <span>
                  adds {formatBytes(part.size)} ({sharePercent(part.size, layers.size)}) in {part.layers} {part.layers === 1 ? 'layer' : 'layers'}
                </span>
              </li>
            ))}
          </ul>
          {!hasOverlay && (
            <p className="text-muted">
              This workspace has no overlay yet. <a href={href({ view: 'dockerfile', name })}>Customize its image</a> to add what your project needs.
            </p>
          )}
        </section>
        <section className="panel" aria-labelledby="stack-title">
          <div className="panel-head">
            <h2 className="panel-title" id="stack-title">
              The stack <span className="heading-quiet">newest on top</span>
            </h2>
          </div>
          <p className="text-muted layer-notes">
            {SCALE_NOTE} Open a layer for its full instruction and its files
            {hasOverlay ? '; an overlay layer’s line number opens the Dockerfile there' : ''}.{' '}
            {lastBuild
              ? 'Rebuilt or from cache: as the last build in this window reported it.'
              : 'Rebuilt or from cache: unknown, because this window has not seen a build of this image (build progress is not kept across reloads).'}
          </p>
          {groups.map((group, index) => (
            <div key={index} className={`layer-group layer-group-${group.part}`}>
              <div className="layer-group-head">
                <h3 className="layer-group-title">
                  <span className={`part-swatch part-${group.part}`} aria-hidden="true" />
                  {PARTS[group.part].title}
                </h3>
                <span className="text-muted">
                  {formatBytes(group.size)} · {group.layers.length} {group.layers.length === 1 ? 'layer' : 'layers'}
                </span>
              </div>
              <p className="layer-group-text text-muted">{PARTS[group.part].text}</p>
              <ol className="layer-list">
                {group.layers
                  .slice()
                  .reverse()
                  .map((layer) => (
                    <LayerRow key={layer.index} name={name} layer={layer} largest={largest} status={group.part === 'upstream' ? null : (statuses[layer.index] ?? null)} image={layers.id} />
                  ))}
              </ol>
            </div>
          ))}
        </section>
      </>
    );
  }

  return (
    <div className="view">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={href({ view: 'workspaces' })}>Workspaces</a>
        <span aria-hidden="true">/</span>
        <a href={href({ view: 'instance', name })}>{name}</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Layers</span>
      </nav>
      <header className="view-header">
        <div>
          <h1>
            {name} <span className="heading-quiet">image layers</span>
          </h1>
          <p className="view-subtitle">What each step of the build added to the image, and how much.</p>
        </div>
        <div className="view-actions">
          <button type="button" className="button" onClick={actions.build} disabled={running !== null || !engineConnected || !exists}>
            Build image
          </button>
          <a className="button button-quiet" href={href({ view: 'dockerfile', name })}>
            Customize image
          </a>
        </div>
      </header>
      <EngineNotice />
      {actions.error && <ErrorNotice error={actions.error} />}
      {body}
    </div>
  );
}
