import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { down, LaunchError, up, type LaunchEvent } from '../compose/launcher.ts';
import { AGENT_SESSION, servesOpenCode, workspaceModel, workspacePort } from '../compose/model.ts';
import { connectDocker } from '../docker/connect.ts';
import { buildWorkspace } from '../images/build.ts';
import { planWorkspace, prepareSidecar } from '../images/plan.ts';
import { cacheDir, dataDir } from '../config/paths.ts';
import { hostAddresses, policyText } from '../net/policy.ts';
import { writeGitConfigCopy } from '../sandbox/gitconfig.ts';
import { composeSecretsDir, passwordPath, SecretSourceError, writeComposeSecretFiles } from '../sandbox/secrets.ts';
import { execInInstance, getInstance, instanceLogs, instanceStats, InstanceNotFoundError, listInstances, watchInstances } from '../instances/index.ts';
import type { Command, CommandContext } from './commands.ts';
import { loadForCommand } from './commands.ts';
import { approvalOptions, cliApprover, engine, interruptible, progressRenderer, reportImageFailure, selectWorkspace, workspaceWithEngine, YES_OPTION } from './image-commands.ts';
import { EXIT, UsageError } from './io.ts';
import { jsonLine, terminalLine } from '../api/terminal-text.ts';

function launchOptions(context: CommandContext) {
  return {
    cacheDir: cacheDir(context.io.env),
    dataDir: dataDir(context.io.env),
    home: context.host.home,
    env: context.io.env,
    exists: context.host.exists,
  };
}

/** Build progress as for `paddock build`, plus one line per service as the workspace converges. */
function launchRenderer(context: CommandContext): (event: LaunchEvent) => void {
  const build = progressRenderer(context);
  const s = context.style;
  return (event) => {
    switch (event.type) {
      case 'lock-wait':
        context.io.stderr(`Waiting for another Paddock process (pid ${event.pid}) working on this workspace…\n`);
        break;
      case 'service':
        context.io.stdout(`${s.green('✓')} ${event.service.padEnd(8)} ${event.action === 'kept' ? s.dim('unchanged') : event.action}\n`);
        break;
      case 'ready':
        context.io.stdout(`${s.bold(event.workspace)} is running${event.port ? ` — the agent's server is at http://127.0.0.1:${event.port}` : ''}\n`);
        break;
      case 'waiting':
        break;
      case 'done':
        break;
      default:
        build(event);
    }
  };
}

function upEvents(context: CommandContext): (event: LaunchEvent) => void {
  return context.json ? (event) => context.io.stdout(`${jsonLine(event)}\n`) : launchRenderer(context);
}

async function runUp(context: CommandContext): Promise<number> {
  const target = await workspaceWithEngine(context);
  if (typeof target === 'number') return target;
  const onEvent = upEvents(context);
  return interruptible('cancelled', async (signal) => {
    try {
      await up(target.ws, { docker: target.docker, ...launchOptions(context), onEvent, signal, approveBuild: cliApprover(context) });
      return EXIT.ok;
    } catch (error) {
      if (signal.aborted) {
        context.io.stderr('Cancelled.\n');
        return EXIT.failure;
      }
      if (error instanceof LaunchError || error instanceof SecretSourceError) {
        // A failed start quotes what the containers printed, which the agent may have written.
        if (context.json) context.io.stdout(`${jsonLine({ type: 'error', code: error.code, message: error.message })}\n`);
        else context.io.stderr(`${context.style.red('✗')} ${terminalLine(error.message, { colour: context.style.enabled })}\n`);
        return EXIT.failure;
      }
      return reportImageFailure(context, error);
    }
  });
}

const upCommand: Command = {
  words: ['up'],
  args: '[WORKSPACE]',
  summary: 'Start a workspace (building what it needs); nothing changed means nothing restarted',
  options: YES_OPTION,
  maxPositionals: 1,
  run: runUp,
};

const downCommand: Command = {
  words: ['down'],
  args: '[WORKSPACE]',
  summary: "Stop and remove a workspace's containers (its volumes stay)",
  options: { volumes: { type: 'boolean', description: "also remove the workspace's volumes (agent data and cache)" } },
  maxPositionals: 1,
  async run(context) {
    const target = await workspaceWithEngine(context);
    if (typeof target === 'number') return target;
    const { ws, docker } = target;
    const result = await down(ws.name, { docker, dataDir: dataDir(context.io.env), volumes: context.options.volumes === true });
    if (context.json) context.io.stdout(`${JSON.stringify(result)}\n`);
    else if (result.removed.length === 0) context.io.stdout(`${ws.name} is not running\n`);
    else context.io.stdout(`${context.style.green('✓')} ${ws.name} stopped${result.volumesRemoved.length ? `; removed ${result.volumesRemoved.join(', ')}` : ''}\n`);
    return EXIT.ok;
  },
};

const restartCommand: Command = {
  words: ['restart'],
  args: '[WORKSPACE]',
  summary: 'Recreate a workspace from the current config',
  options: YES_OPTION,
  maxPositionals: 1,
  async run(context) {
    const target = await workspaceWithEngine(context);
    if (typeof target === 'number') return target;
    // Built (and approved) before anything stops: a refused build leaves the workspace running.
    const built = await interruptible('cancelled', async (signal) => {
      try {
        await buildWorkspace(target.ws, { docker: target.docker, cacheDir: cacheDir(context.io.env), signal, onEvent: upEvents(context), approval: approvalOptions(context) });
        return EXIT.ok;
      } catch (error) {
        if (signal.aborted) {
          context.io.stderr('Cancelled; the workspace was left as it was.\n');
          return EXIT.failure;
        }
        return reportImageFailure(context, error);
      }
    });
    if (built !== EXIT.ok) return built;
    await down(target.ws.name, { docker: target.docker, dataDir: dataDir(context.io.env) });
    return runUp(context);
  },
};

const composeCommand: Command = {
  words: ['compose'],
  args: '[WORKSPACE]',
  summary: 'Print the workspace as a Compose file (secrets as files, never values in it)',
  maxPositionals: 1,
  async run(context) {
    const ws = selectWorkspace(context);
    if (typeof ws === 'number') return ws;
    const serves = servesOpenCode(ws);
    // The engine only sharpens the file (an overlay's tag needs its base's ID); none is needed.
    const docker = await connectDocker().then((connection) => connection.docker, () => null);
    const plan = await planWorkspace(ws, docker, { cacheDir: cacheDir(context.io.env) });
    const firewall = await prepareSidecar(ws, 'firewall', { cacheDir: null });
    const dindImage = ws.dindImage ?? (ws.enableDocker ? (await prepareSidecar(ws, 'dind', { cacheDir: null })).tag : null);
    const model = workspaceModel(ws, {
      agentImage: plan.image ?? `paddock-${ws.name}:unbuilt`,
      firewallImage: firewall.tag ?? 'paddock-firewall',
      dindImage: dindImage ?? '',
      hostPort: serves && ws.exposePort ? workspacePort(ws) : null,
      passwordFile: serves ? passwordPath(dataDir(context.io.env), ws.name) : null,
      gitConfigCopy: ws.gitConfig ? writeGitConfigCopy(context.host.home, dataDir(context.io.env), ws.name) : null,
      ...launchOptions(context),
    });
    let files: Map<string, string>;
    try {
      files = writeComposeSecretFiles(model.secrets, context.io.env, dataDir(context.io.env), ws.name);
    } catch (error) {
      if (!(error instanceof SecretSourceError)) throw error;
      context.io.stderr(`${context.style.red('✗')} ${error.message.replace(/\nNothing was started\.$/, '')}\nThe Compose file gives secrets as files, so paddock compose writes the value of each secret taken from a host variable; set the variable and run it again.\n`);
      return EXIT.failure;
    }
    if (!plan.image) context.io.stdout(`# The agent image is not built yet; \`paddock build ${ws.name}\` gives it its tag.\n`);
    const policyFile = path.join(dataDir(context.io.env), 'workspaces', ws.name, 'egress');
    fs.mkdirSync(path.dirname(policyFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(policyFile, policyText(ws, hostAddresses()));
    const { composeYaml } = await import('../compose/yaml.ts');
    context.io.stdout(composeYaml(model, { files, folder: composeSecretsDir(dataDir(context.io.env), ws.name), policyFile }));
    return EXIT.ok;
  },
};

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${Math.floor(seconds % 60)}s` : `${Math.floor(seconds)}s`;
}

const statusCommand: Command = {
  words: ['status'],
  args: '[WORKSPACE]',
  summary: 'State, health, image, ports, uptime and resource use of workspaces (all when none is named)',
  maxPositionals: 1,
  async run(context) {
    const loaded = loadForCommand(context);
    if (typeof loaded === 'number') return loaded;
    const name = context.positionals[0];
    if (name !== undefined && !Object.hasOwn(loaded.config.workspaces ?? {}, name)) throw new UsageError(`there is no workspace "${name}"`);
    const docker = await engine(context);
    if (!docker) return EXIT.failure;
    const running = await listInstances(docker, name ? { workspace: name } : {});
    const names = name ? [name] : Object.keys(loaded.config.workspaces ?? {}).sort();
    const rows = await Promise.all(
      names.map(async (workspace) => {
        const instance = running.find((candidate) => candidate.workspace === workspace) ?? null;
        const agent = instance?.services.find((service) => service.service === 'agent') ?? null;
        const stats = agent && agent.state === 'running' ? await instanceStats(docker, agent.id) : null;
        return { workspace, state: instance?.state ?? 'stopped', image: agent?.image ?? null, health: agent?.health ?? null, ports: instance?.services.flatMap((service) => service.ports) ?? [], stats, services: instance?.services ?? [] };
      }),
    );
    if (context.json) {
      context.io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      return EXIT.ok;
    }
    const s = context.style;
    const paint = (state: string) => (state === 'running' ? s.green(state) : state === 'stopped' ? s.dim(state) : s.yellow(state));
    for (const row of rows) {
      context.io.stdout(`${s.bold(row.workspace.padEnd(16))} ${paint(row.state)}${row.image ? s.dim(`  ${row.image}`) : ''}\n`);
      for (const port of row.ports) context.io.stdout(`  port      http://${port.host}:${port.hostPort}\n`);
      if (row.stats) {
        const st = row.stats;
        context.io.stdout(`  uptime    ${formatUptime(st.uptimeSeconds)}\n  cpu       ${st.cpuPercent.toFixed(1)}%\n  memory    ${formatBytes(st.memory.used)} / ${formatBytes(st.memory.limit)}\n  pids      ${st.pids.current}${st.pids.limit ? ` / ${st.pids.limit}` : ''}\n  net i/o   ${formatBytes(st.network.rx)} / ${formatBytes(st.network.tx)}\n`);
      }
      if (row.state === 'unhealthy' || row.state === 'partial') context.io.stdout(`  ${s.dim(`see \`paddock logs ${row.workspace}\``)}\n`);
    }
    return EXIT.ok;
  },
};

const logsCommand: Command = {
  words: ['logs'],
  args: '[WORKSPACE]',
  summary: "Print a workspace's container logs",
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep printing new output (Ctrl-C to stop)' },
    service: { type: 'string', description: 'only this service: agent or firewall' },
    tail: { type: 'string', description: 'only the last N lines of each container' },
    since: { type: 'string', description: 'only output since then: a time (RFC 3339) or a duration ago (10m, 2h)' },
  },
  maxPositionals: 1,
  async run(context) {
    const target = await workspaceWithEngine(context);
    if (typeof target === 'number') return target;
    const { ws, docker } = target;
    const tail = typeof context.options.tail === 'string' ? Number(context.options.tail) : undefined;
    if (tail !== undefined && !Number.isInteger(tail)) throw new UsageError('--tail takes a whole number of lines');
    await interruptible('stopped', async (signal) => {
      try {
        const since = context.options.since as string | undefined;
        await instanceLogs(docker, ws.name, { follow: context.options.follow === true, tail, since, service: context.options.service as string | undefined, signal }, (line) => {
          // The agent wrote these lines: only colours may reach a terminal (see terminal-text.ts).
          if (context.json) context.io.stdout(`${jsonLine(line)}\n`);
          else context.io.stdout(`${context.style.dim(line.service.padEnd(8))} ${terminalLine(line.line, { colour: context.style.enabled })}\n`);
        });
      } catch (error) {
        if (error instanceof InstanceNotFoundError) throw new UsageError(`${ws.name} is not running; start it with \`paddock up ${ws.name}\``);
        throw error;
      }
    });
    return EXIT.ok;
  },
};

/** Runs a command in the agent container on the user's terminal, with resize. */
async function interactive(context: CommandContext, cmd: string[]): Promise<number> {
  const target = await workspaceWithEngine(context);
  if (typeof target === 'number') return target;
  const { ws, docker } = target;
  const instance = await getInstance(docker, ws.name);
  const agent = instance?.services.find((service) => service.service === 'agent' && service.state === 'running');
  if (!agent) throw new UsageError(`${ws.name} is not running; start it with \`paddock up ${ws.name}\``);
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (tty) process.stdin.setRawMode(true);
  const session = await execInInstance(docker, agent.id, { cmd, tty, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: { TERM: process.env.TERM ?? 'xterm-256color' } });
  const resize = () => session.resize(process.stdout.columns ?? 80, process.stdout.rows ?? 24);
  if (tty) {
    resize();
    process.stdout.on('resize', resize);
  }
  try {
    return await session.exitCode;
  } finally {
    if (tty) {
      process.stdout.removeListener('resize', resize);
      process.stdin.setRawMode(false);
    }
    process.stdin.pause();
  }
}

const attachCommand: Command = {
  words: ['attach'],
  args: '[WORKSPACE]',
  summary: "Attach to the agent's session (detach with Ctrl-B then D; the agent keeps running)",
  maxPositionals: 1,
  async run(context) {
    const ws = selectWorkspace(context);
    if (typeof ws === 'number') return ws;
    // OpenCode's server is not a terminal session: its clients attach over HTTP.
    if (servesOpenCode(ws)) {
      const password = passwordPath(dataDir(context.io.env), ws.name);
      throw new UsageError(
        ws.exposePort
          ? `${ws.name} runs the OpenCode server; attach with \`opencode attach http://127.0.0.1:${workspacePort(ws)}\` (its password is in ${password}), or open a shell with \`paddock shell ${ws.name}\``
          : `${ws.name} runs the OpenCode server without a published port (expose_port = false); open a shell with \`paddock shell ${ws.name}\``,
      );
    }
    return interactive(context, ['tmux', 'attach-session', '-t', AGENT_SESSION]);
  },
};

const shellCommand: Command = {
  words: ['shell'],
  args: '[WORKSPACE]',
  summary: 'Open a shell in the agent container, as the agent user',
  maxPositionals: 1,
  run: (context) => interactive(context, ['sh', '-c', 'if command -v bash >/dev/null; then exec bash -l; else exec sh -l; fi']),
};

const eventsCommand: Command = {
  words: ['events'],
  args: '[WORKSPACE]',
  summary: "Follow workspaces' container events as they happen (Ctrl-C to stop)",
  maxPositionals: 1,
  async run(context) {
    const workspace = context.positionals[0];
    const docker = await engine(context);
    if (!docker) return EXIT.failure;
    await interruptible('stopped', async (signal) => {
      const watch = watchInstances(
        docker,
        (event) => {
          if (context.json) context.io.stdout(`${JSON.stringify(event)}\n`);
          else if (event.type === 'reconnected') context.io.stdout(`${event.time}  ${context.style.yellow('reconnected to the engine; events may have been missed')}\n`);
          else context.io.stdout(`${event.time}  ${event.workspace.padEnd(16)} ${event.service.padEnd(8)} ${event.type}${event.exitCode !== undefined ? ` (exit code ${event.exitCode})` : ''}\n`);
        },
        { signal, workspace, onError: (error) => context.io.stderr(`${context.style.yellow('engine connection lost')}: ${(error as Error).message}; reconnecting…\n`) },
      );
      await watch.ready.catch(() => undefined);
      if (context.json) context.io.stdout(`${JSON.stringify({ type: 'watching', workspace: workspace ?? null })}\n`);
      await watch.done;
    });
    return EXIT.ok;
  },
};

export const WORKSPACE_COMMANDS: Command[] = [upCommand, downCommand, restartCommand, statusCommand, logsCommand, attachCommand, shellCommand, eventsCommand, composeCommand];
