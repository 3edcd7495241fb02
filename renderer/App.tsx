import { lazy, Suspense, useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BuildApprovalDialog } from './components/BuildApprovalDialog.tsx';
import { StateBadge } from './components/StateBadge.tsx';
import { useDisplayState } from './lib/workspace-state.ts';
import { href, routeWorkspace, useRoute, type Route } from './router.ts';
import { useApp } from './store/react.tsx';
import { SettingsView } from './views/SettingsView.tsx';
import { WorkspacesView } from './views/WorkspacesView.tsx';

// The heavy views load on demand, so the first view paints before their code is even fetched.
const WorkspaceView = lazy(() => import('./views/WorkspaceView.tsx').then((module) => ({ default: module.WorkspaceView })));
const DefaultsView = lazy(() => import('./views/DefaultsView.tsx').then((module) => ({ default: module.DefaultsView })));
const InstanceView = lazy(() => import('./views/InstanceView.tsx').then((module) => ({ default: module.InstanceView })));
const OperationView = lazy(() => import('./views/OperationView.tsx').then((module) => ({ default: module.OperationView })));
// CodeMirror comes with these, so only the editor and the onboarding ever load it.
const DockerfileView = lazy(() => import('./views/DockerfileView.tsx').then((module) => ({ default: module.DockerfileView })));
const LayersView = lazy(() => import('./views/LayersView.tsx').then((module) => ({ default: module.LayersView })));
const OnboardingView = lazy(() => import('./views/OnboardingView.tsx').then((module) => ({ default: module.OnboardingView })));

function CurrentView({ route }: { route: Route }) {
  switch (route.view) {
    case 'workspaces':
      return <WorkspacesView />;
    case 'workspace':
      return <WorkspaceView key={route.name} name={route.name} />;
    case 'dockerfile':
      return <DockerfileView key={route.name} name={route.name} line={route.line} />;
    case 'layers':
      return <LayersView key={route.name} name={route.name} />;
    case 'onboarding':
      return <OnboardingView />;
    case 'defaults':
      return <DefaultsView />;
    case 'instance':
      return <InstanceView key={route.name} name={route.name} />;
    case 'operation':
      return <OperationView key={route.id} id={route.id} />;
    case 'settings':
      return <SettingsView />;
  }
}

function isSection(route: Route, section: 'workspaces' | 'defaults' | 'settings'): boolean {
  if (section === 'workspaces') return route.view !== 'defaults' && route.view !== 'settings';
  return route.view === section;
}

function SidebarWorkspace({ name, current }: { name: string; current: boolean }) {
  const state = useDisplayState(name);
  return (
    <li>
      <a className="nav-sub" href={href({ view: 'instance', name })} aria-current={current ? 'page' : undefined}>
        <span className={`state-dot state-dot-${state}`} aria-hidden="true" />
        <span className="nav-sub-name">{name}</span>
        <span className="visually-hidden">, {state === 'unknown' ? 'state unknown' : state}</span>
      </a>
    </li>
  );
}

function EngineStatus() {
  const engine = useApp((state) => state.engine);
  const connection = useApp((state) => state.connection);
  const label =
    connection !== 'open'
      ? connection === 'connecting'
        ? 'Connecting to Paddock…'
        : 'Reconnecting to Paddock…'
      : engine.state === 'connected'
        ? 'Docker connected'
        : engine.state === 'connecting'
          ? 'Connecting to Docker…'
          : 'Docker unavailable';
  const tone = connection !== 'open' || engine.state === 'connecting' ? 'busy' : engine.state === 'connected' ? 'ok' : 'danger';
  return (
    <div role="status" aria-live="polite">
      <a className={`engine-status engine-status-${tone}`} href={href({ view: 'settings' })}>
        <span className="engine-status-dot" aria-hidden="true" />
        <span>{label}</span>
      </a>
    </div>
  );
}

function ConnectionBanner() {
  const connection = useApp((state) => state.connection);
  const transport = useApp((state) => state.transport);
  if (connection !== 'reconnecting') return null;
  return (
    <div className="banner banner-warn" role="status">
      <strong>Lost the connection to Paddock.</strong> Reconnecting… What you see may be out of date until it is back.
      {transport === 'websocket' && ' If you restarted paddock serve, open the new address it printed: it carries a new token.'}
    </div>
  );
}

export function App() {
  const route = useRoute();
  const names = useApp(useShallow((state) => state.config?.workspaces.map((workspace) => workspace.name) ?? []));
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After navigation, focus goes to the new view, so keyboard and screen-reader users start there.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    main.current?.scrollTo?.({ top: 0 });
  }, [route.view, routeWorkspace(route) ?? ('id' in route ? route.id : '')]);

  const currentName = routeWorkspace(route);
  return (
    <div className="app">
      <button type="button" className="skip-link" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <aside className="sidebar">
        <a className="brand" href={href({ view: 'workspaces' })}>
          <img className="brand-mark" src="./favicon.svg" alt="" width="26" height="26" />
          <span className="brand-name">Paddock</span>
        </a>
        <nav className="nav" aria-label="Main">
          <ul className="nav-list">
            <li>
              <a className="nav-item" href={href({ view: 'workspaces' })} aria-current={route.view === 'workspaces' ? 'page' : undefined} data-active={isSection(route, 'workspaces')}>
                Workspaces
              </a>
              {names.length > 0 && (
                <ul className="nav-sublist" aria-label="Workspaces">
                  {names.map((name) => (
                    <SidebarWorkspace key={name} name={name} current={name === currentName} />
                  ))}
                </ul>
              )}
            </li>
            <li>
              <a className="nav-item" href={href({ view: 'defaults' })} aria-current={route.view === 'defaults' ? 'page' : undefined} data-active={isSection(route, 'defaults')}>
                Defaults
              </a>
            </li>
            <li>
              <a className="nav-item" href={href({ view: 'settings' })} aria-current={route.view === 'settings' ? 'page' : undefined} data-active={isSection(route, 'settings')}>
                Settings
              </a>
            </li>
          </ul>
        </nav>
        <div className="sidebar-footer">
          <EngineStatus />
        </div>
      </aside>
      <main className="main" id="main" ref={main} tabIndex={-1}>
        <ConnectionBanner />
        <Suspense
          fallback={
            <div className="view-loading" role="status">
              Loading…
            </div>
          }
        >
          <CurrentView route={route} />
        </Suspense>
      </main>
      <BuildApprovalDialog />
    </div>
  );
}
