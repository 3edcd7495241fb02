import { visibleControls } from '../api/terminal-text.ts';
import { editConfigFile } from '../config/edit.ts';
import { resolveWorkspace } from '../config/resolve.ts';
import { InstanceNotFoundError } from '../instances/index.ts';
import { AllowlistError, allowChange, denyChange, steerRunning, type AllowChange } from '../net/allowlist.ts';
import { netEventJson, netEvents, NET_HISTORY, type NetEvent } from '../net/log.ts';
import { PolicyNotAppliedError } from '../net/steer.ts';
import type { PaddockConfig } from '../config/schema.ts';
import type { Command, CommandContext } from './commands.ts';
import { loadForCommand } from './commands.ts';
import { engine, interruptible, workspaceWithEngine } from './image-commands.ts';
import { EXIT, UsageError } from './io.ts';

function clock(time: string | null): string {
  return time ? (/T(\d{2}:\d{2}:\d{2}(?:\.\d{3})?)/.exec(time)?.[1] ?? time) : '--:--:--';
}

/**
 * One line a person reads: when, what, the verdict, and where to. A queried name is the agent's
 * to choose, so any control character in it is shown as a symbol, never sent to the terminal.
 */
export function netEventLine(context: CommandContext, raw: NetEvent): string {
  const s = context.style;
  const event = { ...raw, name: raw.name === null ? null : visibleControls(raw.name) };
  const verdict = event.verdict === 'blocked' ? s.red('blocked') : s.green('allowed');
  const where =
    event.kind === 'dns'
      ? `${event.name ?? '?'} ${event.queryType ?? ''}${event.answers.length ? ` → ${event.answers.join(', ')}` : ''}`
      : `${event.address?.includes(':') ? `[${event.address}]` : (event.address ?? '?')}${event.port !== null ? `:${event.port}` : ''}/${event.protocol ?? 'ip'}${event.name ? ` (${event.name})` : ''}`;
  const reason = event.reason ? s.dim(` — ${event.reason}`) : '';
  return `${s.dim(clock(event.time))} ${event.kind.padEnd(7)} ${verdict} ${where}${reason}\n`;
}

const netCommand: Command = {
  words: ['net'],
  args: '[WORKSPACE]',
  summary: "Show a workspace's network log: DNS queries and refused connections",
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep printing new events (Ctrl-C to stop)' },
    blocked: { type: 'boolean', description: 'only what the firewall refused' },
  },
  maxPositionals: 1,
  async run(context) {
    const target = await workspaceWithEngine(context);
    if (typeof target === 'number') return target;
    const { ws, docker } = target;
    await interruptible('stopped', async (signal) => {
      try {
        await netEvents(docker, ws.name, { follow: context.options.follow === true, tail: context.options.follow ? NET_HISTORY : undefined, blockedOnly: context.options.blocked === true, signal }, (event) => {
          context.io.stdout(context.json ? `${netEventJson(event)}\n` : netEventLine(context, event));
        });
      } catch (error) {
        if (error instanceof InstanceNotFoundError) throw new UsageError(`${ws.name} is not running; start it with \`paddock up ${ws.name}\``);
        throw error;
      }
    });
    return EXIT.ok;
  },
};

function steerCommand(verb: 'allow' | 'deny'): Command {
  return {
    words: [verb],
    args: 'WORKSPACE NAME|*.DOMAIN|CIDR',
    summary:
      verb === 'allow'
        ? 'Let a workspace reach a host, a wildcard domain or a network: saved in the config and applied to the running firewall'
        : 'Take back an allow: removed from the config and from the running firewall; open connections stay',
    maxPositionals: 2,
    async run(context) {
      const [workspace, target] = context.positionals;
      if (!workspace || !target) throw new UsageError(`usage: paddock ${verb} WORKSPACE NAME|*.DOMAIN|CIDR`);
      const loaded = loadForCommand(context);
      if (typeof loaded === 'number') return loaded;
      if (!loaded.config.workspaces?.[workspace]) throw new UsageError(`there is no workspace "${workspace}"`);
      let change: AllowChange;
      try {
        change = (verb === 'allow' ? allowChange : denyChange)(loaded.config, workspace, target);
      } catch (error) {
        if (error instanceof AllowlistError) throw new UsageError(error.message);
        throw error;
      }
      let config: PaddockConfig = loaded.config;
      if (change.edits.length) config = editConfigFile(loaded, change.edits, context.host).config;
      const ws = resolveWorkspace(config, workspace, context.host);
      const docker = await engine(context);
      let steered = { applied: false, appliedInMs: null as number | null };
      if (docker) {
        try {
          steered = await steerRunning(docker, ws);
        } catch (error) {
          if (!(error instanceof PolicyNotAppliedError)) throw error;
          context.io.stderr(`${context.style.red('✗')} ${error.message}\n`);
          return EXIT.failure;
        }
      }
      if (context.json) {
        context.io.stdout(`${JSON.stringify({ workspace, entry: change.entry, key: change.key, changed: change.edits.length > 0, ...steered })}\n`);
        return EXIT.ok;
      }
      const done = verb === 'allow' ? 'Allowed' : 'Denied';
      const saved = change.edits.length ? `${verb === 'allow' ? 'added to' : 'removed from'} ${change.key}` : verb === 'allow' ? `already in ${change.key}` : `not in ${change.key}`;
      const live = steered.applied ? `the running firewall has it now (${((steered.appliedInMs ?? 0) / 1000).toFixed(1)} s)` : `it applies when ${workspace} starts`;
      context.io.stdout(`${context.style.green('✓')} ${done} ${change.entry} for ${workspace} (${saved}); ${live}\n`);
      return EXIT.ok;
    },
  };
}

export const NET_COMMANDS: Command[] = [netCommand, steerCommand('allow'), steerCommand('deny')];
