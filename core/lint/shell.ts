import { sliceSource, type Source } from './document.ts';

/**
 * A small POSIX shell reader, enough to tell which commands a RUN runs: words with their quotes
 * resolved, operators, redirections and heredocs, with every command substitution, `sh -c`
 * script and heredoc script read as commands too. Text inside quotes is data, so
 * `echo "apt-get install"` runs echo and nothing else.
 */

export interface Word {
  /** Quotes removed and escapes applied; `$VAR`, `${…}` and `$(…)` are kept as written. */
  value: string;
  /** Offsets in the Dockerfile of each character of `value`, as for a `Source`. */
  starts: number[];
  ends: number[];
  /** Offsets of the word as written, quotes included. */
  start: number;
  end: number;
  /** The insides of its command substitutions: `$(…)`, backquotes, `<(…)` and `>(…)`. */
  substitutions: Source[];
}

export interface Redirect {
  op: string;
  target: Word | null;
  /** A heredoc's body (for `<<` and `<<-`). */
  body: Source | null;
}

export interface Command {
  assignments: Word[];
  /** The command name and its arguments, without assignments and redirections. */
  words: Word[];
  redirects: Redirect[];
  start: number;
  end: number;
  /** Commands joined by `|` share a pipeline number; `position` is their place in it. */
  pipeline: number;
  position: number;
  /** 0 at the RUN's top level; more inside `$(…)`, `sh -c` scripts and heredoc scripts. */
  depth: number;
}

export interface Program {
  /** Every command, nested ones included, in the order they appear. */
  commands: Command[];
  /** The last operator or word of the top level (comments and trailing newlines aside). */
  last: { end: number; op: string | null } | null;
}

type Token =
  | { kind: 'word'; word: Word }
  | { kind: 'op'; op: string; start: number; end: number }
  | { kind: 'redir'; redirect: Redirect; start: number; end: number };

const OPERATORS = ['&&', '||', ';;', '|&', '|', '&', ';', '(', ')'];
const REDIRECT = /\d*(?:>>|>&|>\||<<<|<<-|<<|<&|<>|>|<)|&>>|&>/y;
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '{', '}', '!', 'esac']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'mksh']);
const MAX_DEPTH = 8;
/** Pipeline numbers are unique across every script read, so nested scripts never share one. */
let pipelines = 0;

function emptyWord(source: Source, at: number): Word {
  const offset = source.starts[at] ?? source.ends.at(-1) ?? 0;
  return { value: '', starts: [], ends: [], start: offset, end: offset, substitutions: [] };
}

function pushChar(word: Word, source: Source, char: string, from: number, to: number): void {
  word.value += char;
  word.starts.push(source.starts[from] ?? 0);
  word.ends.push(source.ends[to - 1] ?? 0);
}

/** The index just after the `close` that matches an `open` met before `from`, skipping quoted text. */
function closing(text: string, from: number, open: string, close: string): number {
  let depth = 1;
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === "'") i = skipSingle(text, i + 1);
    else if (c === '"') i = skipDouble(text, i + 1);
    else {
      if (c === open) depth++;
      else if (c === close && --depth === 0) return i + 1;
      i++;
    }
  }
  return text.length;
}

function skipSingle(text: string, from: number): number {
  const close = text.indexOf("'", from);
  return close < 0 ? text.length : close + 1;
}

function skipDouble(text: string, from: number): number {
  let i = from;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}

function closeBackquote(text: string, from: number): number {
  let i = from;
  while (i < text.length && text[i] !== '`') i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}

/** Copies text[from, to) into the word as written (an expansion stays literal). */
function pushRaw(word: Word, source: Source, from: number, to: number): void {
  for (let k = from; k < to; k++) pushChar(word, source, source.text[k] ?? '', k, k + 1);
}

/** `$(…)`, `${…}` or a lone `$` at i, copied into the word as written; returns the index after it. */
function readDollar(word: Word, source: Source, i: number): number {
  const { text } = source;
  if (text[i + 1] === '(') {
    const end = closing(text, i + 2, '(', ')');
    word.substitutions.push(sliceSource(source, i + 2, Math.max(i + 2, end - 1)));
    pushRaw(word, source, i, end);
    return end;
  }
  if (text[i + 1] === '{') {
    const end = closing(text, i + 2, '{', '}');
    pushRaw(word, source, i, end);
    return end;
  }
  pushRaw(word, source, i, i + 1);
  return i + 1;
}

function readWord(source: Source, from: number): { word: Word; next: number } {
  const { text } = source;
  const word = emptyWord(source, from);
  let i = from;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || ';&|()<>'.includes(c)) {
      // A process substitution, `<(…)` or `>(…)`, is a word of its own.
      if ((c === '<' || c === '>') && text[i + 1] === '(' && i === from) {
        const end = closing(text, i + 2, '(', ')');
        word.substitutions.push(sliceSource(source, i + 2, Math.max(i + 2, end - 1)));
        pushRaw(word, source, i, end);
        i = end;
        continue;
      }
      break;
    }
    if (c === '\\') {
      if (text[i + 1] === '\n') i += 2;
      else if (i + 1 < text.length) {
        pushChar(word, source, text[i + 1] ?? '', i, i + 2);
        i += 2;
      } else i++;
    } else if (c === "'") {
      const end = skipSingle(text, i + 1);
      const close = text[end - 1] === "'" && end - 1 > i ? end - 1 : end;
      for (let k = i + 1; k < close; k++) pushChar(word, source, text[k] ?? '', k, k + 1);
      i = end;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        const d = text[i] ?? '';
        if (d === '\\' && '$`"\\\n'.includes(text[i + 1] ?? '')) {
          if (text[i + 1] !== '\n') pushChar(word, source, text[i + 1] ?? '', i, i + 2);
          i += 2;
        } else if (d === '$') {
          i = readDollar(word, source, i);
        } else if (d === '`') {
          const end = closeBackquote(text, i + 1);
          word.substitutions.push(sliceSource(source, i + 1, Math.max(i + 1, end - 1)));
          pushRaw(word, source, i, end);
          i = end;
        } else {
          pushChar(word, source, d, i, i + 1);
          i++;
        }
      }
      i++;
    } else if (c === '$') {
      i = readDollar(word, source, i);
    } else if (c === '`') {
      const end = closeBackquote(text, i + 1);
      word.substitutions.push(sliceSource(source, i + 1, Math.max(i + 1, end - 1)));
      pushRaw(word, source, i, end);
      i = end;
    } else {
      pushChar(word, source, c, i, i + 1);
      i++;
    }
  }
  word.start = source.starts[from] ?? word.start;
  word.end = i > from ? (source.ends[i - 1] ?? word.start) : word.start;
  return { word, next: i };
}

function tokenize(source: Source): Token[] {
  const { text } = source;
  const tokens: Token[] = [];
  const pendingHeredocs: Array<{ redirect: Redirect; strip: boolean }> = [];
  let awaitingDelimiter: Redirect | null = null;
  let i = 0;
  const at = (k: number) => source.starts[k] ?? source.ends.at(-1) ?? 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
    } else if (c === '\n') {
      tokens.push({ kind: 'op', op: '\n', start: at(i), end: at(i) + 1 });
      i++;
      // Heredoc bodies start on the line after their `<<`, one after the other.
      for (const pending of pendingHeredocs.splice(0)) {
        const bodyStart = i;
        let bodyEnd = text.length;
        while (i < text.length) {
          const lineEnd = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
          const line = text.slice(i, lineEnd);
          if ((pending.strip ? line.replace(/^\t+/, '') : line) === pending.redirect.target?.value) {
            bodyEnd = i;
            i = Math.min(lineEnd + 1, text.length);
            break;
          }
          i = lineEnd + 1;
        }
        pending.redirect.body = sliceSource(source, bodyStart, Math.min(bodyEnd, text.length));
      }
    } else if (c === '#') {
      const lineEnd = text.indexOf('\n', i);
      i = lineEnd < 0 ? text.length : lineEnd;
    } else if ((c === '<' || c === '>') && text[i + 1] === '(') {
      const { word, next } = readWord(source, i);
      tokens.push({ kind: 'word', word });
      i = next;
    } else if (redirectAt(text, i)) {
      const op = redirectAt(text, i) ?? c;
      const redirect: Redirect = { op, target: null, body: null };
      tokens.push({ kind: 'redir', redirect, start: at(i), end: at(i + op.length - 1) + 1 });
      if (isHeredoc(redirect)) awaitingDelimiter = redirect;
      i += op.length;
    } else if (OPERATORS.some((op) => text.startsWith(op, i))) {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, i)) ?? c;
      tokens.push({ kind: 'op', op, start: at(i), end: at(i + op.length - 1) + 1 });
      i += op.length;
    } else {
      const { word, next } = readWord(source, i);
      tokens.push({ kind: 'word', word });
      if (awaitingDelimiter) {
        pendingHeredocs.push({ redirect: awaitingDelimiter, strip: awaitingDelimiter.op.endsWith('-') });
        awaitingDelimiter.target = word;
        awaitingDelimiter = null;
      }
      i = Math.max(next, i + 1);
    }
  }
  return tokens;
}

/** The redirection operator at i, with its file descriptor (`2>`, `<<-`, `&>`), if one starts there. */
function redirectAt(text: string, i: number): string | null {
  REDIRECT.lastIndex = i;
  return REDIRECT.exec(text)?.[0] ?? null;
}

function isHeredoc(redirect: Redirect): boolean {
  return /^\d*<<-?$/.test(redirect.op);
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function basename(value: string): string {
  return value.slice(value.lastIndexOf('/') + 1);
}

/** Commands that run the rest of their words as a command, with their options that take a value. */
const WRAPPERS: Record<string, ReadonlySet<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-h', '-p', '-U', '-D', '-r', '-t', '-T', '--user', '--group']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '--unset', '--chdir']),
  xargs: new Set(['-I', '-n', '-P', '-L', '-d', '-E', '-s', '-a']),
  nice: new Set(['-n']),
  timeout: new Set(['-s', '-k', '--signal', '--kill-after']),
  exec: new Set(['-a']),
  command: new Set(),
  nohup: new Set(),
  time: new Set(),
  builtin: new Set(),
};

/**
 * Where the command proper starts, past wrappers that run the rest (`sudo`, `env A=1`, `exec`,
 * `xargs -r`, …); null for `command -v x`, which only looks a command up.
 */
function commandStart(words: Word[]): number | null {
  let i = 0;
  for (;;) {
    const name = basename(words[i]?.value ?? '');
    if (name === 'command' && /^-[vV]$/.test(words[i + 1]?.value ?? '')) return null;
    const withValue = WRAPPERS[name];
    if (!withValue) return i < words.length ? i : null;
    i++;
    while (i < words.length) {
      const value = words[i]?.value ?? '';
      if (value === '--') {
        i++;
        break;
      }
      if (withValue.has(value)) i += 2;
      else if (value.startsWith('-') && value.length > 1) i++;
      else if (name === 'env' && ASSIGNMENT.test(value)) i++;
      else break;
    }
    // timeout's first operand is its duration, not the command.
    if (name === 'timeout') i++;
  }
}

/** The command's name (without its folder) and arguments, past wrappers; null if there is none. */
export function argv(command: Command): { name: string; args: Word[]; word: Word } | null {
  const start = commandStart(command.words);
  const word = start === null ? undefined : command.words[start];
  if (start === null || !word) return null;
  return { name: basename(word.value), args: command.words.slice(start + 1), word };
}

/**
 * What a shell (`sh`, `bash`, …) runs: the script of `-c SCRIPT`, its standard input, or a file.
 * The flags that take a value (`-o pipefail`) are skipped.
 */
export function shellScript(args: Word[]): { kind: 'command'; script: Word | null } | { kind: 'stdin' } | { kind: 'file' } {
  let command = false;
  for (let i = 0; i < args.length; i++) {
    const value = args[i]?.value ?? '';
    if (value === '-') return { kind: 'stdin' };
    if (value === '--') return command ? { kind: 'command', script: args[i + 1] ?? null } : args[i + 1] ? { kind: 'file' } : { kind: 'stdin' };
    if (/^[-+]o$/.test(value)) {
      i++;
      continue;
    }
    if (/^[-+][A-Za-z]+$/.test(value)) {
      if (value.startsWith('-') && value.includes('c')) command = true;
      else if (value.startsWith('-') && value.includes('s') && !command) return { kind: 'stdin' };
      continue;
    }
    if (value.startsWith('--')) continue;
    return command ? { kind: 'command', script: args[i] ?? null } : { kind: 'file' };
  }
  return command ? { kind: 'command', script: null } : { kind: 'stdin' };
}

export function isShell(name: string): boolean {
  return SHELLS.has(name);
}

export function wordSource(word: Word): Source {
  return { text: word.value, starts: word.starts, ends: word.ends };
}

function opAt(tokens: Token[], index: number): string | null {
  const token = tokens[index];
  return token?.kind === 'op' ? token.op : null;
}

/** Reads a script into its commands, nested ones included. */
export function parseShell(source: Source, depth = 0): Program {
  const tokens = tokenize(source);
  // Commands, and words that belong to no command (`for x in $(ls)`, `case $(uname) in`), in order.
  const top: Array<Command | Word> = [];
  let current: Command | null = null;
  let pipeline = ++pipelines;
  let position = 0;
  let pendingRedirect: Redirect | null = null;
  let last: Program['last'] = null;
  let skipUntil: Set<string> | null = null;
  let inCase = false;
  const finish = () => {
    if (current) top.push(current);
    current = null;
    pendingRedirect = null;
  };
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t];
    if (!token) continue;
    if (!(token.kind === 'op' && token.op === '\n')) last = { end: token.kind === 'word' ? token.word.end : token.end, op: token.kind === 'op' ? token.op : null };
    if (token.kind === 'op') {
      if (skipUntil?.has(token.op)) skipUntil = null;
      finish();
      if (token.op === '|' || token.op === '|&') position++;
      else {
        pipeline = ++pipelines;
        position = 0;
      }
      continue;
    }
    if (token.kind === 'redir') {
      current ??= { assignments: [], words: [], redirects: [], start: token.start, end: token.end, pipeline, position, depth };
      current.redirects.push(token.redirect);
      current.end = token.end;
      // A heredoc's delimiter is already its target: the tokenizer needed it to find the body.
      pendingRedirect = token.redirect.target ? null : token.redirect;
      continue;
    }
    const word = token.word;
    if (pendingRedirect) {
      pendingRedirect.target ??= word;
      pendingRedirect = null;
      if (current) current.end = word.end;
      continue;
    }
    if (current && current.redirects.some((redirect) => redirect.target === word)) continue;
    if (skipUntil) {
      if (skipUntil.has(word.value)) skipUntil = null;
      else top.push(word);
      continue;
    }
    if (!current) {
      if (RESERVED.has(word.value)) {
        if (word.value === 'esac') inCase = false;
        continue;
      }
      if (word.value === 'for' || word.value === 'select') {
        skipUntil = new Set(['do', ';', '\n']);
        continue;
      }
      if (word.value === 'case') {
        inCase = true;
        skipUntil = new Set(['in']);
        continue;
      }
      // A case pattern (`a|b)`) is no command.
      if (inCase && (opAt(tokens, t + 1) === '|' || opAt(tokens, t + 1) === ')')) {
        let k = t + 1;
        while (opAt(tokens, k) === '|' && tokens[k + 1]?.kind === 'word') k += 2;
        if (opAt(tokens, k) === ')') {
          t = k;
          continue;
        }
      }
      current = { assignments: [], words: [], redirects: [], start: word.start, end: word.end, pipeline, position, depth };
    }
    if (current.words.length === 0 && ASSIGNMENT.test(word.value)) current.assignments.push(word);
    else current.words.push(word);
    current.end = word.end;
  }
  finish();
  const commands: Command[] = [];
  for (const entry of top) {
    if (!('words' in entry)) {
      if (depth < MAX_DEPTH) for (const substitution of entry.substitutions) commands.push(...parseShell(substitution, depth + 1).commands);
      continue;
    }
    const command = entry;
    if (depth < MAX_DEPTH) {
      for (const word of [...command.assignments, ...command.words, ...command.redirects.flatMap((redirect) => (redirect.target ? [redirect.target] : []))]) {
        for (const substitution of word.substitutions) commands.push(...parseShell(substitution, depth + 1).commands);
      }
    }
    commands.push(command);
    if (depth < MAX_DEPTH) commands.push(...nestedScripts(command, depth));
  }
  return { commands, last };
}

/** The scripts a command runs as shell code: `sh -c '…'`, and a heredoc fed to a shell (or to nothing, as `RUN <<EOF` does). */
function nestedScripts(command: Command, depth: number): Command[] {
  const found = argv(command);
  const heredocs = command.redirects.filter((redirect) => redirect.body !== null && isHeredoc(redirect));
  if (!found) return command.words.length === 0 ? heredocs.flatMap((redirect) => (redirect.body ? parseShell(redirect.body, depth + 1).commands : [])) : [];
  if (!isShell(found.name)) return [];
  const runs = shellScript(found.args);
  if (runs.kind === 'command' && runs.script) return parseShell(wordSource(runs.script), depth + 1).commands;
  if (runs.kind === 'stdin') return heredocs.flatMap((redirect) => (redirect.body ? parseShell(redirect.body, depth + 1).commands : []));
  return [];
}

/** The commands of an exec-form RUN (`["sh", "-c", "…"]`): its argv, then the script if it starts a shell. */
export function execCommands(words: Word[], start: number, end: number): Command[] {
  const command: Command = { assignments: [], words, redirects: [], start, end, pipeline: ++pipelines, position: 0, depth: 0 };
  return [command, ...nestedScripts(command, 0)];
}
