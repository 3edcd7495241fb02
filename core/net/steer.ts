import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { extract as tarExtract } from 'tar-stream';
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL } from '../instances/labels.ts';
import { readContainerLogs } from '../instances/logs.ts';
import { projectName } from '../compose/model.ts';
import { POLICY_APPLIED_PREFIX } from '../sandbox/firewall.ts';
import { POLICY_FILE, hostAddresses, policyArchive, policyId, policyText, type EgressInput } from './policy.ts';

/** A network's gateways (from its inspect): each is the host, seen from that network. */
export function gatewaysOf(info: { IPAM?: { Config?: Array<{ Gateway?: string }> } }): string[] {
  return (info.IPAM?.Config ?? []).flatMap((config) => (config.Gateway ? [config.Gateway] : []));
}

/** The gateways of a workspace's networks. */
export async function networkGateways(docker: Docker, networks: readonly string[]): Promise<string[]> {
  const gateways: string[] = [];
  for (const name of networks) {
    try {
      gateways.push(...gatewaysOf(await docker.getNetwork(name).inspect()));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
  return gateways;
}

/** The policy a workspace's firewall should hold now: its allowlist, and the host's addresses as they are now. */
export async function desiredPolicy(docker: Docker, ws: EgressInput & { name: string; networks: string[] }): Promise<string> {
  const gateways = await networkGateways(docker, [`${projectName(ws.name)}_default`, ...ws.networks]);
  return policyText(ws, [...new Set([...gateways, ...hostAddresses()])]);
}

/** The policy file a firewall container holds, or null when it has none. */
export async function currentPolicy(container: Docker.Container): Promise<string | null> {
  let archive: Readable;
  try {
    archive = (await container.getArchive({ path: POLICY_FILE })) as unknown as Readable;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
  const extract = tarExtract();
  let text: string | null = null;
  extract.on('entry', (_header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      text ??= Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
  return text;
}

export async function putPolicy(container: Docker.Container, text: string): Promise<void> {
  await container.putArchive(await policyArchive(text), { path: '/' });
}

export class PolicyNotAppliedError extends Error {
  override readonly name = 'PolicyNotAppliedError';
}

/**
 * Puts a policy into a running firewall, tells it so (HUP, which the container's init passes on),
 * and resolves once the firewall says it applied it, with the milliseconds that took. Connections
 * already open are kept: the firewall only swaps its sets.
 */
export async function applyPolicy(docker: Docker, containerId: string, text: string, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  const container = docker.getContainer(containerId);
  const since = (Date.now() / 1000 - 1).toFixed(3);
  await putPolicy(container, text);
  await container.kill({ signal: 'SIGHUP' });
  const prefix = `${POLICY_APPLIED_PREFIX}${policyId(text)} `;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let outcome: string | null = null;
  try {
    await readContainerLogs(docker, containerId, 'firewall', { follow: true, since, signal: controller.signal }, (line) => {
      if (line.line.startsWith(prefix)) {
        outcome = line.line.slice(prefix.length);
        controller.abort();
      }
    });
  } finally {
    clearTimeout(timer);
  }
  const said = outcome as string | null;
  if (said === null) throw new PolicyNotAppliedError(`the firewall did not apply the new policy within ${Math.round(timeoutMs / 1000)} s; see \`paddock logs --service firewall\``);
  if (said.startsWith('refused')) throw new PolicyNotAppliedError(`the firewall kept its earlier policy: it ${said}`);
  return Date.now() - started;
}

/** The running firewall container of a workspace, or null. */
export async function runningFirewall(docker: Docker, workspace: string): Promise<string | null> {
  const found = await docker.listContainers({ filters: JSON.stringify({ label: [`${COMPOSE_PROJECT_LABEL}=${projectName(workspace)}`, `${COMPOSE_SERVICE_LABEL}=firewall`] }) });
  return found[0]?.Id ?? null;
}
