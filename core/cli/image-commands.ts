import process from 'node:process';
import type Docker from 'dockerode';
import type { LoadedConfig } from '../config/load.ts';
import { cacheDir, dataDir, displayPath } from '../config/paths.ts';
import { resolveWorkspace, workspaceForPath, type ResolvedWorkspace } from '../config/resolve.ts';
import { connectDocker, DockerConnectionError } from '../docker/connect.ts';
import { BuildApprovalError, type BuildApprovalRequest } from '../images/approval.ts';
import { BuildError, buildWorkspace, type BuildEvent } from '../images/build.ts';
import { imageLayers, type ImageLayers } from '../images/layers.ts';
import { planWorkspace, prepareSteps, tagPlan, type StepKind } from '../images/plan.ts';
import { DockerfileSourceError } from '../images/source.ts';
import type { Command, CommandContext } from './commands.ts';
import { loadForCommand } from './commands.ts';
import { EXIT, UsageError, type Style } from './io.ts';
import { jsonLine, terminalLine, terminalSafe } from '../api/terminal-text.ts';

/** The named workspace, or the one the current folder belongs to. */
export function selectWorkspace(context: CommandContext, loaded: LoadedConfig | number = loadForCommand(context)): ResolvedWorkspace | number {
  if (typeof loaded === 'number') return loaded;
  const names = Object.keys(loaded.config.workspaces ?? {}).sort();
  const name = context.positionals[0] ?? workspaceForPath(loaded.config, context.io.cwd, context.host.home);
  if (!names.includes(name)) {
    throw new UsageError(
      context.positionals[0]
        ? `there is no workspace "${name}"${names.length ? ` (workspaces: ${names.join(', ')})` : ''}`
        : `the current folder is in no workspace; name one${names.length ? ` (${names.join(', ')})` : ''}`,
    );
  }
  return resolveWorkspace(loaded.config, name, context.host);
}

export async function engine(context: CommandContext) {
  try {
    return (await connectDocker()).docker;
  } catch (error) {
    if (error instanceof DockerConnectionError) {
      context.io.stderr(`${error.message}\nRun \`paddock doctor\` for details.\n`);
      return null;
    }
    throw error;
  }
}

/** The selected workspace and a connected engine, or the exit code when either is missing. */
export async function workspaceWithEngine(context: CommandContext): Promise<{ ws: ResolvedWorkspace; docker: Docker } | number> {
  const ws = selectWorkspace(context);
  if (typeof ws === 'number') return ws;
  const docker = await engine(context);
  return docker ? { ws, docker } : EXIT.failure;
}

/** Runs long work that Ctrl-C cancels through the signal it is given. */
export async function interruptible<T>(reason: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const cancel = () => controller.abort(new Error(reason));
  process.once('SIGINT', cancel);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', cancel);
  }
}

function imageOptions(context: CommandContext) {
  return { cacheDir: cacheDir(context.io.env) };
}

/** The option of up, restart and build that approves a build from files an agent can write. */
export const YES_OPTION = {
  yes: { type: 'boolean', short: 'y', description: 'approve building from files an agent can write, after reviewing the change shown' },
} as const;

/** What changed since the last approved build: the Dockerfile's diff and the context files. */
function printReview(context: CommandContext, request: BuildApprovalRequest): void {
  const s = context.style;
  const out = (text: string) => context.io.stdout(text);
  for (const step of request.steps) {
    const where = displayPath(step.writable, context.host.home);
    out(`\n${s.yellow('!')} ${s.bold(`${step.kind === 'overlay' ? 'Overlay' : '[base]'} Dockerfile ${displayPath(step.source, context.host.home)}`)} lies in ${where}, which an agent can write.\n`);
    out(step.firstBuild ? '  It was never approved. Its text:\n' : '  It changed since the build you last approved.\n');
    for (const line of step.dockerfileDiff.split('\n').filter(Boolean)) {
      out(`  ${line.startsWith('+') && !line.startsWith('+++') ? s.green(line) : line.startsWith('-') && !line.startsWith('---') ? s.red(line) : line}\n`);
    }
    const files = [...step.files.added.map((file) => `added    ${file}`), ...step.files.changed.map((file) => `changed  ${file}`), ...step.files.removed.map((file) => `removed  ${file}`)];
    if (files.length) out(`  Context files it copies (${displayPath(step.context ?? '', context.host.home)}):\n${files.slice(0, 50).map((line) => `    ${line}\n`).join('')}${files.length > 50 ? `    … and ${files.length - 50} more\n` : ''}`);
  }
  out('\n');
}

/**
 * The CLI's approval of a build from files an agent can write: the change is printed, then
 * `--yes` accepts it, a terminal is asked, and with neither the build is refused.
 */
export function cliApprover(context: CommandContext): (request: BuildApprovalRequest) => Promise<boolean> {
  return async (request) => {
    if (context.json) {
      context.io.stdout(`${JSON.stringify({ type: 'approval-required', ...request })}\n`);
      return context.options.yes === true;
    }
    printReview(context, request);
    if (context.options.yes === true) return true;
    if (!context.io.ask) return false;
    const answer = await context.io.ask(`Build ${request.workspace} from these files? [y/N] `);
    return /^\s*y(es)?\s*$/i.test(answer);
  };
}

export function approvalOptions(context: CommandContext) {
  return { dataDir: dataDir(context.io.env), approve: cliApprover(context) };
}

/** Failures a user can act on, printed as such (exit 1); anything else is a bug and keeps its stack. */
export function reportImageFailure(context: CommandContext, error: unknown): number {
  if (error instanceof BuildApprovalError) {
    const refusal = context.io.ask ? 'not approved; nothing was built' : 'nothing was built: run the command again with --yes once you have reviewed the change';
    if (context.json) context.io.stdout(`${JSON.stringify({ type: 'error', code: error.code, message: `${error.message}; ${refusal}`, request: error.request })}\n`);
    else context.io.stderr(`${context.style.red('✗')} ${error.message}; ${refusal}\n`);
    return EXIT.failure;
  }
  if (error instanceof DockerfileSourceError) {
    if (context.json) context.io.stdout(`${JSON.stringify({ type: 'error', code: error.code, message: error.message })}\n`);
    else context.io.stderr(`${context.style.red('✗')} ${error.message}\n`);
    return EXIT.failure;
  }
  if (error instanceof BuildError) {
    if (context.json) {
      const { tag, step, instruction, line, source, output } = error;
      context.io.stdout(`${jsonLine({ type: 'error', message: error.message, tag, step, instruction, source, line, output })}\n`);
    } else {
      const s = context.style;
      // The Dockerfile and what its steps print may be the agent's: only colours reach the terminal.
      const safe = (text: string) => terminalLine(text, { colour: s.enabled });
      context.io.stderr(`\n${s.red('✗')} ${s.bold(`Building ${error.tag} failed`)}${error.step ? ` at step ${error.step}` : ''}\n`);
      if (error.instruction) context.io.stderr(`  ${error.line ? `${error.source}:${error.line}: ` : ''}${s.bold(safe(error.instruction))}\n`);
      for (const line of error.output) context.io.stderr(`  ${s.dim('│')} ${safe(line)}\n`);
      context.io.stderr(`  ${safe(error.message.split('\n').slice(1).join('\n  '))}\n`);
    }
    return EXIT.failure;
  }
  throw error;
}

const plan: Command = {
  words: ['plan'],
  args: '[WORKSPACE]',
  summary: 'Show which images a workspace needs and their tags, without building or pulling',
  maxPositionals: 1,
  async run(context) {
    const ws = selectWorkspace(context);
    if (typeof ws === 'number') return ws;
    // The engine only sharpens the plan (an overlay's tag needs its base's ID); none is needed.
    const docker = await connectDocker().then((c) => c.docker, () => null);
    let result: Awaited<ReturnType<typeof planWorkspace>>;
    try {
      result = await planWorkspace(ws, docker, imageOptions(context));
    } catch (error) {
      return reportImageFailure(context, error);
    }
    if (context.json) {
      context.io.stdout(`${JSON.stringify({ workspace: result.workspace, image: result.image, steps: result.steps, warnings: result.warnings }, null, 2)}\n`);
      return EXIT.ok;
    }
    const s = context.style;
    const show = (p: string | null) => (p ? displayPath(p, context.host.home) : s.dim('(empty)'));
    context.io.stdout(`${s.bold(result.workspace)} runs ${result.image ?? s.yellow('an image that needs its base built first')}\n`);
    if (result.steps.length === 0) context.io.stdout('  used as is: nothing to build\n');
    result.steps.forEach((step, i) => {
      context.io.stdout(`  ${i + 1}. ${step.kind.padEnd(8)} ${step.tag ?? s.yellow('(tag known once the base is built)')}\n`);
      context.io.stdout(`     ${s.dim('from')} ${show(step.source)}${step.base ? ` ${s.dim('on')} ${step.base}` : ''}${step.kind !== 'embedded' ? ` ${s.dim('context')} ${show(step.context)}` : ''}\n`);
    });
    for (const warning of result.warnings) context.io.stderr(`${s.yellow('warning')}: ${warning}\n`);
    return EXIT.ok;
  },
};

/** Draws a build's progress: one line per image, redrawn in place on a terminal. */
export function progressRenderer(context: CommandContext): (event: BuildEvent) => void {
  const s = context.style;
  const { interactive } = context.io;
  let live = false;
  let image: { kind: StepKind; tag: string; step: number; steps: number; instruction: string; cached: boolean } | null = null;
  const bar = (done: number, total: number) => {
    const width = 20;
    const filled = total ? Math.round((done / total) * width) : 0;
    return `${'█'.repeat(filled)}${s.dim('░'.repeat(width - filled))}`;
  };
  const draw = () => {
    if (!image || !interactive) return;
    const columns = process.stdout.columns || 100;
    const text = `${image.kind.padEnd(8)} ${bar(image.step, image.steps)} ${`${image.step}/${image.steps}`.padStart(5)} ${image.instruction}`;
    context.io.stdout(`\r\u001b[2K${text.slice(0, columns + 40)}`);
    live = true;
  };
  const endLine = () => {
    if (live) context.io.stdout('\r\u001b[2K');
    live = false;
  };
  return (event) => {
    switch (event.type) {
      case 'image-skip':
        endLine();
        context.io.stdout(`${s.green('✓')} ${event.kind.padEnd(8)} ${event.tag} ${s.dim('(up to date)')}\n`);
        break;
      case 'image-start':
        endLine();
        image = { kind: event.kind, tag: event.tag, step: 0, steps: event.steps, instruction: 'sending the context', cached: false };
        if (!interactive) context.io.stdout(`${s.bold('▶')} ${event.kind} ${event.tag} (${event.contextFiles} context files)\n`);
        draw();
        break;
      case 'step': {
        // Paddock's own labels run as the last steps; they are not the user's instructions.
        const ours = /^LABEL dev\.paddock\./.test(event.instruction);
        const instruction = terminalSafe(event.instruction, { colour: false });
        if (image) Object.assign(image, { step: event.step, steps: event.steps, instruction: ours ? 'labelling the image' : instruction, cached: false });
        if (!interactive && !ours) context.io.stdout(`  ${event.step}/${event.steps} ${instruction}\n`);
        draw();
        break;
      }
      case 'pull':
        if (image && interactive) {
          image.instruction = `pulling ${event.image}${event.total ? ` ${Math.round(((event.current ?? 0) / event.total) * 100)}%` : ''}`;
          draw();
        }
        break;
      case 'image-done':
        endLine();
        context.io.stdout(`${s.green('✓')} ${event.kind.padEnd(8)} ${event.tag} ${s.dim(`(built in ${(event.durationMs / 1000).toFixed(1)} s)`)}\n`);
        image = null;
        break;
      case 'warning':
        endLine();
        context.io.stderr(`${s.yellow('warning')}: ${event.message}\n`);
        break;
      case 'done':
        endLine();
        context.io.stdout(`${s.bold(event.image)} is ready${event.built.length ? '' : s.dim(' (nothing to build)')}\n`);
        break;
      default:
        break;
    }
  };
}

const build: Command = {
  words: ['build'],
  args: '[WORKSPACE]',
  summary: 'Build the images a workspace needs; what is up to date is skipped',
  options: {
    rebuild: { type: 'boolean', description: 'build even when an image with the same content hash exists' },
    pull: { type: 'boolean', description: 'pull FROM images again (implies --rebuild)' },
    ...YES_OPTION,
  },
  maxPositionals: 1,
  async run(context) {
    const target = await workspaceWithEngine(context);
    if (typeof target === 'number') return target;
    const onEvent = context.json ? (event: BuildEvent) => context.io.stdout(`${jsonLine(event)}\n`) : progressRenderer(context);
    return interruptible('build cancelled', async (signal) => {
      try {
        await buildWorkspace(target.ws, {
          docker: target.docker,
          ...imageOptions(context),
          rebuild: context.options.rebuild === true,
          pull: context.options.pull === true,
          signal,
          onEvent,
          approval: approvalOptions(context),
        });
        return EXIT.ok;
      } catch (error) {
        if (signal.aborted) {
          context.io.stderr('Build cancelled; existing images were left as they were.\n');
          return EXIT.failure;
        }
        return reportImageFailure(context, error);
      }
    });
  },
};

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatLayers(result: ImageLayers, s: Style, show: (p: string) => string): string {
  let out = `${s.bold(result.image)} ${s.dim(result.id.slice(7, 19))}  ${formatSize(result.size)} in ${result.layers.length} layers\n`;
  out += `${result.parts.map((part) => `${part.part} ${formatSize(part.size)} (${part.layers})`).join(s.dim(' → '))}\n\n`;
  for (const layer of [...result.layers].reverse()) {
    const where = layer.line ? s.dim(` ${show(layer.source ?? '')}:${layer.line}`) : '';
    out += `${formatSize(layer.size).padStart(10)}  ${layer.part.padEnd(8)}  ${layer.instruction.replace(/\s+/g, ' ').slice(0, 100)}${where}\n`;
  }
  return out;
}

const layers: Command = {
  words: ['layers'],
  args: '[WORKSPACE|IMAGE]',
  summary: "List an image's layers, grouped into upstream, embedded base, preset and overlay",
  maxPositionals: 1,
  async run(context) {
    const target = context.positionals[0];
    const loaded = loadForCommand(context);
    if (typeof loaded === 'number') return loaded;
    const isWorkspace = target === undefined || Object.hasOwn(loaded.config.workspaces ?? {}, target);
    const docker = await engine(context);
    if (!docker) return EXIT.failure;
    let reference = target ?? '';
    const known = [];
    if (isWorkspace) {
      const ws = selectWorkspace(context, loaded);
      if (typeof ws === 'number') return ws;
      let planned: Awaited<ReturnType<typeof planWorkspace>>;
      try {
        const prepared = await prepareSteps(ws, imageOptions(context));
        planned = await tagPlan(ws, prepared, docker);
        known.push(...prepared.steps.map((step) => ({ text: step.dockerfile, source: step.source, userLine: step.userLine })));
      } catch (error) {
        return reportImageFailure(context, error);
      }
      if (!planned.image) throw new UsageError(`workspace "${ws.name}" has no image yet; run \`paddock build ${ws.name}\` first`);
      reference = planned.image;
    }
    let result: ImageLayers;
    try {
      result = await imageLayers(docker, reference, known);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        throw new UsageError(`there is no local image ${reference}${isWorkspace ? `; run \`paddock build ${context.positionals[0] ?? ''}\` first`.replace(' `', '`') : ''}`);
      }
      throw error;
    }
    if (context.json) context.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else context.io.stdout(formatLayers(result, context.style, (p) => displayPath(p, context.host.home)));
    return EXIT.ok;
  },
};

export const IMAGE_COMMANDS: Command[] = [plan, build, layers];
