import { stringify } from 'yaml';
import type { ComposeModel, ServiceModel } from './model.ts';

/** Compose interpolates `$`; doubling it keeps every value literal. */
function literal(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function service(model: ComposeModel, svc: ServiceModel): Record<string, unknown> {
  const out: Record<string, unknown> = {
    image: svc.image,
    command: svc.command.map(literal),
    user: svc.user ?? undefined,
    init: true,
    cap_drop: ['ALL'],
    cap_add: svc.capAdd.length ? svc.capAdd : undefined,
    security_opt: ['no-new-privileges:true'],
    labels: { 'dev.paddock.workspace': model.workspace, 'dev.paddock.service': svc.name },
    environment: svc.env.length ? Object.fromEntries(svc.env.map(([key, value]) => [key, literal(value)])) : undefined,
    working_dir: svc.workdir ? literal(svc.workdir) : undefined,
    volumes: [
      ...svc.binds.map((bind) => ({ type: 'bind', source: literal(bind.source), target: literal(bind.target), read_only: bind.readOnly })),
      ...svc.volumes.map((volume) => ({ type: 'volume', source: volume.volume === model.volumes.data ? 'data' : 'cache', target: volume.target })),
    ],
    ports: svc.ports.map((port) => `${port.host}:${port.hostPort}:${port.containerPort}`),
    healthcheck: svc.healthcheck
      ? { test: svc.healthcheck.test.map(literal), interval: duration(svc.healthcheck.intervalMs), retries: svc.healthcheck.retries }
      : undefined,
    mem_limit: svc.memoryBytes ?? undefined,
    memswap_limit: svc.memoryBytes ?? undefined,
    cpus: svc.nanoCpus ? svc.nanoCpus / 1e9 : undefined,
    pids_limit: svc.pidsLimit,
    secrets: svc.secrets.length ? svc.secrets.map((name) => ({ source: name, target: name, uid: '1000', gid: '1000', mode: 0o400 })) : undefined,
  };
  if (svc.name === 'agent') {
    out.network_mode = 'service:firewall';
    out.depends_on = { firewall: { condition: 'service_healthy' } };
  } else {
    out.networks = ['default', ...model.externalNetworks];
  }
  if (Array.isArray(out.volumes) && out.volumes.length === 0) delete out.volumes;
  if (Array.isArray(out.ports) && out.ports.length === 0) delete out.ports;
  return Object.fromEntries(Object.entries(out).filter(([, value]) => value !== undefined));
}

/**
 * The workspace as a Compose file that `docker compose` accepts. Secrets appear as references
 * (a host variable's name or a file's path), never as values.
 */
export function composeYaml(model: ComposeModel): string {
  const volumes: Record<string, unknown> = {};
  if (model.volumes.data) volumes.data = { name: model.volumes.data };
  if (model.volumes.cache) volumes.cache = { name: model.volumes.cache };
  const document: Record<string, unknown> = {
    name: model.project,
    services: { firewall: service(model, model.services.firewall), agent: service(model, model.services.agent) },
    networks: {
      default: { name: model.network },
      ...Object.fromEntries(model.externalNetworks.map((name) => [name, { external: true, name }])),
    },
  };
  if (Object.keys(volumes).length) document.volumes = volumes;
  if (model.secrets.length) {
    document.secrets = Object.fromEntries(
      model.secrets.map((secret) => [secret.name, secret.source.kind === 'env' ? { environment: secret.source.variable } : { file: literal(secret.source.path) }]),
    );
  }
  return stringify(document, { lineWidth: 0 });
}
