/**
 * The Dockerfile linter: pure and synchronous, without Node builtins, so that the editor can run
 * it on every keystroke, in a browser worker too. `docs/workbench.md` describes every rule.
 */
import type { Finding, LintContext } from './context.ts';
import { parseDocument, TextIndex } from './document.ts';
import { analyzeRun } from './run.ts';
import { checkOverlay } from './rules/overlay.ts';
import { checkPractice } from './rules/practice.ts';
import { checkSafety } from './rules/safety.ts';
import { checkSyntax } from './rules/syntax.ts';
import type { Diagnostic, Fix, LintOptions, Severity } from './types.ts';

export type { Diagnostic, Fix, LintOptions, RuleId, Severity, Span, TextEdit } from './types.ts';
export { BLOCKING } from './types.ts';

const ORDER: Record<Severity, number> = { fatal: 0, breaking: 1, degraded: 2, warning: 3, info: 4 };

export function lintDockerfile(text: string, options: LintOptions = {}): Diagnostic[] {
  const doc = parseDocument(text);
  const runs = doc.instructions.filter((instr) => instr.keyword === 'RUN').map(analyzeRun);
  const findings: Finding[] = [];
  const context: LintContext = { doc, options, runs, runOf: new Map(runs.map((run) => [run.instr, run])), report: (finding) => findings.push(finding) };
  checkSyntax(context);
  checkOverlay(context);
  checkPractice(context);
  checkSafety(context);
  findings.sort((a, b) => a.start - b.start || ORDER[a.severity] - ORDER[b.severity] || a.rule.localeCompare(b.rule));
  return findings.map(({ start, end, fix, ...rest }) => ({
    ...rest,
    ...doc.index.span(start, end),
    ...(fix ? { fix: { title: fix.title, edits: fix.edits.map((edit) => ({ ...doc.index.span(edit.start, edit.end), text: edit.text })) } } : {}),
  }));
}

/** The text with a fix's edits applied; they must have been made for this very text. */
export function applyFix(text: string, fix: Fix): string {
  const index = new TextIndex(text);
  const edits = fix.edits
    .map((edit) => ({ start: index.offset({ line: edit.line - 1, character: edit.column - 1 }), end: index.offset({ line: edit.endLine - 1, character: edit.endColumn - 1 }), text: edit.text }))
    .sort((a, b) => b.start - a.start);
  let result = text;
  for (const edit of edits) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}
