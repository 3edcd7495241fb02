import { useEffect, useId, useState } from 'react';
import type { ApiError } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { Command } from '../components/Command.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ServiceList } from '../components/OperationProgress.tsx';
import { AGENTS } from '../config/fields.ts';
import { href } from '../router.ts';
import { useApp, useClient } from '../store/react.tsx';

const AGENT_TEXT: Record<string, string> = {
  opencode: 'Runs as a server on 127.0.0.1 that OpenCode clients attach to.',
  claude: 'Anthropic’s Claude Code, in a terminal session you attach to.',
  codex: 'OpenAI’s Codex CLI, in a terminal session you attach to.',
  gemini: 'Google’s Gemini CLI, in a terminal session you attach to.',
  shell: 'No agent: a shell in the sandbox, for your own tools.',
};

interface PresetCatalogue {
  forAgent: Record<string, string[]>;
  forLanguage: Record<string, string[]>;
}

/** The presets the chosen agent and the detected languages need; GitHub for git, whatever the stack. */
function proposedPresets(catalogue: PresetCatalogue | null, agent: string, languages: readonly string[]): string[] {
  if (!catalogue) return [];
  return [...new Set(['github', ...(catalogue.forAgent[agent] ?? []), ...languages.flatMap((language) => catalogue.forLanguage[language] ?? [])])];
}

/** Step 6: which agent runs in the workspace and what it may reach, then starting it and how to reach it. */
export function AgentStep({ name, languages }: { name: string; languages: readonly string[] }) {
  const client = useClient();
  const summary = useApp((state) => state.config?.workspaces.find((workspace) => workspace.name === name));
  const loadConfig = useApp((state) => state.loadConfig);
  const saveConfig = useApp((state) => state.saveConfig);
  const startOperation = useApp((state) => state.startOperation);
  const engineConnected = useApp((state) => state.engine.state === 'connected');
  const groupName = useId();
  const [choice, setChoice] = useState<string | null>(null);
  const [startId, setStartId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const operation = useApp((state) => (startId ? state.operations[startId] : undefined));
  const agent = choice ?? summary?.agent ?? 'opencode';
  const [catalogue, setCatalogue] = useState<PresetCatalogue | null>(null);
  const [allowlist, setAllowlist] = useState(true);
  const presets = proposedPresets(catalogue, agent, languages);

  useEffect(() => {
    client.call('net.presets', {}).then(setCatalogue, () => setCatalogue(null));
  }, [client]);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      // The overlay's save set the workspace's dockerfile: edit the file as it is now.
      await loadConfig();
      const edits = [
        ...(agent !== summary?.agent ? [{ op: 'set' as const, path: ['workspaces', name, 'agent'], value: agent }] : []),
        ...(allowlist && presets.length
          ? [
              { op: 'set' as const, path: ['workspaces', name, 'egress'], value: 'allowlist' },
              { op: 'set' as const, path: ['workspaces', name, 'allow_presets'], value: presets },
            ]
          : []),
      ];
      if (edits.length) await saveConfig(edits);
      setStartId(await startOperation('up', name));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };

  const started = operation !== undefined && operation.status !== 'failed' && operation.status !== 'cancelled';
  const port = operation?.result?.type === 'launched' ? operation.result.port : (operation?.readyPort ?? null);
  const address = port !== null ? `http://127.0.0.1:${port}` : null;
  return (
    <div className="wizard-step-body">
      <fieldset className="field agent-choice" disabled={started || busy}>
        <legend className="field-label">The agent that works in {name}</legend>
        <div className="agent-options">
          {AGENTS.map((option) => (
            <label key={option.value} className="agent-option">
              <input type="radio" name={groupName} value={option.value} checked={agent === option.value} onChange={() => setChoice(option.value)} />
              <span className="agent-option-label">
                <span className="agent-option-title">{option.label}</span>
                <span className="agent-option-text">{AGENT_TEXT[option.value]}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {presets.length > 0 && (
        <label className="checkbox egress-proposal">
          <input type="checkbox" checked={allowlist} disabled={started || busy} onChange={(event) => setAllowlist(event.target.checked)} />
          <span>
            Let the agent reach only what it needs: {presets.join(', ')}. Every other address and name stays blocked, and the Network view lets you allow more while it runs.
          </span>
        </label>
      )}
      {error && <ErrorNotice error={error} />}
      {operation?.status === 'failed' && operation.error && <ErrorNotice error={operation.error} />}
      {operation?.status === 'running' && (
        <div className="panel">
          <p role="status">
            <span className="spinner" aria-hidden="true" />
            Starting {name}…
          </p>
          {operation.services.length > 0 && <ServiceList operation={operation} />}
        </div>
      )}
      {operation?.status === 'succeeded' && (
        <div className="notice notice-ok attach-help" role="status">
          <div className="notice-body">
            <p className="notice-title">{name} is running</p>
            {agent === 'opencode' && address ? (
              <>
                <p className="notice-message">The OpenCode server listens at {address}. Attach an OpenCode client to it:</p>
                <Command text={`opencode attach ${address}`} label="Copy the opencode attach command" />
                <p className="notice-message">
                  <code>paddock attach {name}</code> prints this too, with where the server’s password is kept.
                </p>
              </>
            ) : (
              <>
                <p className="notice-message">Attach to the agent’s terminal from a terminal of your own (Ctrl-B then D detaches; the agent keeps running):</p>
                <Command text={`paddock attach ${name}`} label="Copy the paddock attach command" />
              </>
            )}
          </div>
          <div className="notice-actions">
            <a className="button button-primary" href={href({ view: 'instance', name })}>
              Open {name}
            </a>
          </div>
        </div>
      )}
      <div className="wizard-actions">
        {!started && (
          <button type="button" className="button button-primary" onClick={() => void start()} disabled={busy || !engineConnected || !summary}>
            {busy ? 'Saving…' : `Start ${name}`}
          </button>
        )}
        {operation?.status === 'succeeded' && (
          <a className="button button-quiet" href={href({ view: 'workspaces' })}>
            All workspaces
          </a>
        )}
      </div>
    </div>
  );
}
