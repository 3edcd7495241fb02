import type Docker from 'dockerode';
import { demuxToText } from './streams.ts';
import { connectDocker, DockerConnectionError, type EngineConnection } from './connect.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

export interface DoctorReport {
  /** False when any check failed: the engine cannot run Paddock workspaces as it is. */
  ok: boolean;
  endpoint: { address: string; source: string } | null;
  engine: {
    product: string;
    version: string;
    apiVersion: string;
    os: string;
    arch: string;
    kernel: string;
    operatingSystem: string;
    storageDriver: string;
    cgroupVersion: string;
    rootless: boolean;
  } | null;
  checks: DoctorCheck[];
}

/** The oldest Engine API with everything Paddock uses (build labels, healthchecks, init). */
export const MIN_API_VERSION = '1.41';

/** Label of the images whose firewall can be probed; the sandbox issue builds one. */
export const FIREWALL_ROLE_LABEL = 'dev.paddock.role=firewall';

export interface DoctorOptions {
  connect?: () => Promise<EngineConnection>;
  /** An image with iptables to probe the firewall with; default: Paddock's firewall image if built. */
  probeImage?: string;
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  let connection: EngineConnection;
  try {
    connection = await (options.connect ?? (() => connectDocker()))();
  } catch (error) {
    if (!(error instanceof DockerConnectionError)) throw error;
    const tried = error.attempts.map((a) => `${a.address} (${a.source}): ${a.error}`).join('; ');
    checks.push({ id: 'engine', title: 'Docker engine', status: 'fail', detail: tried || error.message.split('\n')[0] || '', hint: error.hint });
    return { ok: false, endpoint: null, engine: null, checks };
  }
  const { docker, endpoint } = connection;
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<EngineInfo>]);
  const engine = describeEngine(version, info);
  checks.push({ id: 'engine', title: 'Docker engine', status: 'ok', detail: `${engine.product} ${engine.version} at ${endpoint.address} (${endpoint.source})` });
  checks.push(apiCheck(engine.apiVersion));
  checks.push(
    info.OSType === 'linux'
      ? { id: 'linux-containers', title: 'Linux containers', status: 'ok', detail: `${engine.operatingSystem}, kernel ${engine.kernel}` }
      : {
          id: 'linux-containers',
          title: 'Linux containers',
          status: 'fail',
          detail: `the engine runs ${info.OSType} containers`,
          hint: 'Switch Docker Desktop to Linux containers (tray menu: "Switch to Linux containers").',
        },
  );
  checks.push(limitsCheck(info));
  checks.push(await firewallCheck(docker, options.probeImage));
  for (const warning of info.Warnings ?? []) {
    checks.push({ id: 'engine-warning', title: 'Engine warning', status: 'warn', detail: warning.replace(/^WARNING:\s*/, '') });
  }
  return { ok: checks.every((check) => check.status !== 'fail'), endpoint: { address: endpoint.address, source: endpoint.source }, engine, checks };
}

interface EngineInfo {
  OSType?: string;
  OperatingSystem?: string;
  KernelVersion?: string;
  Architecture?: string;
  Driver?: string;
  CgroupVersion?: string;
  MemoryLimit?: boolean;
  SwapLimit?: boolean;
  PidsLimit?: boolean;
  CpuCfsQuota?: boolean;
  SecurityOptions?: string[];
  Warnings?: string[] | null;
}

function describeEngine(version: Docker.DockerVersion, info: EngineInfo): NonNullable<DoctorReport['engine']> {
  const components = (version as { Components?: Array<{ Name?: string }> }).Components ?? [];
  const podman = components.some((component) => /podman/i.test(component.Name ?? ''));
  const product = podman ? 'Podman' : /desktop/i.test(info.OperatingSystem ?? '') ? 'Docker Desktop' : 'Docker Engine';
  return {
    product,
    version: version.Version,
    apiVersion: version.ApiVersion,
    os: version.Os,
    arch: version.Arch,
    kernel: info.KernelVersion ?? version.KernelVersion ?? '',
    operatingSystem: info.OperatingSystem ?? '',
    storageDriver: info.Driver ?? '',
    cgroupVersion: info.CgroupVersion ?? '',
    rootless: (info.SecurityOptions ?? []).some((option) => option.includes('rootless')),
  };
}

export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

function apiCheck(apiVersion: string): DoctorCheck {
  if (compareApiVersions(apiVersion, MIN_API_VERSION) >= 0) {
    return { id: 'api-version', title: 'Engine API', status: 'ok', detail: `API ${apiVersion} (Paddock needs ${MIN_API_VERSION} or newer)` };
  }
  return {
    id: 'api-version',
    title: 'Engine API',
    status: 'fail',
    detail: `API ${apiVersion} is older than ${MIN_API_VERSION}`,
    hint: 'Upgrade the engine to Docker 20.10 or newer (or Podman 4 or newer).',
  };
}

function limitsCheck(info: EngineInfo): DoctorCheck {
  const missing = [
    info.MemoryLimit === false && 'memory',
    info.SwapLimit === false && 'swap',
    info.PidsLimit === false && 'process count',
    info.CpuCfsQuota === false && 'CPU quota',
  ].filter((item): item is string => Boolean(item));
  if (missing.length === 0) {
    return { id: 'limits', title: 'Resource limits', status: 'ok', detail: `memory, swap, process and CPU limits supported (cgroup v${info.CgroupVersion || '?'})` };
  }
  return {
    id: 'limits',
    title: 'Resource limits',
    status: 'warn',
    detail: `the engine cannot enforce ${missing.join(', ')} limits; an agent could use more than its share`,
    hint: 'Enable the cgroup controllers in the kernel (e.g. add "cgroup_enable=memory swapaccount=1" to the kernel command line) or use cgroup v2.',
  };
}

/**
 * The firewall needs nftables inside a container holding only NET_ADMIN: it loads a table with an
 * output hook for both families, as the workspace firewall does. This is the check that fails on
 * engines whose kernel lacks nf_tables (some old WSL and minimal VM kernels).
 */
async function firewallCheck(docker: Docker, requestedImage?: string): Promise<DoctorCheck> {
  const title = 'Sandbox firewall';
  let image = requestedImage;
  if (!image) {
    const firewallImages = await docker.listImages({ filters: JSON.stringify({ label: [FIREWALL_ROLE_LABEL] }) });
    image = firewallImages[0]?.RepoTags?.find((tag) => tag !== '<none>:<none>') ?? firewallImages[0]?.Id;
  }
  if (!image) {
    return {
      id: 'firewall',
      title,
      status: 'skip',
      detail: 'not probed yet: no firewall image is built',
      hint: 'Pass --probe-image IMAGE (any local image that has nft, from the nftables package) to probe now.',
    };
  }
  const script =
    'if ! command -v nft >/dev/null 2>&1; then echo "paddock-probe nft=missing"; exit 0; fi; ' +
    'if nft -f - >/tmp/probe.err 2>&1 <<EOF\ntable inet paddock_probe {\n  chain output {\n    type filter hook output priority 0; policy accept;\n    ip6 daddr ::1 accept\n  }\n}\nEOF\n' +
    'then nft delete table inet paddock_probe; echo "paddock-probe nft=ok"; else echo "paddock-probe nft=fail $(head -c 300 /tmp/probe.err)"; fi';
  let output: string;
  try {
    output = await runProbe(docker, image, script);
  } catch (error) {
    return { id: 'firewall', title, status: 'fail', detail: `the probe container could not run on ${image}: ${(error as Error).message}` };
  }
  const result = /paddock-probe nft=(\S+)(.*)/.exec(output);
  if (result?.[1] === 'missing') {
    return { id: 'firewall', title, status: 'skip', detail: `${image} has no nft, so nothing was probed`, hint: 'Probe with an image that has nft (the nftables package).' };
  }
  if (result?.[1] !== 'ok') {
    return {
      id: 'firewall',
      title,
      status: 'fail',
      detail: `nftables does not work in a container with NET_ADMIN (probed with ${image})${result?.[2]?.trim() ? `: ${result[2].trim()}` : ''}; workspaces cannot start without their firewall`,
      hint: 'The engine\'s kernel needs nf_tables (IPv4 and IPv6). On WSL, update the WSL kernel (`wsl --update`); on a VM, use a kernel with nf_tables enabled.',
    };
  }
  return { id: 'firewall', title, status: 'ok', detail: `nftables works in a container with only NET_ADMIN (probed with ${image})` };
}

async function runProbe(docker: Docker, image: string, script: string): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ['sh', '-c', script],
    User: '0:0',
    Labels: { 'dev.paddock.probe': 'firewall' },
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      CapAdd: ['NET_ADMIN'],
      SecurityOpt: ['no-new-privileges:true'],
      Memory: 64 * 1024 * 1024,
      PidsLimit: 64,
    },
  });
  try {
    await container.start();
    const result = (await Promise.race([
      container.wait(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the probe did not finish within 30 s')), 30_000).unref()),
    ])) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })) as Uint8Array;
    const text = demuxToText(logs);
    if (result.StatusCode !== 0) throw new Error(`exit code ${result.StatusCode}: ${text.trim().slice(-300)}`);
    return text;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
