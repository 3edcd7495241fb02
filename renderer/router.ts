import { useSyncExternalStore } from 'react';

/**
 * Where the user is. Routes live in the URL's hash so that the same build works from
 * `paddock serve` and from file:// in Electron, and so back/forward and reloads keep the place.
 */
export type Route =
  | { view: 'workspaces' }
  | { view: 'workspace'; name: string }
  | { view: 'instance'; name: string }
  | { view: 'operation'; id: string }
  | { view: 'defaults' }
  | { view: 'settings' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (first === 'workspaces' && second) return { view: 'workspace', name: second };
  if (first === 'instances' && second) return { view: 'instance', name: second };
  if (first === 'operations' && second) return { view: 'operation', id: second };
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
    case 'instance':
      return `#/instances/${encodeURIComponent(route.name)}`;
    case 'operation':
      return `#/operations/${encodeURIComponent(route.id)}`;
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
