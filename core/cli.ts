import process from 'node:process';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CONFIG_COMMANDS, ENGINE_COMMANDS, contextFor, type Command } from './cli/commands.ts';
import { IMAGE_COMMANDS } from './cli/image-commands.ts';
import { LINT_COMMANDS } from './cli/lint-commands.ts';
import { NET_COMMANDS } from './cli/net-commands.ts';
import { SERVE_COMMANDS } from './cli/serve-command.ts';
import { WORKSPACE_COMMANDS } from './cli/workspace-commands.ts';
import { EXIT, UsageError, processIO, style, type CliIO } from './cli/io.ts';
import { ConfigConflictError } from './config/errors.ts';
import { closest } from './config/suggest.ts';
import { VERSION } from './version.ts';

/** In the order `paddock --help` lists them. */
const COMMANDS: Command[] = [...WORKSPACE_COMMANDS, ...NET_COMMANDS, ...ENGINE_COMMANDS, ...IMAGE_COMMANDS, ...LINT_COMMANDS, ...CONFIG_COMMANDS, ...SERVE_COMMANDS];

const GLOBAL_OPTIONS = {
  config: { type: 'string', description: 'use this config file (default: $PADDOCK_CONFIG, else ~/.config/paddock/config.toml)' },
  json: { type: 'boolean', description: 'print machine-readable JSON' },
  'no-color': { type: 'boolean', description: 'print without colours (NO_COLOR works too)' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
} as const;

/** Flags that take a value: the word after them is that value, not a command word. */
const VALUE_FLAGS = new Set(
  [GLOBAL_OPTIONS, ...COMMANDS.map((command) => command.options ?? {})].flatMap((options) =>
    Object.entries(options).flatMap(([name, spec]) => (spec.type === 'string' ? [`--${name}`, ...('short' in spec ? [`-${spec.short}`] : [])] : [])),
  ),
);

/** The positions of the words that are not options or option values. */
function wordPositions(args: string[]): number[] {
  const positions: number[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    if (VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) positions.push(i);
  }
  return positions;
}

function findCommand(args: string[]): { command: Command; rest: string[] } | null {
  const positions = wordPositions(args);
  const words = positions.map((i) => args[i]);
  for (const command of COMMANDS) {
    if (command.words.every((word, i) => words[i] === word)) {
      const used = new Set(positions.slice(0, command.words.length));
      return { command, rest: args.filter((_, i) => !used.has(i)) };
    }
  }
  return null;
}

function usage(command?: Command): string {
  const s = style(false);
  if (command) {
    const options = { ...command.options, ...GLOBAL_OPTIONS };
    const lines = Object.entries(options).map(([name, spec]) => {
      const flag = `${'short' in spec ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' VALUE' : ''}`;
      return `  ${flag.padEnd(24)}${spec.description}`;
    });
    return `${command.summary}.\n\nUsage: paddock ${command.words.join(' ')}${command.args ? ` ${command.args}` : ''} [options]\n\nOptions:\n${lines.join('\n')}\n`;
  }
  const rows = COMMANDS.map((c) => `  ${`${c.words.join(' ')}${c.args ? ` ${c.args}` : ''}`.padEnd(30)}${c.summary}`);
  return (
    `${s.bold('Paddock')} runs AI coding agents in sandboxed Docker workspaces.\n\n` +
    `Usage: paddock <command> [options]\n\nCommands:\n${rows.join('\n')}\n\n` +
    `Options for every command:\n${Object.entries(GLOBAL_OPTIONS)
      .map(([name, spec]) => `  ${`${'short' in spec ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' VALUE' : ''}`.padEnd(30)}${spec.description}`)
      .join('\n')}\n  ${'--version'.padEnd(30)}print the version\n\n` +
    'Run `paddock <command> --help` for a command\'s options. Exit codes: 0 success, 1 failure, 2 bad input.\n'
  );
}

/** Runs the CLI and returns its exit code; never calls process.exit, so it can be embedded and tested. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v' || (argv.includes('--version') && wordPositions(argv).length === 0)) {
    io.stdout(`paddock ${VERSION}\n`);
    return EXIT.ok;
  }
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const found = argv[0] === 'help' ? findCommand(argv.slice(1)) : null;
    io.stdout(usage(found?.command));
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const words = wordPositions(argv).map((i) => argv[i] ?? '');
    const known = [...new Set(COMMANDS.map((c) => c.words.slice(0, words.length > 1 ? 2 : 1).join(' ')))];
    const attempted = words.slice(0, 2).join(' ');
    const hint = closest(attempted, known) ?? closest(words[0] ?? '', known);
    io.stderr(`paddock: unknown command "${attempted}"${hint ? `; did you mean "paddock ${hint}"?` : ''}\nRun \`paddock --help\` for the commands.\n`);
    return EXIT.badInput;
  }
  const { command, rest } = found;
  const options = { ...GLOBAL_OPTIONS, ...command.options } as NonNullable<ParseArgsConfig['options']>;
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    const hint = unknown ? closest(unknown.replace(/^-+/, ''), Object.keys(options)) : null;
    io.stderr(`paddock ${command.words.join(' ')}: ${(error as Error).message}${hint ? `; did you mean --${hint}?` : ''}\n`);
    return EXIT.badInput;
  }
  if (parsed.values.help) {
    io.stdout(usage(command));
    return EXIT.ok;
  }
  if (parsed.positionals.length > command.maxPositionals) {
    io.stderr(`paddock ${command.words.join(' ')}: unexpected argument "${parsed.positionals[command.maxPositionals]}"\nUsage: paddock ${command.words.join(' ')} ${command.args}\n`);
    return EXIT.badInput;
  }
  try {
    return await command.run(contextFor(io, parsed.values, parsed.positionals));
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigConflictError) {
      io.stderr(`paddock ${command.words.join(' ')}: ${error.message}\n`);
      return EXIT.badInput;
    }
    const err = error as Error;
    io.stderr(`paddock ${command.words.join(' ')}: ${err.message}\n`);
    if (io.env.PADDOCK_DEBUG) io.stderr(`${err.stack}\n`);
    return EXIT.failure;
  }
}

if ((import.meta as { main?: boolean }).main) {
  process.exitCode = await main(process.argv.slice(2));
}
