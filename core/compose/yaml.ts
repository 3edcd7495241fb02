import { stringify } from 'yaml';
import { POLICY_FILE } from '../net/policy.ts';
import type { ComposeModel, ServiceModel, VolumeRole } from './model.ts';

/** Compose interpolates `$`; doubling it keeps every value literal. */
function literal(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function environment(svc: ServiceModel): Record<string, string> | undefined {
  return svc.env.length ? Object.fromEntries(svc.env.map(([key, value]) => [key, literal(value)])) : undefined;
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
    environment: environment(svc),
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
    secrets: svc.secrets.length ? svc.secrets.map((name) => ({ source: name, target: name, uid: '1000', gid: '1000', mode: 0o400 })) : undefined,
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
 * The workspace as a Compose file that `docker compose` (and Debian's docker-compose 1.29) accepts.
 * Every secret is a Compose secret, a file mounted under /run/secrets that the agent's wrapper
 * exports when it is an env secret: never an environment entry, which `docker inspect` would show.
 * `values` names the files written for secrets taken from host variables (writeComposeSecretFiles)
 * and their folder, and the egress policy file the firewall mounts; the document itself never holds
 * a value.
 */
export function composeYaml(
  model: ComposeModel,
  values: { files: ReadonlyMap<string, string>; folder: string; policyFile?: string } = { files: new Map(), folder: '' },
): string {
  const volumes = Object.fromEntries(Object.entries(model.volumes).flatMap(([role, name]) => (name ? [[role, { name }]] : [])));
  const { firewall, dind, agent } = model.services;
  const document: Record<string, unknown> = {
    services: Object.fromEntries([firewall, dind, agent].flatMap((svc) => (svc ? [[svc.name, service(model, svc)]] : []))),
    networks: {
      default: { name: model.network },
      ...Object.fromEntries(model.externalNetworks.map((name) => [name, { external: true, name }])),
    },
  };
  if (values.policyFile) {
    // The firewall starts only with its egress policy; Paddock puts it in the container, Compose mounts it.
    const firewallService = (document.services as Record<string, Record<string, unknown>>).firewall as Record<string, unknown>;
    firewallService.volumes = [...((firewallService.volumes as unknown[]) ?? []), { type: 'bind', source: literal(values.policyFile), target: POLICY_FILE, read_only: true }];
  }
  if (Object.keys(volumes).length) document.volumes = volumes;
  if (model.secrets.length) {
    document.secrets = Object.fromEntries(
      model.secrets.map((secret) => {
        const file = secret.source.kind === 'env' ? values.files.get(secret.name) : secret.source.path;
        if (file === undefined) throw new Error(`secret ${secret.name} has no file: write the values with writeComposeSecretFiles first`);
        return [secret.name, { file: literal(file) }];
      }),
    );
  }
  const header = [
    `# Paddock workspace ${model.workspace}: docker compose -p ${model.project} -f <this file> ...`,
    ...(values.files.size
      ? [`# The secrets taken from host variables (${[...values.files.keys()].join(', ')}) were written as files to ${values.folder}; delete them when you no longer run this file.`]
      : []),
  ];
  // No top-level name: Debian's docker-compose (1.29) rejects it; the project is given with -p.
  return `${header.join('\n')}\n${stringify(document, { lineWidth: 0 })}`;
}
