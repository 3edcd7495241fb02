import process from 'node:process';
import readline from 'node:readline/promises';

/** Where a command writes, and how: the CLI's only side channel besides the files it edits. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  color: boolean;
  /** stdout is a terminal: progress can redraw lines in place. */
  interactive: boolean;
  /** Asks the person at the terminal; absent when stdin is not a terminal (nobody to answer). */
  ask?: (question: string) => Promise<string>;
}

export function processIO(): CliIO {
  const env = process.env;
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env,
    cwd: process.cwd(),
    interactive: Boolean(process.stdout.isTTY) && env.TERM !== 'dumb',
    // FORCE_COLOR and NO_COLOR are the conventions other CLIs follow (force-color.org, no-color.org).
    color: env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : Boolean(process.stdout.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb',
    ...(process.stdin.isTTY ? { ask } : {}),
  };
}

async function ask(question: string): Promise<string> {
  const prompt = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await prompt.question(question);
  } finally {
    prompt.close();
  }
}

export interface Style {
  /** Colour is on: SGR sequences reach the output. */
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

export function style(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { enabled, bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39) };
}

/** Exit codes: success, a runtime failure (engine, build, I/O), bad input (usage or config). */
export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

/** Bad command-line input; the message says what would be right. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
