import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { EngineNotice } from '../components/EngineNotice.tsx';
import { useUnsavedChanges } from '../lib/unsaved.ts';
import { AgentStep } from '../onboarding/AgentStep.tsx';
import { BuildStep } from '../onboarding/BuildStep.tsx';
import { DetectStep, type Detection } from '../onboarding/DetectStep.tsx';
import { EngineStep } from '../onboarding/EngineStep.tsx';
import { FolderStep, type FolderChoice } from '../onboarding/FolderStep.tsx';
import { OverlayStep } from '../onboarding/OverlayStep.tsx';
import { href } from '../router.ts';
import { buildFailure } from '../store/operations.ts';
import { useApp, useClient } from '../store/react.tsx';
import { failingLine } from '../workbench/locate.ts';
import { newOverlayTemplate } from '../workbench/template.ts';

type Step = 'engine' | 'folder' | 'detect' | 'overlay' | 'build' | 'agent';

const STEPS: ReadonlyArray<{ id: Step; title: string }> = [
  { id: 'engine', title: 'Check Docker' },
  { id: 'folder', title: 'Pick the project' },
  { id: 'detect', title: 'Detect its stack' },
  { id: 'overlay', title: 'Write its image' },
  { id: 'build', title: 'Build it' },
  { id: 'agent', title: 'Choose the agent and start' },
];

/** What the workspace became once step 4 created it: from then on the name and folder are fixed. */
interface Created {
  name: string;
  overlayPath: string;
  overlayHash: string;
}

/**
 * The guided way to a first (or a new) workspace: Docker checked, a folder picked, its stack
 * detected, an overlay written with the linter's help, built, and the agent started. Everything
 * goes through the API; the workspace is created only once its overlay is ready to save.
 */
export function OnboardingView() {
  const client = useClient();
  const addWorkspace = useApp((state) => state.addWorkspace);
  const startOperation = useApp((state) => state.startOperation);
  const [step, setStep] = useState<Step>('engine');
  const [choice, setChoice] = useState<FolderChoice>({ folder: '', name: '', nameEdited: false });
  const [detection, setDetection] = useState<Detection | null>(null);
  /** The overlay as last edited, kept when the user goes back and forth between steps. */
  const overlayText = useRef<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [buildId, setBuildId] = useState<string | null>(null);
  const [failedLine, setFailedLine] = useState<number | null>(null);
  const build = useApp((state) => (buildId ? state.operations[buildId] : undefined));
  const heading = useRef<HTMLHeadingElement>(null);
  const firstStep = useRef(true);
  // Until the workspace is created, the choices made so far exist only here.
  useUnsavedChanges('the new workspace', created === null && choice.folder.trim() !== '');

  // Each step starts at its heading, so keyboard and screen-reader users know where they are.
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    heading.current?.focus();
  }, [step]);

  const onDetected = useCallback((result: Detection) => {
    setDetection(result);
    overlayText.current = null;
  }, []);

  const startBuild = async (name: string) => {
    setFailedLine(null);
    setBuildId(null);
    setStep('build');
    try {
      setBuildId(await startOperation('build', name));
    } catch (failure) {
      setSaveError(asApiError(failure));
      setStep('overlay');
    }
  };

  const saveOverlay = async (text: string) => {
    overlayText.current = text;
    setSaving(true);
    setSaveError(null);
    try {
      let target = created;
      if (!target) {
        await addWorkspace(choice.name, [choice.folder.trim()]);
        // A new workspace has no overlay file yet: its hash is that of the empty text, as read here.
        const read = await client.call('overlay.read', { workspace: choice.name });
        target = { name: choice.name, overlayPath: read.path, overlayHash: read.hash };
        setCreated(target);
      }
      const written = await client.call('overlay.write', { workspace: target.name, text, baseHash: target.overlayHash });
      target = { ...target, overlayPath: written.path, overlayHash: written.hash };
      setCreated(target);
      await startBuild(target.name);
    } catch (failure) {
      setSaveError(asApiError(failure));
    } finally {
      setSaving(false);
    }
  };

  // A failed build points at its line in the overlay, for the way back to the editor.
  const buildStatus = build?.status;
  useEffect(() => {
    if (buildStatus !== 'failed' || !build?.error || !created) return;
    const failure = buildFailure(build.error);
    if (failure) setFailedLine(failingLine(failure, { path: created.overlayPath, text: overlayText.current ?? '' }));
  }, [buildStatus, build?.error, created]);

  const index = STEPS.findIndex((entry) => entry.id === step);
  const workspace = created?.name ?? choice.name;
  return (
    <div className="view view-wide">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <a href={href({ view: 'workspaces' })}>Workspaces</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">New workspace</span>
      </nav>
      <header className="view-header">
        <div>
          <h1>Set up a workspace</h1>
          <p className="view-subtitle">Six steps from a project folder to an agent working on it in a sandbox.</p>
        </div>
      </header>
      <ol className="wizard-steps" aria-label="Steps">
        {STEPS.map((entry, position) => (
          <li key={entry.id} className={`wizard-step-marker${position < index ? ' wizard-step-done' : ''}`} aria-current={entry.id === step ? 'step' : undefined}>
            <span className="wizard-step-number" aria-hidden="true">
              {position < index ? '✓' : position + 1}
            </span>
            <span>
              {entry.title}
              {position < index && <span className="visually-hidden"> (done)</span>}
            </span>
          </li>
        ))}
      </ol>
      {step !== 'engine' && <EngineNotice />}
      <section className="panel wizard-panel" aria-labelledby="wizard-step-title">
        <h2 className="panel-title wizard-step-title" id="wizard-step-title" ref={heading} tabIndex={-1}>
          Step {index + 1} of {STEPS.length}: {STEPS[index]?.title}
        </h2>
        {step === 'engine' && <EngineStep onNext={() => setStep('folder')} />}
        {step === 'folder' && <FolderStep choice={choice} onChange={setChoice} onNext={() => setStep('detect')} />}
        {step === 'detect' && <DetectStep folder={choice.folder.trim()} detection={detection} onDetected={onDetected} onBack={() => setStep('folder')} onNext={() => setStep('overlay')} />}
        {step === 'overlay' && (
          <OverlayStep
            initialText={overlayText.current ?? detection?.overlay ?? newOverlayTemplate(workspace)}
            folder={choice.folder.trim()}
            failedLine={failedLine}
            busy={saving}
            error={saveError}
            nextLabel={created ? 'Save and build again' : 'Create the workspace and build'}
            onText={(text) => (overlayText.current = text)}
            onBack={created ? null : () => setStep('detect')}
            onNext={(text) => void saveOverlay(text)}
          >
            {created && (
              <p className="notice notice-info">
                The workspace <strong>{created.name}</strong> exists now; its Dockerfile is <span className="mono">{created.overlayPath}</span>.
              </p>
            )}
          </OverlayStep>
        )}
        {step === 'build' && created && (
          <BuildStep buildId={buildId} failedLine={failedLine} onRetry={() => void startBuild(created.name)} onEdit={() => setStep('overlay')} onNext={() => setStep('agent')} />
        )}
        {step === 'agent' && created && <AgentStep name={created.name} languages={detection?.stack.languages.map((language) => language.language) ?? []} />}
      </section>
    </div>
  );
}
