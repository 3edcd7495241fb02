import { DockerfileParser, type Instruction, type Property as AstProperty } from 'dockerfile-ast';
import type { Span } from './types.ts';

/**
 * Text as Docker or a shell reads it (line continuations and comment lines removed, quotes
 * resolved), with each character's place in the Dockerfile: `starts[i]` and `ends[i]` are the
 * offsets of the written form of character i, so findings and fixes point into the user's text.
 */
export interface Source {
  text: string;
  starts: number[];
  ends: number[];
}

export function sliceSource(source: Source, from: number, to: number): Source {
  return { text: source.text.slice(from, to), starts: source.starts.slice(from, to), ends: source.ends.slice(from, to) };
}

/** Offsets to lines and columns, splitting lines as dockerfile-ast does (\r\n, \n or \r). */
export class TextIndex {
  readonly lineStarts: number[] = [0];
  /** Where each line's content ends, before its line break. */
  readonly lineEnds: number[] = [];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '\n' || c === '\r') {
        this.lineEnds.push(i);
        if (c === '\r' && text[i + 1] === '\n') i++;
        this.lineStarts.push(i + 1);
      }
    }
    this.lineEnds.push(text.length);
  }

  /** The offset of a dockerfile-ast position (0-based line and character). */
  offset(position: { line: number; character: number }): number {
    const start = this.lineStarts[position.line];
    if (start === undefined) return this.text.length;
    return Math.min(start + position.character, this.lineEnds[position.line] ?? this.text.length);
  }

  /** 0-based line of an offset. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  span(start: number, end: number): Span {
    const line = this.lineOf(start);
    const endLine = this.lineOf(end);
    return { line: line + 1, column: start - (this.lineStarts[line] ?? 0) + 1, endLine: endLine + 1, endColumn: end - (this.lineStarts[endLine] ?? 0) + 1 };
  }

  /** The span that deletes whole lines, line breaks included, so nothing is left behind. */
  lineRange(firstLine: number, lastLine: number): { start: number; end: number } {
    const next = this.lineStarts[lastLine + 1];
    if (next !== undefined) return { start: this.lineStarts[firstLine] ?? 0, end: next };
    // The last line has no line break after it: take the one before it instead.
    const start = firstLine > 0 ? (this.lineEnds[firstLine - 1] ?? 0) : 0;
    return { start, end: this.text.length };
  }
}

export interface Instr {
  /** Upper case, as Docker reads it. */
  keyword: string;
  node: Instruction;
  /** Offsets of the whole instruction and of its keyword's end. */
  start: number;
  end: number;
  keywordEnd: number;
  /** 0-based first and last line. */
  line: number;
  endLine: number;
  /** Build stage index; -1 for the ARGs before the first FROM. */
  stage: number;
  /** Everything after the keyword (flags included), as Docker reads it. */
  args: Source;
  /** Uses a heredoc (`RUN <<EOF`): `args` then keeps its body's lines as written. */
  heredoc: boolean;
  /** Build variables (ARG and ENV) in scope here, with their values as far as they are known. */
  vars: ReadonlyMap<string, string>;
}

export interface Stage {
  index: number;
  name: string | null;
  /** The FROM image as written, and its offsets. */
  image: string;
  imageStart: number;
  imageEnd: number;
  instructions: Instr[];
  /** The earlier stage this one builds on (`FROM builder`), if any. */
  parent: number | null;
}

export interface Doc {
  text: string;
  index: TextIndex;
  escape: string;
  instructions: Instr[];
  stages: Stage[];
  /** The stages whose content ends up in the image: the last one and those it builds on. */
  finalChain: ReadonlySet<number>;
}

const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** `$NAME` and `${NAME}` (with `:-` and `:+`) replaced where the value is known; others stay as written. */
export function expandVariables(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(VARIABLE, (whole, braced: string | undefined, operator: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const known = vars.get(name);
    if (operator?.endsWith('-')) return known !== undefined && (known !== '' || operator === '-') ? known : (word ?? '');
    if (operator?.endsWith('+')) return known !== undefined && (known !== '' || operator === '+') ? (word ?? '') : '';
    return known ?? whole;
  });
}

export function parseDocument(text: string): Doc {
  const index = new TextIndex(text);
  const parsed = DockerfileParser.parse(text);
  const escape = parsed.getEscapeCharacter();
  const instructions: Instr[] = [];
  const stages: Stage[] = [];
  const globals = new Map<string, string>();
  let vars = new Map<string, string>();
  const froms = parsed.getFROMs();
  for (const node of parsed.getInstructions()) {
    const keyword = node.getKeyword().toUpperCase();
    const range = node.getRange();
    const start = index.offset(range.start);
    const keywordEnd = index.offset(node.getInstructionRange().end);
    const heredoc = (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') && (node as unknown as { getHeredocs(): unknown[] }).getHeredocs().length > 0;
    const instr: Instr = {
      keyword,
      node,
      start,
      end: index.offset(range.end),
      keywordEnd,
      line: range.start.line,
      endLine: range.end.line,
      stage: stages.length - 1,
      args: instructionArgs(index, escape, keywordEnd, range.start.line, range.end.line, heredoc),
      heredoc,
      vars,
    };
    if (keyword === 'FROM') {
      const from = froms[stages.length];
      const imageRange = from?.getImageRange();
      const image = from?.getImage() ?? '';
      const name = from?.getBuildStage() ?? null;
      const parent = stages.findLastIndex((stage) => stage.name !== null && stage.name.toLowerCase() === image.toLowerCase());
      instr.stage = stages.length;
      // A stage starts with what its parent stage had set; a FROM of an image starts afresh.
      vars = new Map(parent >= 0 ? stages[parent]?.instructions.at(-1)?.vars ?? [] : []);
      instr.vars = vars;
      stages.push({
        index: stages.length,
        name,
        image,
        imageStart: imageRange ? index.offset(imageRange.start) : keywordEnd,
        imageEnd: imageRange ? index.offset(imageRange.end) : keywordEnd,
        instructions: [],
        parent: parent >= 0 ? parent : null,
      });
    } else if (keyword === 'ARG' || keyword === 'ENV') {
      vars = new Map(vars);
      for (const { name, value } of properties(index, instr)) {
        const resolved = value === null ? (keyword === 'ARG' ? globals.get(name) : undefined) : expandVariables(value, vars);
        if (resolved !== undefined) vars.set(name, resolved);
        if (instr.stage === -1 && resolved !== undefined) globals.set(name, resolved);
      }
      instr.vars = vars;
    }
    instructions.push(instr);
    stages[instr.stage]?.instructions.push(instr);
  }
  const finalChain = new Set<number>();
  for (let at: number | null = stages.length - 1; at !== null && at >= 0 && !finalChain.has(at); at = stages[at]?.parent ?? null) finalChain.add(at);
  return { text, index, escape, instructions, stages, finalChain };
}

/** An ARG's or ENV's name/value pairs; the value is null when none is given (`ARG NAME`). */
export function properties(index: TextIndex, instr: Instr): Property[] {
  const node = instr.node as Instruction & { getProperties?: () => AstProperty[] };
  return (node.getProperties?.() ?? []).map((property) => {
    const range = property.getRange();
    const valueRange = property.getValueRange();
    const end = index.offset(range.end);
    return {
      name: property.getName(),
      nameEnd: index.offset(property.getNameRange().end),
      value: property.getValue(),
      start: index.offset(range.start),
      end,
      valueStart: valueRange ? index.offset(valueRange.start) : end,
      valueEnd: valueRange ? index.offset(valueRange.end) : end,
    };
  });
}

export interface Property {
  name: string;
  nameEnd: number;
  /** Unquoted, escapes applied; null for `ARG NAME` without a default. */
  value: string | null;
  start: number;
  end: number;
  /** The value as written, quotes included. */
  valueStart: number;
  valueEnd: number;
}

/**
 * The arguments as Docker reads them: an escape character at the end of a line joins the next
 * line (whose comment and blank lines are dropped), with nothing put in between. A heredoc's body
 * is not continued: from its first line on, the lines are kept as written, newlines included.
 */
function instructionArgs(index: TextIndex, escape: string, from: number, firstLine: number, lastLine: number, heredoc: boolean): Source {
  const source: Source = { text: '', starts: [], ends: [] };
  const push = (start: number, end: number) => {
    for (let i = start; i < end; i++) {
      source.text += index.text[i];
      source.starts.push(i);
      source.ends.push(i + 1);
    }
  };
  for (let line = firstLine; line <= lastLine; line++) {
    const lineStart = line === firstLine ? from : (index.lineStarts[line] ?? 0);
    const lineEnd = index.lineEnds[line] ?? index.text.length;
    if (heredoc && line > firstLine) {
      source.text += '\n';
      source.starts.push(index.lineEnds[line - 1] ?? lineStart);
      source.ends.push(lineStart);
      push(lineStart, lineEnd);
      continue;
    }
    const content = index.text.slice(lineStart, lineEnd);
    if (line > firstLine && (content.trim() === '' || content.trimStart().startsWith('#'))) continue;
    const trimmed = content.trimEnd();
    const continued = !heredoc && trimmed.endsWith(escape);
    push(lineStart, lineStart + (continued ? trimmed.length - escape.length : content.length));
    if (!continued && !heredoc) break;
  }
  return source;
}
