/**
 * How bad a finding is, in Paddock's terms:
 * - `fatal`: the overlay does not build, or the workspace cannot start or is unusable;
 * - `breaking`: it starts, but silently misbehaves;
 * - `degraded`: it works with less (reserved: no rule reports it today);
 * - `warning`: it works, but the image is bigger, slower to rebuild or less safe than it should be;
 * - `info`: nothing wrong; how Paddock treats what the line asks for.
 */
export type Severity = 'fatal' | 'breaking' | 'degraded' | 'warning' | 'info';

export type RuleId =
  | 'syntax/invalid'
  | 'overlay/from-base'
  | 'overlay/agent-user'
  | 'overlay/path-override'
  | 'overlay/volume'
  | 'overlay/overridden'
  | 'practice/apt-update-separate'
  | 'practice/apt-lists'
  | 'practice/apt-no-recommends'
  | 'practice/pip-cache'
  | 'practice/npm-cache'
  | 'practice/apk-cache'
  | 'practice/layer-order'
  | 'safety/curl-pipe-shell'
  | 'safety/add-url'
  | 'safety/secret';

/**
 * A span of the Dockerfile. Lines and columns are 1-based; columns count UTF-16 code units (what
 * JavaScript strings and CodeMirror count), a tab counting as one. The end is exclusive: it is
 * the position just after the last character, so an empty span (start = end) is an insertion point.
 */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface TextEdit extends Span {
  /** Replaces the span; empty to delete it. */
  text: string;
}

export interface Fix {
  title: string;
  /** Non-overlapping edits against the text that was linted; apply them with `applyFix`. */
  edits: TextEdit[];
}

export interface Diagnostic extends Span {
  rule: RuleId;
  severity: Severity;
  message: string;
  fix?: Fix;
}

export interface LintOptions {
  /** The container paths the workspace binds its project folders to (its `paths`). */
  workspacePaths?: string[];
}

/** The severities that make `paddock lint` fail: the overlay would not build or would misbehave. */
export const BLOCKING: ReadonlySet<Severity> = new Set(['fatal', 'breaking']);
