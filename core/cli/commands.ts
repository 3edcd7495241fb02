import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/edit.ts';
import { ConfigError, formatIssue, type ConfigIssue } from '../config/errors.ts';
import { convertJailocConfig } from '../config/jailoc.ts';
import { checkConfig, loadConfig, nodeHost, type LoadedConfig } from '../config/load.ts';
import { configFilePath, displayPath, homeDir } from '../config/paths.ts';
import { resolveWorkspace, type ResolvedWorkspace } from '../config/resolve.ts';
import type { HostView } from '../config/schema.ts';
import { DEFAULT_CONFIG_TEXT } from '../config/template.ts';
import { runDoctor, type DoctorReport } from '../docker/doctor.ts';
import { EXIT, UsageError, style, type CliIO, type Style } from './io.ts';

export interface CommandContext {
  io: CliIO;
  json: boolean;
  configFile: string;
  host: HostView;
  style: Style;
  positionals: string[];
  options: Record<string, string | boolean | undefined>;
}

export interface Command {
  /** Words that select the command (`["config", "check"]`). */
  words: string[];
  args: string;
  summary: string;
  options?: Record<string, { type: 'string' | 'boolean'; description: string; short?: string }>;
  maxPositionals: number;
  run(context: CommandContext): Promise<number>;
}

export function contextFor(io: CliIO, values: Record<string, string | boolean | undefined>, positionals: string[]): CommandContext {
  const home = homeDir(io.env);
  return {
    io,
    json: values.json === true,
    configFile: configFilePath(typeof values.config === 'string' ? values.config : undefined, io.env),
    host: nodeHost(home),
    style: style(io.color && values['no-color'] !== true),
    positionals,
    options: values,
  };
}

function printJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

function issueLine(context: CommandContext, issue: ConfigIssue, level: 'error' | 'warning'): string {
  const label = level === 'error' ? context.style.red('error') : context.style.yellow('warning');
  return `${label}: ${formatIssue(displayPath(context.configFile, context.host.home), issue)}\n`;
}

/** Loads the config for a command; a config problem is printed and becomes exit code 2. */
export function loadForCommand(context: CommandContext): LoadedConfig | number {
  try {
    const loaded = loadConfig(context.configFile, { host: context.host });
    if (loaded.created && !context.json) {
      context.io.stderr(`Created a default config at ${displayPath(loaded.file, context.host.home)}\n`);
    }
    return loaded;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (context.json) printJson(context.io, { ok: false, file: error.file, errors: error.issues, warnings: [] });
    else for (const issue of error.issues) context.io.stderr(issueLine(context, issue, 'error'));
    return EXIT.badInput;
  }
}

function resolveAll(loaded: LoadedConfig, context: CommandContext, only?: string): ResolvedWorkspace[] {
  const names = Object.keys(loaded.config.workspaces ?? {}).sort();
  if (only !== undefined && !names.includes(only)) {
    throw new UsageError(`there is no workspace "${only}" in ${displayPath(loaded.file, context.host.home)}${names.length ? ` (workspaces: ${names.join(', ')})` : ''}`);
  }
  return (only === undefined ? names : [only]).map((name) => resolveWorkspace(loaded.config, name, context.host));
}

/** One line on where a workspace's image comes from; `show` folds host paths for display. */
export function imageSummary(workspace: ResolvedWorkspace, show: (source: string) => string = (source) => source): string {
  if (workspace.image) return `image ${workspace.image}`;
  const base = workspace.defaultsImage
    ? `image ${workspace.defaultsImage}`
    : workspace.base.dockerfile
      ? `preset ${show(workspace.base.dockerfile)}`
      : `embedded (${workspace.base.variant}, from ${workspace.base.from})`;
  return workspace.dockerfile ? `overlay ${show(workspace.dockerfile)} on ${base}` : base;
}

const configPath: Command = {
  words: ['config', 'path'],
  args: '',
  summary: 'Print where the config file is',
  maxPositionals: 0,
  async run(context) {
    const exists = fs.existsSync(context.configFile);
    if (context.json) printJson(context.io, { file: context.configFile, exists });
    else context.io.stdout(`${context.configFile}\n`);
    return EXIT.ok;
  },
};

const configCheck: Command = {
  words: ['config', 'check'],
  args: '',
  summary: 'Validate the config file',
  maxPositionals: 0,
  async run(context) {
    const result = checkConfig(context.configFile, { host: context.host });
    if (context.json) {
      printJson(context.io, result);
    } else {
      for (const issue of result.errors) context.io.stderr(issueLine(context, issue, 'error'));
      for (const issue of result.warnings) context.io.stderr(issueLine(context, issue, 'warning'));
      const where = displayPath(result.file, context.host.home);
      if (result.ok) context.io.stdout(`${context.style.green('✓')} ${where} is valid${result.warnings.length ? ` (${result.warnings.length} warning${result.warnings.length > 1 ? 's' : ''})` : ''}\n`);
      else context.io.stderr(`${context.style.red('✗')} ${where} has ${result.errors.length} problem${result.errors.length > 1 ? 's' : ''}\n`);
    }
    return result.ok ? EXIT.ok : EXIT.badInput;
  },
};

const configShow: Command = {
  words: ['config', 'show'],
  args: '[WORKSPACE]',
  summary: 'Show workspaces as resolved against [defaults] (secrets by reference, never values)',
  maxPositionals: 1,
  async run(context) {
    const loaded = loadForCommand(context);
    if (typeof loaded === 'number') return loaded;
    const workspaces = resolveAll(loaded, context, context.positionals[0]);
    if (context.json) {
      printJson(context.io, { file: loaded.file, workspaces, warnings: loaded.warnings });
      return EXIT.ok;
    }
    const { bold, dim } = context.style;
    const home = context.host.home;
    const show = (source: string) => displayPath(source, home);
    const list = (items: string[]) => (items.length ? items.join(', ') : dim('none'));
    const column = (items: string[]) => (items.length ? items.join(`\n${' '.repeat(20)}`) : dim('none'));
    for (const ws of workspaces) {
      const lines: Array<[string, string]> = [
        ['paths', column(ws.paths.map(show))],
        ['image', imageSummary(ws, show)],
        ['agent', ws.command ? `${ws.agent} (command: ${ws.command.join(' ')})` : ws.agent],
        ['limits', `${ws.cpu} CPU, ${ws.memory} memory`],
        ['egress', `${ws.egress}; hosts: ${list(ws.allowedHosts)}; networks: ${list(ws.allowedNetworks)}`],
        ['docker networks', list(ws.networks)],
        ['env', column(ws.env.map(([key, value]) => `${key}=${value}`))],
        ['secrets', column(ws.secrets.map((s) => `${s.name} (${s.destination}, from ${s.source.kind === 'env' ? `$${s.source.variable}` : show(s.source.path)})`))],
        ['mounts', column(ws.mounts.map((m) => `${show(m.host)} → ${m.container}${m.readOnly ? ' (ro)' : ''}${m.optional ? dim(' (if it exists)') : ''}`))],
        ['options', `ssh agent ${onOff(ws.sshAuthSock)}, git config ${onOff(ws.gitConfig)}, port ${onOff(ws.exposePort)}, docker ${onOff(ws.enableDocker)}`],
      ];
      context.io.stdout(`${bold(ws.name)}\n${lines.map(([key, value]) => `  ${key.padEnd(18)}${value}\n`).join('')}`);
    }
    for (const warning of loaded.warnings) context.io.stderr(issueLine(context, warning, 'warning'));
    return EXIT.ok;
  },
};

function onOff(value: boolean): string {
  return value ? 'on' : 'off';
}

const configImportJailoc: Command = {
  words: ['config', 'import-jailoc'],
  args: '[FILE]',
  summary: 'Convert a jailoc config (default ~/.config/jailoc/config.toml) into the Paddock config',
  options: {
    'dry-run': { type: 'boolean', description: 'print the converted config instead of writing it' },
    force: { type: 'boolean', description: 'replace an existing Paddock config (the old one is kept as config.toml.bak)' },
  },
  maxPositionals: 1,
  async run(context) {
    const source = path.resolve(context.io.cwd, context.positionals[0] ?? path.join(context.host.home, '.config', 'jailoc', 'config.toml'));
    let text: string;
    try {
      text = fs.readFileSync(source, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the jailoc config ${displayPath(source, context.host.home)}: ${(error as Error).message}`);
    }
    let converted: ReturnType<typeof convertJailocConfig>;
    try {
      converted = convertJailocConfig(text, source, context.host);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (context.json) printJson(context.io, { ok: false, file: source, errors: error.issues, warnings: [] });
      else {
        for (const issue of error.issues) context.io.stderr(`${context.style.red('error')}: ${formatIssue(displayPath(source, context.host.home), issue)}\n`);
        context.io.stderr('The jailoc config has problems Paddock does not accept; fix them in the jailoc file and import again. Nothing was written.\n');
      }
      return EXIT.badInput;
    }
    const target = context.configFile;
    if (context.options['dry-run']) {
      if (context.json) printJson(context.io, { ok: true, file: target, written: false, notes: converted.notes, text: converted.text });
      else context.io.stdout(converted.text);
      return EXIT.ok;
    }
    const existing = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (existing !== null && existing !== DEFAULT_CONFIG_TEXT) {
      if (!context.options.force) {
        throw new UsageError(`${displayPath(target, context.host.home)} already exists; pass --force to replace it (a backup is kept), or --dry-run to see the result`);
      }
      writeFileAtomic(`${target}.bak`, existing);
    }
    writeFileAtomic(target, converted.text, existing ?? undefined);
    if (context.json) printJson(context.io, { ok: true, file: target, written: true, notes: converted.notes });
    else {
      context.io.stdout(`${context.style.green('✓')} Imported ${displayPath(source, context.host.home)} into ${displayPath(target, context.host.home)}\n`);
      for (const note of converted.notes) context.io.stdout(`  - ${note}\n`);
    }
    return EXIT.ok;
  },
};

const workspaces: Command = {
  words: ['workspaces'],
  args: '',
  summary: 'List the configured workspaces',
  maxPositionals: 0,
  async run(context) {
    const loaded = loadForCommand(context);
    if (typeof loaded === 'number') return loaded;
    const resolved = resolveAll(loaded, context);
    if (context.json) {
      printJson(
        context.io,
        resolved.map((ws) => ({ name: ws.name, paths: ws.paths, agent: ws.agent, image: imageSummary(ws) })),
      );
      return EXIT.ok;
    }
    if (resolved.length === 0) {
      context.io.stdout(`No workspaces yet. Add a [workspaces.<name>] table to ${displayPath(loaded.file, context.host.home)}.\n`);
      return EXIT.ok;
    }
    const home = context.host.home;
    const width = Math.max(...resolved.map((ws) => ws.name.length), 4);
    context.io.stdout(`${context.style.bold(`${'NAME'.padEnd(width)}  AGENT     PATHS`)}\n`);
    for (const ws of resolved) {
      const paths = ws.paths.length ? ws.paths.map((p) => displayPath(p, home)).join(', ') : context.style.dim('(no paths)');
      context.io.stdout(`${ws.name.padEnd(width)}  ${ws.agent.padEnd(8)}  ${paths}\n${' '.repeat(width + 12)}${context.style.dim(imageSummary(ws, (source) => displayPath(source, home)))}\n`);
    }
    return EXIT.ok;
  },
};

const doctor: Command = {
  words: ['doctor'],
  args: '',
  summary: 'Check the Docker engine and whether it can run the sandbox',
  options: { 'probe-image': { type: 'string', description: 'probe the firewall with this local image (it needs iptables)' } },
  maxPositionals: 0,
  async run(context) {
    const probeImage = typeof context.options['probe-image'] === 'string' ? context.options['probe-image'] : undefined;
    const report = await runDoctor({ probeImage });
    if (context.json) printJson(context.io, report);
    else context.io.stdout(formatDoctor(report, context.style));
    return report.ok ? EXIT.ok : EXIT.failure;
  },
};

export function formatDoctor(report: DoctorReport, s: Style): string {
  const mark = { ok: s.green('✓'), warn: s.yellow('!'), fail: s.red('✗'), skip: s.dim('-') } as const;
  let out = '';
  if (report.engine) {
    const e = report.engine;
    out += `${s.bold('Engine')}  ${e.product} ${e.version} (API ${e.apiVersion}), ${e.os}/${e.arch}, ${e.operatingSystem}\n`;
    out += `        storage ${e.storageDriver || '?'}, cgroup v${e.cgroupVersion || '?'}${e.rootless ? ', rootless' : ''}\n\n`;
  }
  for (const check of report.checks) {
    out += `${mark[check.status]} ${check.title}: ${check.detail}\n`;
    if (check.hint && check.status !== 'ok') out += `  ${s.dim(`→ ${check.hint}`)}\n`;
  }
  out += report.ok ? `\n${s.green('Ready to run Paddock workspaces.')}\n` : `\n${s.red('This engine cannot run Paddock workspaces yet; see above.')}\n`;
  return out;
}

export const ENGINE_COMMANDS: Command[] = [doctor, workspaces];
export const CONFIG_COMMANDS: Command[] = [configPath, configCheck, configShow, configImportJailoc];
