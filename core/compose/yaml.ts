import { stringify } from 'yaml';
import type { ComposeModel, ServiceModel, VolumeRole } from './model.ts';

/** Compose interpolates `$`; doubling it keeps every value literal. */
function literal(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Env-sourced secrets become references by interpolation (`${HOST_VARIABLE}`), which every
 * Compose version understands; the file never holds a value. (Paddock's own launcher does not
 * use this file and never puts a secret in a container's config.)
 */
function environment(model: ComposeModel, svc: ServiceModel): Record<string, string> | undefined {
  const entries: Array<[string, string]> = svc.env.map(([key, value]) => [key, literal(value)]);
  if (svc.name === 'agent') {
    for (const secret of model.secrets) {
      if (secret.asEnv && secret.source.kind === 'env') entries.push([secret.name, `\${${secret.source.variable}}`]);
    }
  }
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** Secrets Compose mounts as files: every one that is not an env secret taken from a variable. */
function fileSecrets(model: ComposeModel, svc: ServiceModel): string[] {
  return model.secrets.filter((secret) => svc.secrets.includes(secret.name) && !(secret.asEnv && secret.source.kind === 'env')).map((secret) => secret.name);
}

/** The Compose key of a named volume: its role, which the top-level `volumes` maps to the name. */
function volumeKey(model: ComposeModel, name: string): VolumeRole {
  const role = (Object.keys(model.volumes) as VolumeRole[]).find((key) => model.volumes[key] === name);
  if (!role) throw new Error(`volume ${name} is not one of the workspace's volumes`);
  return role;
}

function service(model: ComposeModel, svc: ServiceModel): Record<string, unknown> {
  const out: Record<string, unknown> = {
    image: svc.image,
    command: svc.command.map(literal),
    user: svc.user ?? undefined,
    init: true,
    cap_drop: ['ALL'],
    cap_add: svc.capAdd.length ? svc.capAdd : undefined,
    security_opt: svc.securityOpt,
    devices: svc.devices.length ? svc.devices.map((device) => `${device}:${device}`) : undefined,
    labels: { 'dev.paddock.workspace': model.workspace, 'dev.paddock.service': svc.name },
    environment: environment(model, svc),
    working_dir: svc.workdir ? literal(svc.workdir) : undefined,
    volumes: [
      ...svc.binds.map((bind) => ({ type: 'bind', source: literal(bind.source), target: literal(bind.target), read_only: bind.readOnly })),
      ...svc.volumes.map((volume) => ({ type: 'volume', source: volumeKey(model, volume.volume), target: volume.target })),
    ],
    ports: svc.ports.map((port) => `${port.host}:${port.hostPort}:${port.containerPort}`),
    healthcheck: svc.healthcheck
      ? { test: svc.healthcheck.test.map(literal), interval: duration(svc.healthcheck.intervalMs), retries: svc.healthcheck.retries }
      : undefined,
    mem_limit: svc.memoryBytes ?? undefined,
    memswap_limit: svc.memoryBytes ?? undefined,
    cpus: svc.nanoCpus ? svc.nanoCpus / 1e9 : undefined,
    pids_limit: svc.pidsLimit,
    secrets: fileSecrets(model, svc).length ? fileSecrets(model, svc).map((name) => ({ source: name, target: name, uid: '1000', gid: '1000', mode: 0o400 })) : undefined,
  };
  if (svc.name === 'firewall') {
    out.networks = ['default', ...model.externalNetworks];
  } else {
    out.network_mode = 'service:firewall';
    out.depends_on = {
      firewall: { condition: 'service_healthy' },
      ...(svc.name === 'agent' && model.services.dind ? { dind: { condition: 'service_healthy' } } : {}),
    };
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
  const volumes = Object.fromEntries(Object.entries(model.volumes).flatMap(([role, name]) => (name ? [[role, { name }]] : [])));
  const { firewall, dind, agent } = model.services;
  const document: Record<string, unknown> = {
    services: Object.fromEntries([firewall, dind, agent].flatMap((svc) => (svc ? [[svc.name, service(model, svc)]] : []))),
    networks: {
      default: { name: model.network },
      ...Object.fromEntries(model.externalNetworks.map((name) => [name, { external: true, name }])),
    },
  };
  if (Object.keys(volumes).length) document.volumes = volumes;
  // A file secret taken from a variable needs Compose v2's `environment` source (Compose 1.x lacks it).
  const files = model.secrets.filter((secret) => !(secret.asEnv && secret.source.kind === 'env'));
  if (files.length) {
    document.secrets = Object.fromEntries(
      files.map((secret) => [secret.name, secret.source.kind === 'env' ? { environment: secret.source.variable } : { file: literal(secret.source.path) }]),
    );
  }
  // No top-level name: Debian's docker-compose (1.29) rejects it; the project is given with -p.
  return `# Paddock workspace ${model.workspace}: docker compose -p ${model.project} -f <this file> ...\n${stringify(document, { lineWidth: 0 })}`;
}
