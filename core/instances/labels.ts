/**
 * The labels Paddock's launcher puts on every container of a workspace. A workspace `<ws>` runs as
 * the Compose project `paddock-<ws>`; nothing is stored anywhere else, so these labels are how
 * every running instance is found again.
 */
export const WORKSPACE_LABEL = 'dev.paddock.workspace';
export const SERVICE_LABEL = 'dev.paddock.service';
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/** The services a workspace can have, in the order they are shown (and started). */
export const SERVICE_ORDER = ['firewall', 'agent', 'dind'] as const;
export type KnownService = (typeof SERVICE_ORDER)[number];

export { projectName } from '../compose/model.ts';

/** The service a labelled container plays, from Paddock's label or else Compose's. */
export function serviceOf(labels: Record<string, string> | undefined): string | null {
  return labels?.[SERVICE_LABEL] || labels?.[COMPOSE_SERVICE_LABEL] || null;
}

/** Sort key: known services in SERVICE_ORDER, then any others by name. */
export function compareServices(a: string, b: string): number {
  const rank = (name: string) => {
    const index = (SERVICE_ORDER as readonly string[]).indexOf(name);
    return index === -1 ? SERVICE_ORDER.length : index;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Label filters (`key` or `key=value`) selecting a workspace's containers, or all Paddock's. */
export function labelFilters(workspace?: string, service?: string): string[] {
  const filters = [workspace ? `${WORKSPACE_LABEL}=${workspace}` : WORKSPACE_LABEL];
  if (service) filters.push(`${SERVICE_LABEL}=${service}`);
  return filters;
}
