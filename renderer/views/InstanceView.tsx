import type { Instance } from '../../core/api/contract.ts';
import { Command } from '../components/Command.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { EngineNotice } from '../components/EngineNotice.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Sparkline } from '../components/Sparkline.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { LogViewer } from '../instance/LogViewer.tsx';
import { NetworkLog } from '../instance/NetworkLog.tsx';
import { useStatsSamples } from '../instance/useStatsSamples.ts';
import { displayPath, formatBytes, formatDuration } from '../lib/format.ts';
import { useNow } from '../lib/use-now.ts';
import { useDisplayState, useRunningOperation, useWorkspaceActions } from '../lib/workspace-state.ts';
import { href } from '../router.ts';
import { useApp } from '../store/react.tsx';

const HEALTH: Record<string, string> = { healthy: 'Healthy', unhealthy: 'Unhealthy', starting: 'Checking…' };

/** Seconds since it started, by this window's clock; the instance's own uptime is as old as the last event. */
function uptimeText(startedAt: string | null, now: number) {
  const started = startedAt ? Date.parse(startedAt) : Number.NaN;
  return Number.isFinite(started) ? formatDuration(Math.max(0, (now - started) / 1000)) : <span className="text-muted">—</span>;
}

function ServicesPanel({ instance }: { instance: Instance }) {
  const now = useNow(5000);
  return (
    <section className="panel" aria-labelledby="services-title">
      <h2 id="services-title" className="panel-title">
        Containers
      </h2>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">State</th>
              <th scope="col">Health</th>
              <th scope="col">Up for</th>
              <th scope="col">Image</th>
            </tr>
          </thead>
          <tbody>
            {instance.services.map((service) => (
              <tr key={service.id}>
                <th scope="row">{service.service}</th>
                <td>
                  <span className={`state-dot state-dot-${service.state === 'running' ? 'running' : service.state === 'exited' || service.state === 'dead' ? 'stopped' : 'starting'}`} aria-hidden="true" /> {service.state}
                  {service.exitCode !== null && service.state !== 'running' && <span className="text-muted"> (exit code {service.exitCode})</span>}
                </td>
                <td className={service.health === 'unhealthy' ? 'text-danger' : undefined}>{service.health ? HEALTH[service.health] : <span className="text-muted">No check</span>}</td>
                <td>{uptimeText(service.state === 'running' ? service.startedAt : null, now)}</td>
                <td className="mono cell-truncate" title={service.image}>
                  {service.image}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PortsPanel({ instance, servesOpenCode }: { instance: Instance; servesOpenCode: boolean }) {
  const ports = instance.services.flatMap((service) => service.ports.map((port) => ({ ...port, service: service.service })));
  return (
    <section className="panel" aria-labelledby="ports-title">
      <h2 id="ports-title" className="panel-title">
        Ports
      </h2>
      {ports.length === 0 ? (
        <p className="text-muted">Nothing is published. Only this machine could reach a published port: Paddock binds them to 127.0.0.1.</p>
      ) : (
        <ul className="port-list">
          {ports.map((port) => {
            const address = `http://${port.host === '0.0.0.0' ? '127.0.0.1' : port.host}:${port.hostPort}`;
            return (
              <li key={`${port.service}-${port.hostPort}`} className="port">
                <div>
                  <p className="port-address mono">{address}</p>
                  <p className="text-muted">
                    {port.service}'s port {port.containerPort}
                    {servesOpenCode ? ', the OpenCode server' : ''}
                  </p>
                </div>
                <div className="port-actions">
                  <CopyButton text={address} label={`Copy ${address}`} />
                  {servesOpenCode && <CopyButton text={`opencode attach ${address}`} label={`Copy the command that attaches OpenCode to ${address}`} />}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** How to reach the agent from the user's own terminal, until the app has a terminal of its own. */
function AttachPanel({ name, servesOpenCode }: { name: string; servesOpenCode: boolean }) {
  return (
    <section className="panel" aria-labelledby="attach-title">
      <h2 id="attach-title" className="panel-title">
        Attach
      </h2>
      {servesOpenCode ? (
        <p className="text-muted">Prints the OpenCode client command for this workspace and where its server’s password is kept:</p>
      ) : (
        <p className="text-muted">Opens the agent’s terminal session in a terminal of your own. Ctrl-B then D detaches; the agent keeps running:</p>
      )}
      <Command text={`paddock attach ${name}`} label={`Copy the command that attaches to ${name}`} />
      <p className="text-muted">A shell beside the agent, as the same user in the same sandbox:</p>
      <Command text={`paddock shell ${name}`} label={`Copy the command that opens a shell in ${name}`} />
    </section>
  );
}

function ResourcesPanel({ workspace, running, cpuLimit }: { workspace: string; running: boolean; cpuLimit: number | null }) {
  const { samples, error } = useStatsSamples(workspace, 'agent', running);
  const latest = samples.at(-1)?.stats;
  const cpu = samples.map((sample) => sample.stats.cpuPercent);
  const memory = samples.map((sample) => sample.stats.memory.used);
  // Scaled to what was seen, so a change shows; the numbers beside them say how much of the limit it is.
  const cpuTop = Math.max(10, ...cpu) * 1.25;
  const memoryTop = Math.max(1024 * 1024, ...memory) * 1.25;
  return (
    <section className="panel" aria-labelledby="resources-title">
      <h2 id="resources-title" className="panel-title">
        Resources <span className="heading-quiet">of the agent</span>
      </h2>
      {!running ? (
        <p className="text-muted">Shown while the workspace runs.</p>
      ) : !latest ? (
        <p className="text-muted" role="status">
          {error ?? 'Measuring…'}
        </p>
      ) : (
        <div className="meters">
          <div className="meter">
            <p className="meter-label">CPU</p>
            <p className="meter-value">
              {latest.cpuPercent.toFixed(1)}% <span className="text-muted">of {cpuLimit ?? latest.onlineCpus} {(cpuLimit ?? latest.onlineCpus) === 1 ? 'core' : 'cores'}</span>
            </p>
            <Sparkline values={cpu} max={cpuTop} label={`CPU use over the last ${samples.length} samples`} color="var(--chart-cpu)" />
          </div>
          <div className="meter">
            <p className="meter-label">Memory</p>
            <p className="meter-value">
              {formatBytes(latest.memory.used)} <span className="text-muted">of {formatBytes(latest.memory.limit)}</span>
            </p>
            <Sparkline values={memory} max={memoryTop} label={`Memory use over the last ${samples.length} samples`} color="var(--chart-memory)" />
          </div>
          <div className="meter meter-small">
            <p className="meter-label">Processes</p>
            <p className="meter-value">
              {latest.pids.current}
              {latest.pids.limit ? <span className="text-muted"> of {latest.pids.limit}</span> : null}
            </p>
          </div>
          <div className="meter meter-small">
            <p className="meter-label">Network</p>
            <p className="meter-value">
              ↓ {formatBytes(latest.network.rx)} <span className="text-muted">·</span> ↑ {formatBytes(latest.network.tx)}
            </p>
          </div>
        </div>
      )}
    </section>
  );
}

export function InstanceView({ name }: { name: string }) {
  const instance = useApp((state) => state.instances[name]);
  const loaded = useApp((state) => state.instancesStatus === 'loaded');
  const instancesError = useApp((state) => state.instancesError);
  const engineConnected = useApp((state) => state.engine.state === 'connected');
  const config = useApp((state) => state.config);
  const home = useApp((state) => state.info?.home);
  const summary = config?.workspaces.find((workspace) => workspace.name === name);
  const state = useDisplayState(name);
  const runningOperation = useRunningOperation(name);
  const actions = useWorkspaceActions(name);
  const buildActions = useWorkspaceActions(name, { openProgress: true });
  const hasContainers = instance !== undefined;
  const running = instance?.services.some((service) => service.state === 'running') ?? false;
  const busy = runningOperation !== null && runningOperation.kind !== 'build';
  const inConfig = summary !== undefined;

  return (
    <div className="view">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={href({ view: 'workspaces' })}>Workspaces</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{name}</span>
      </nav>
      <header className="view-header">
        <div>
          <h1 className="heading-with-badge">
            {name} <StateBadge state={state} />
          </h1>
          {summary && (
            <p className="view-subtitle">
              {summary.agent} in <code>{summary.workdir ? displayPath(summary.workdir, home) : 'no folder'}</code> · {summary.image}
            </p>
          )}
        </div>
        <div className="view-actions">
          {hasContainers ? (
            <>
              <button type="button" className="button" onClick={actions.restart} disabled={busy || !engineConnected || !inConfig}>
                Restart
              </button>
              <button type="button" className="button" onClick={actions.stop} disabled={busy || !engineConnected}>
                Stop
              </button>
            </>
          ) : (
            <button type="button" className="button button-primary" onClick={actions.start} disabled={busy || !engineConnected || !inConfig}>
              Start
            </button>
          )}
          {inConfig && (
            <button type="button" className="button button-quiet" onClick={buildActions.build} disabled={runningOperation !== null || !engineConnected} title="Builds what is missing or out of date; the running containers are not touched">
              Build image
            </button>
          )}
          {inConfig && (
            <a className="button button-quiet" href={href({ view: 'workspace', name })}>
              Settings
            </a>
          )}
          {inConfig && (
            <a className="button button-quiet" href={href({ view: 'dockerfile', name })}>
              Customize image
            </a>
          )}
          {inConfig && (
            <a className="button button-quiet" href={href({ view: 'layers', name })}>
              Layers
            </a>
          )}
        </div>
      </header>
      <EngineNotice />
      {actions.error && <ErrorNotice error={actions.error} />}
      {buildActions.error && <ErrorNotice error={buildActions.error} />}
      {runningOperation && (
        <p className="notice notice-info" role="status">
          <span className="spinner" aria-hidden="true" />
          {runningOperation.kind === 'down' ? 'Stopping…' : runningOperation.kind === 'build' ? 'Building the image…' : 'Starting…'}{' '}
          <a href={href({ view: 'operation', id: runningOperation.id })}>View progress</a>
        </p>
      )}
      {instancesError && engineConnected && <ErrorNotice error={instancesError} compact />}
      {!loaded && !instancesError && (
        <p className="text-muted" role="status">
          {engineConnected ? 'Reading the containers…' : 'Connecting to Docker…'}
        </p>
      )}
      {loaded && !hasContainers && (
        <EmptyState
          title={`${name} is not running`}
          actions={
            inConfig ? (
              <button type="button" className="button button-primary" onClick={actions.start} disabled={busy || !engineConnected}>
                Start {name}
              </button>
            ) : undefined
          }
        >
          <p>
            {inConfig
              ? 'Starting builds its image if needed, then runs the agent in a sandboxed container. Its state, resources and output show up here.'
              : `There is no workspace named “${name}” in the config, and no containers of that name.`}
          </p>
        </EmptyState>
      )}
      {instance && (
        <div className="instance-grid">
          <ServicesPanel instance={instance} />
          <PortsPanel instance={instance} servesOpenCode={summary?.servesOpenCode ?? false} />
          {running && <AttachPanel name={name} servesOpenCode={summary?.servesOpenCode ?? false} />}
          <ResourcesPanel workspace={name} running={running} cpuLimit={summary?.cpu ?? null} />
        </div>
      )}
      {instance && (
        <section className="panel" aria-labelledby="logs-title">
          <h2 id="logs-title" className="panel-title">
            Output
          </h2>
          <LogViewer workspace={name} services={instance.services.map((service) => service.service)} running={running} />
        </section>
      )}
      {instance && (
        <section className="panel" aria-labelledby="network-title">
          <h2 id="network-title" className="panel-title">
            Network
          </h2>
          <NetworkLog workspace={name} running={running} />
        </section>
      )}
    </div>
  );
}
