import type { BuildFailedDetails } from '../store/operations.ts';

/**
 * Finding a build step in the Dockerfile when the build error names only its instruction. The
 * classic builder prints each step's instruction with its line continuations joined, so the file's
 * instructions are joined the same way and compared with their whitespace collapsed.
 */

interface Instruction {
  /** 1-based line the instruction starts on. */
  line: number;
  text: string;
}

const BLANK_OR_COMMENT = /^\s*(#.*)?$/;

/** `# escape=` can only appear among the parser directives at the very top. */
function escapeCharacter(lines: readonly string[]): string {
  for (const line of lines) {
    const directive = /^\s*#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (!directive) break;
    if (directive[1]?.toLowerCase() === 'escape' && directive[2] === '`') return '`';
  }
  return '\\';
}

export function instructionsOf(text: string): Instruction[] {
  const lines = text.split(/\r\n|\n|\r/);
  const escape = escapeCharacter(lines);
  const found: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    if (BLANK_OR_COMMENT.test(lines[i] ?? '')) {
      i++;
      continue;
    }
    const start = i;
    let joined = '';
    for (;;) {
      const current = (lines[i] ?? '').replace(/\s+$/, '');
      i++;
      if (!current.endsWith(escape) || i >= lines.length) {
        joined += current;
        break;
      }
      joined += `${current.slice(0, -1)} `;
      // Docker drops comment and empty lines inside a continued instruction.
      while (i < lines.length && BLANK_OR_COMMENT.test(lines[i] ?? '')) i++;
    }
    found.push({ line: start + 1, text: joined });
  }
  return found;
}

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * The line of the instruction a build step ran, or null when the file has none like it (it
 * changed since the build). When it appears more than once, the one whose position in the file is
 * closest to the step number wins (steps count the file's instructions in order).
 */
export function locateInstruction(text: string, instruction: string, step: number | null = null): number | null {
  const wanted = normalize(instruction);
  if (!wanted) return null;
  const matches = instructionsOf(text)
    .map((candidate, index) => ({ ...candidate, ordinal: index + 1 }))
    .filter((candidate) => normalize(candidate.text) === wanted);
  if (matches.length === 0) return null;
  const target = step ?? 0;
  return matches.reduce((best, candidate) => (Math.abs(candidate.ordinal - target) < Math.abs(best.ordinal - target) ? candidate : best)).line;
}

/**
 * The line of `file` where a failed build stopped: the line the build error gives when it is about
 * this file, else the failing instruction found in the text. Null when another Dockerfile (the
 * base) failed, or the instruction is no longer in the file.
 */
export function failingLine(failure: Pick<BuildFailedDetails, 'line' | 'source' | 'instruction' | 'step'>, file: { path: string; text: string }): number | null {
  if (failure.source !== null && failure.source !== file.path) return null;
  if (failure.line !== null) return failure.line;
  return failure.instruction ? locateInstruction(file.text, failure.instruction, failure.step) : null;
}
