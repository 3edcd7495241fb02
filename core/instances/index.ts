export { execInInstance, type ExecOptions, type ExecSession } from './exec.ts';
export { mapDockerEvent, watchInstances, type ContainerEvent, type ContainerEventType, type InstanceEvent, type InstanceWatch, type ReconnectedEvent, type WatchOptions } from './events.ts';
export { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, projectName, SERVICE_LABEL, SERVICE_ORDER, WORKSPACE_LABEL } from './labels.ts';
export { deriveWorkspaceState, getInstance, InstanceNotFoundError, listInstances, type ContainerHealth, type Instance, type PortBinding, type ServiceStatus, type WorkspaceState } from './list.ts';
export { instanceLogs, type LogLine, type LogOptions } from './logs.ts';
export { computeStats, followStats, instanceStats, type InstanceStats } from './stats.ts';
export type { OutputStream } from '../docker/streams.ts';
