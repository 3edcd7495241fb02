import { useSyncExternalStore } from 'react';

/**
 * Where the user is. Routes live in the URL's hash so that the same build works from
 * `paddock serve` and from app:// in Electron, and so back/forward and reloads keep the place.
 */
export type Route =
  | { view: 'workspaces' }
  | { view: 'workspace'; name: string }
  | { view: 'dockerfile'; name: string; line?: number }
  | { view: 'layers'; name: string }
  | { view: 'instance'; name: string }
  | { view: 'operation'; id: string }
  | { view: 'onboarding' }
  | { view: 'defaults' }
  | { view: 'settings' };

/** The workspace a route is about, for the sidebar and for moving focus after navigation. */
export function routeWorkspace(route: Route): string | null {
  return 'name' in route ? route.name : null;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  if (first === 'workspaces' && second && third === 'dockerfile') {
    const line = Number(new URLSearchParams(query).get('line'));
    return Number.isInteger(line) && line > 0 ? { view: 'dockerfile', name: second, line } : { view: 'dockerfile', name: second };
  }
  if (first === 'workspaces' && second && third === 'layers') return { view: 'layers', name: second };
  if (first === 'workspaces' && second) return { view: 'workspace', name: second };
  if (first === 'instances' && second) return { view: 'instance', name: second };
  if (first === 'operations' && second) return { view: 'operation', id: second };
  if (first === 'onboarding') return { view: 'onboarding' };
  if (first === 'defaults') return { view: 'defaults' };
  if (first === 'settings') return { view: 'settings' };
  return { view: 'workspaces' };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'workspaces':
      return '#/';
    case 'workspace':
      return `#/workspaces/${encodeURIComponent(route.name)}`;
    case 'dockerfile':
      return `#/workspaces/${encodeURIComponent(route.name)}/dockerfile${route.line ? `?line=${route.line}` : ''}`;
    case 'layers':
      return `#/workspaces/${encodeURIComponent(route.name)}/layers`;
    case 'instance':
      return `#/instances/${encodeURIComponent(route.name)}`;
    case 'operation':
      return `#/operations/${encodeURIComponent(route.id)}`;
    case 'onboarding':
      return '#/onboarding';
    case 'defaults':
      return '#/defaults';
    case 'settings':
      return '#/settings';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const currentHash = () => window.location.hash;

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, currentHash));
}
