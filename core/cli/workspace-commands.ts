import process from 'node:process';
import { down, LaunchError, up, type LaunchEvent } from '../compose/launcher.ts';
import { stablePort, workspaceModel } from '../compose/model.ts';
import { composeYaml } from '../compose/yaml.ts';
import { connectDocker } from '../docker/connect.ts';
import { planWorkspace, prepareFirewall } from '../images/plan.ts';
import { cacheDir, dataDir } from '../config/paths.ts';
import { ensurePassword, SecretSourceError } from '../sandbox/secrets.ts';
import type { Command, CommandContext } from './commands.ts';
import { engine, progressRenderer, reportImageFailure, selectWorkspace } from './image-commands.ts';
import { EXIT } from './io.ts';

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

async function runUp(context: CommandContext): Promise<number> {
  const ws = selectWorkspace(context);
  if (typeof ws === 'number') return ws;
  const docker = await engine(context);
  if (!docker) return EXIT.failure;
  const controller = new AbortController();
  const cancel = () => controller.abort(new Error('cancelled'));
  process.once('SIGINT', cancel);
  const onEvent = context.json ? (event: LaunchEvent) => context.io.stdout(`${JSON.stringify(event)}\n`) : launchRenderer(context);
  try {
    await up(ws, { docker, ...launchOptions(context), onEvent, signal: controller.signal });
    return EXIT.ok;
  } catch (error) {
    if (controller.signal.aborted) {
      context.io.stderr('Cancelled.\n');
      return EXIT.failure;
    }
    if (error instanceof LaunchError || error instanceof SecretSourceError) {
      if (context.json) context.io.stdout(`${JSON.stringify({ type: 'error', code: error.code, message: error.message })}\n`);
      else context.io.stderr(`${context.style.red('✗')} ${error.message}\n`);
      return EXIT.failure;
    }
    return reportImageFailure(context, error);
  } finally {
    process.removeListener('SIGINT', cancel);
  }
}

const upCommand: Command = {
  words: ['up'],
  args: '[WORKSPACE]',
  summary: 'Start a workspace (building what it needs); nothing changed means nothing restarted',
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
    const ws = selectWorkspace(context);
    if (typeof ws === 'number') return ws;
    const docker = await engine(context);
    if (!docker) return EXIT.failure;
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
  maxPositionals: 1,
  async run(context) {
    const ws = selectWorkspace(context);
    if (typeof ws === 'number') return ws;
    const docker = await engine(context);
    if (!docker) return EXIT.failure;
    await down(ws.name, { docker, dataDir: dataDir(context.io.env) });
    return runUp(context);
  },
};

const composeCommand: Command = {
  words: ['compose'],
  args: '[WORKSPACE]',
  summary: 'Print the workspace as a Compose file (secrets as references, never values)',
  maxPositionals: 1,
  async run(context) {
    const ws = selectWorkspace(context);
    if (typeof ws === 'number') return ws;
    const serves = !ws.command && ws.agent === 'opencode';
    // The engine only sharpens the file (an overlay's tag needs its base's ID); none is needed.
    const docker = await connectDocker().then((connection) => connection.docker, () => null);
    const plan = await planWorkspace(ws, docker, { cacheDir: cacheDir(context.io.env) });
    const firewall = await prepareFirewall(ws, { cacheDir: null });
    const model = workspaceModel(ws, {
      agentImage: plan.image ?? `paddock-${ws.name}:unbuilt`,
      firewallImage: firewall.tag ?? 'paddock-firewall',
      hostPort: serves && ws.exposePort ? stablePort(ws.name) : null,
      passwordFile: serves ? ensurePassword(dataDir(context.io.env), ws.name) : null,
      ...launchOptions(context),
    });
    if (!plan.image) context.io.stdout(`# The agent image is not built yet; \`paddock build ${ws.name}\` gives it its tag.\n`);
    context.io.stdout(composeYaml(model));
    return EXIT.ok;
  },
};

export const WORKSPACE_COMMANDS: Command[] = [upCommand, downCommand, restartCommand, composeCommand];
