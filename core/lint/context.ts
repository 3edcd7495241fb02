import type { Doc, Instr } from './document.ts';
import type { Edit, RunInfo } from './run.ts';
import type { LintOptions, RuleId, Severity } from './types.ts';

/** A finding by offsets into the text; `lintDockerfile` turns it into lines and columns. */
export interface Finding {
  rule: RuleId;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  fix?: { title: string; edits: Edit[] };
}

export interface LintContext {
  doc: Doc;
  options: LintOptions;
  /** Every RUN, read once, in file order. */
  runs: RunInfo[];
  runOf: ReadonlyMap<Instr, RunInfo>;
  report(finding: Finding): void;
}

/** Whether the instruction's stage ends up in the image (the last stage or one it builds on). */
export function inImage(context: LintContext, instr: Instr): boolean {
  return context.doc.finalChain.has(instr.stage);
}

/** The edit that deletes an instruction with its lines. */
export function deleteInstruction(context: LintContext, instr: Instr): Edit {
  return { ...context.doc.index.lineRange(instr.line, instr.endLine), text: '' };
}

/** Up to 40 characters of an instruction's text, for naming it in a message. */
export function quote(text: string, limit = 40): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}
