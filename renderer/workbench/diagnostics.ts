import type { ChangeSpec, Text } from '@codemirror/state';
import type { LintDiagnostic } from '../../core/api/contract.ts';

export type Severity = LintDiagnostic['severity'];
export type LintFix = NonNullable<LintDiagnostic['fix']>;

/** A span as the linter gives it: 1-based lines and columns, columns in UTF-16 units, the end exclusive. */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/**
 * The offset in CodeMirror's document of a linter position. CodeMirror splits lines on \r\n, \n
 * and \r as the linter does, and counts UTF-16 units as it does (a tab is one), so a line and a
 * column mean the same place in both; only offsets differ (a CRLF is one position in CodeMirror).
 * Like the linter's own TextIndex, a column past its line's end stops there, and a line past the
 * last one is the end of the document.
 */
export function positionAt(doc: Text, line: number, column: number): number {
  if (line < 1) return 0;
  if (line > doc.lines) return doc.length;
  const { from, to } = doc.line(line);
  return Math.min(from + Math.max(0, column - 1), to);
}

export function spanRange(doc: Text, span: Span): { from: number; to: number } {
  const from = positionAt(doc, span.line, span.column);
  return { from, to: Math.max(from, positionAt(doc, span.endLine, span.endColumn)) };
}

/** A fix's edits as one set of changes against the document that was linted (they never overlap). */
export function fixChanges(doc: Text, fix: LintFix): ChangeSpec[] {
  return fix.edits.map((edit) => ({ ...spanRange(doc, edit), insert: edit.text }));
}

/** How CodeMirror colours each severity: what must change is an error, what only costs is a warning. */
export const EDITOR_SEVERITY: Record<Severity, 'error' | 'warning' | 'info'> = {
  fatal: 'error',
  breaking: 'error',
  degraded: 'warning',
  warning: 'warning',
  info: 'info',
};

export const SEVERITY_ORDER: readonly Severity[] = ['fatal', 'breaking', 'degraded', 'warning', 'info'];

export const SEVERITY_GROUPS: Record<Severity, { title: string; description: string }> = {
  fatal: { title: 'Must be fixed', description: 'The image would not build, or the workspace would not start. Saving is refused until these are gone.' },
  breaking: { title: 'Breaks the workspace', description: 'It starts, but misbehaves in ways that are hard to notice.' },
  degraded: { title: 'Works with less', description: 'Something Paddock relies on is weakened.' },
  warning: { title: 'Warnings', description: 'It works, but the image is bigger, slower to rebuild or less safe than it needs to be.' },
  info: { title: 'Notes', description: 'Nothing is wrong: how Paddock treats what these lines ask for.' },
};

/** Diagnostics by severity, worst first, each group in the order of the file. */
export function groupBySeverity<T extends { diagnostic: LintDiagnostic }>(items: readonly T[]): Array<{ severity: Severity; items: T[] }> {
  return SEVERITY_ORDER.map((severity) => ({
    severity,
    items: items
      .filter((item) => item.diagnostic.severity === severity)
      .sort((a, b) => a.diagnostic.line - b.diagnostic.line || a.diagnostic.column - b.diagnostic.column),
  })).filter((group) => group.items.length > 0);
}

/** The first fatal finding, which is why the file cannot be saved; null when it can be. */
export function firstFatal(diagnostics: readonly LintDiagnostic[]): LintDiagnostic | null {
  let first: LintDiagnostic | null = null;
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === 'fatal' && (!first || diagnostic.line < first.line)) first = diagnostic;
  }
  return first;
}

/**
 * The text the way the file stores it: CodeMirror keeps lines without their breaks, so they are
 * joined with the file's own line break (the first one it had; \n for a new file).
 */
export function lineBreakOf(text: string): '\n' | '\r\n' | '\r' {
  const match = /\r\n|\n|\r/.exec(text);
  return (match?.[0] as '\n' | '\r\n' | '\r' | undefined) ?? '\n';
}

export function docText(doc: Text, lineBreak: string): string {
  return doc.sliceString(0, doc.length, lineBreak);
}
