import { expandVariables, sliceSource, type Doc, type Instr, type Source } from './document.ts';
import { argv, execCommands, isShell, parseShell, shellScript, wordSource, type Command, type Word } from './shell.ts';

export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** A command of a RUN, past its wrappers (`sudo`, `env`, …). */
export interface Invocation {
  name: string;
  args: Word[];
  command: Command;
}

export interface RunInfo {
  instr: Instr;
  /** How Docker runs it: through the shell, as an argv (`["…"]`), or as a heredoc script. */
  form: 'shell' | 'exec' | 'heredoc';
  commands: Command[];
  invocations: Invocation[];
  /** Commands written as shell code, which a fix can edit as such (an exec-form argv is not). */
  editable: Set<Command>;
  /** Where a command appended to the RUN goes; `inline` when it sits inside a quoted script. */
  append: { offset: number; op: string | null; inline: boolean } | null;
  /** Variables assigned in the script (`name=value`), for following `userdel "$name"`. */
  shellVars: Map<string, string>;
}

/** Reads `["a", "b"]` the way Docker does; null when it is not a JSON array of strings (then it is shell form). */
export function parseJsonArray(source: Source): Word[] | null {
  const { text } = source;
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  };
  const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  space();
  if (text[i] !== '[') return null;
  i++;
  space();
  const words: Word[] = [];
  if (text[i] === ']') {
    i++;
    space();
    return i === text.length ? words : null;
  }
  for (;;) {
    space();
    if (text[i] !== '"') return null;
    const word: Word = { value: '', starts: [], ends: [], start: source.starts[i] ?? 0, end: 0, substitutions: [] };
    i++;
    while (i < text.length && text[i] !== '"') {
      let char = text[i] ?? '';
      let length = 1;
      if (char === '\\') {
        const escaped = text[i + 1] ?? '';
        if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          char = String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          length = 6;
        } else if (escapes[escaped] !== undefined) {
          char = escapes[escaped] ?? '';
          length = 2;
        } else return null;
      }
      word.value += char;
      word.starts.push(source.starts[i] ?? 0);
      word.ends.push(source.ends[i + length - 1] ?? 0);
      i += length;
    }
    if (text[i] !== '"') return null;
    word.end = source.ends[i] ?? 0;
    i++;
    words.push(word);
    space();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] !== ']') return null;
    i++;
    space();
    return i === text.length ? words : null;
  }
}

/** Where the command starts: past the flags (`--mount=…`) that Docker reads before it. */
function afterFlags(args: Source): number {
  const { text } = args;
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    if (!text.startsWith('--', i)) return i;
    while (i < text.length && !/\s/.test(text[i] ?? '')) i++;
  }
}

export function analyzeRun(instr: Instr): RunInfo {
  const rest = sliceSource(instr.args, afterFlags(instr.args), instr.args.text.length);
  let form: RunInfo['form'] = instr.heredoc ? 'heredoc' : 'shell';
  let commands: Command[];
  let append: RunInfo['append'] = null;
  const editable = new Set<Command>();
  const exec = instr.heredoc ? null : parseJsonArray(rest);
  if (exec) {
    form = 'exec';
    commands = execCommands(exec, exec[0]?.start ?? instr.keywordEnd, exec.at(-1)?.end ?? instr.end);
    for (const command of commands.slice(1)) editable.add(command);
    const shell = commands[0] ? argv(commands[0]) : null;
    const runs = shell && isShell(shell.name) ? shellScript(shell.args) : null;
    if (runs?.kind === 'command' && runs.script) {
      const last = parseShell(wordSource(runs.script), 1).last;
      if (last) append = { offset: last.end, op: last.op, inline: true };
    }
  } else {
    const program = parseShell(rest);
    commands = program.commands;
    for (const command of commands) editable.add(command);
    if (form === 'shell' && program.last) append = { offset: program.last.end, op: program.last.op, inline: false };
  }
  const shellVars = new Map<string, string>();
  for (const command of commands) {
    if (command.words.length > 0) continue;
    for (const assignment of command.assignments) {
      const at = assignment.value.indexOf('=');
      shellVars.set(assignment.value.slice(0, at), assignment.value.slice(at + 1));
    }
  }
  const invocations = commands.flatMap((command) => {
    const found = argv(command);
    return found ? [{ name: found.name, args: found.args, command }] : [];
  });
  return { instr, form, commands, invocations, editable, append, shellVars };
}

/** A word's value with the script's own variables and the Dockerfile's ARG/ENV values put in. */
export function expandWord(run: RunInfo, word: Word): string {
  return expandVariables(expandVariables(word.value, run.shellVars), run.instr.vars);
}

/** The words that are not options (`-y`, `--flag=x`); each of `valueFlags` takes the next word as its value. */
export function operands(args: Word[], valueFlags: ReadonlySet<string> = new Set()): Word[] {
  const found: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = args[i]?.value ?? '';
    if (value === '--') return [...found, ...args.slice(i + 1)];
    if (valueFlags.has(value)) i++;
    else if (!value.startsWith('-') || value === '-') found.push(args[i] as Word);
  }
  return found;
}

export function hasFlag(args: Word[], ...flags: string[]): boolean {
  return args.some((arg) => flags.some((flag) => arg.value === flag || arg.value.startsWith(`${flag}=`)));
}

/**
 * An edit that runs `command` after everything else in the RUN: on a line of its own when the
 * RUN already spans lines, else on the same line. Null when there is no safe place (an exec
 * form without a shell, a heredoc, or a RUN that ends in `&`).
 */
export function appendEdit(doc: Doc, run: RunInfo, command: string): Edit | null {
  const at = run.append;
  if (!at || (at.op !== null && at.op !== ';' && at.op !== ')')) return null;
  const joined = at.op === ';' ? command : `&& ${command}`;
  if (at.inline || run.instr.line === run.instr.endLine) return { start: at.offset, end: at.offset, text: ` ${joined}` };
  const line = doc.index.lineOf(at.offset);
  const indent = /^[ \t]*/.exec(doc.text.slice(doc.index.lineStarts[line] ?? 0))?.[0] ?? '';
  const newline = doc.text.includes('\r\n') ? '\r\n' : '\n';
  return { start: at.offset, end: at.offset, text: ` ${doc.escape}${newline}${indent}${joined}` };
}

/**
 * The arguments of VOLUME, COPY or ADD, flags aside: the strings of the JSON form, else the
 * words split on whitespace (Docker does not treat quotes specially there).
 */
export function argumentWords(instr: Instr): { words: Word[]; json: boolean } {
  const rest = sliceSource(instr.args, afterFlags(instr.args), instr.args.text.length);
  const json = parseJsonArray(rest);
  if (json) return { words: json, json: true };
  const words: Word[] = [];
  let current: Word | null = null;
  for (let i = 0; i < rest.text.length; i++) {
    const char = rest.text[i] ?? '';
    if (/\s/.test(char)) {
      current = null;
      continue;
    }
    if (!current) {
      current = { value: '', starts: [], ends: [], start: rest.starts[i] ?? 0, end: 0, substitutions: [] };
      words.push(current);
    }
    current.value += char;
    current.starts.push(rest.starts[i] ?? 0);
    current.ends.push(rest.ends[i] ?? 0);
    current.end = rest.ends[i] ?? 0;
  }
  return { words, json: false };
}
