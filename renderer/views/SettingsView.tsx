import { useId } from 'react';
import { DoctorChecks } from '../components/DoctorChecks.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { displayPath, formatRelative } from '../lib/format.ts';
import { useApp } from '../store/react.tsx';
import type { ThemePreference } from '../store/theme.ts';
import { EngineNotice } from '../components/EngineNotice.tsx';

const THEMES: Array<{ value: ThemePreference; label: string; hint: string }> = [
  { value: 'system', label: 'System', hint: 'Follows your operating system' },
  { value: 'light', label: 'Light', hint: 'Always light' },
  { value: 'dark', label: 'Dark', hint: 'Always dark' },
];

function ThemeChoice() {
  const theme = useApp((state) => state.theme);
  const setTheme = useApp((state) => state.setTheme);
  const name = useId();
  return (
    <fieldset className="field">
      <legend className="field-label">Theme</legend>
      <div className="segmented">
        {THEMES.map((option) => (
          <label key={option.value} className="segmented-option">
            <input type="radio" name={name} value={option.value} checked={theme === option.value} onChange={() => setTheme(option.value)} />
            <span className="segmented-label">
              {option.label}
              <span className="segmented-hint">{option.hint}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function EngineSection() {
  const engine = useApp((state) => state.engine);
  const connection = useApp((state) => state.connection);
  const doctor = useApp((state) => state.doctor);
  const runDoctor = useApp((state) => state.runDoctor);
  const checkEngine = useApp((state) => state.checkEngine);
  const report = doctor.report;
  const stateText = connection !== 'open' ? 'Waiting for Paddock…' : engine.state === 'connected' ? 'Connected' : engine.state === 'connecting' ? 'Connecting…' : 'Not reachable';
  return (
    <section className="panel" aria-labelledby="engine-title">
      <div className="panel-head">
        <h2 id="engine-title" className="panel-title">
          Docker engine
        </h2>
        <div className="panel-actions">
          {engine.state === 'unavailable' && (
            <button type="button" className="button" onClick={() => void checkEngine()}>
              Retry
            </button>
          )}
          <button type="button" className="button" onClick={() => void runDoctor()} disabled={doctor.running || connection !== 'open'}>
            {doctor.running ? 'Checking…' : 'Run checks'}
          </button>
        </div>
      </div>
      <dl className="facts facts-wide">
        <div className="fact">
          <dt>State</dt>
          <dd>
            <span className={`state-dot state-dot-${engine.state === 'connected' ? 'running' : engine.state === 'connecting' ? 'unknown' : 'unhealthy'}`} aria-hidden="true" /> {stateText}
            {engine.since && <span className="text-muted"> · since {formatRelative(engine.since)}</span>}
          </dd>
        </div>
        <div className="fact">
          <dt>Endpoint</dt>
          <dd className="mono">{engine.endpoint ?? <span className="text-muted">—</span>}</dd>
        </div>
        <div className="fact">
          <dt>Chosen from</dt>
          <dd>{engine.source ?? <span className="text-muted">—</span>}</dd>
        </div>
        {report?.engine && (
          <div className="fact">
            <dt>Engine</dt>
            <dd>
              {report.engine.product} {report.engine.version} (API {report.engine.apiVersion}) on {report.engine.operatingSystem}, {report.engine.arch}
              {report.engine.rootless ? ', rootless' : ''}
            </dd>
          </div>
        )}
      </dl>
      <EngineNotice />
      {doctor.error && <ErrorNotice error={doctor.error} compact />}
      {report && <DoctorChecks report={report} />}
    </section>
  );
}

export function SettingsView() {
  const info = useApp((state) => state.info);
  const transport = useApp((state) => state.transport);
  return (
    <div className="view">
      <header className="view-header">
        <div>
          <h1>Settings</h1>
          <p className="view-subtitle">How the app looks, and the Docker engine Paddock uses.</p>
        </div>
      </header>
      <section className="panel" aria-labelledby="appearance-title">
        <h2 id="appearance-title" className="panel-title">
          Appearance
        </h2>
        <ThemeChoice />
      </section>
      <EngineSection />
      <section className="panel" aria-labelledby="about-title">
        <h2 id="about-title" className="panel-title">
          About
        </h2>
        <dl className="facts facts-wide">
          <div className="fact">
            <dt>Version</dt>
            <dd>{info?.version ?? '—'}</dd>
          </div>
          <div className="fact">
            <dt>Config file</dt>
            <dd className="mono">{info ? displayPath(info.configFile, info.home) : '—'}</dd>
          </div>
          <div className="fact">
            <dt>Connected through</dt>
            <dd>{transport === 'ipc' ? 'the desktop app' : 'paddock serve (this browser tab)'}</dd>
          </div>
          <div className="fact">
            <dt>Platform</dt>
            <dd>{info?.platform ?? '—'}</dd>
          </div>
        </dl>
      </section>
    </div>
  );
}
