/** A path into the config document: table and key names, and array indexes. */
export type KeyPath = ReadonlyArray<string | number>;

export interface ConfigIssue {
  message: string;
  /** Dotted key path (`workspaces.web.mounts[1]`), or null for whole-file problems such as syntax errors. */
  path: string | null;
  /** 1-based line and column of the offending key or value, or null when the file has no such place. */
  line: number | null;
  column: number | null;
}

/** The one error type a bad config produces: every problem found, each with its place in the file. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';

  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(formatIssues(file, issues));
  }
}

/** The file changed on disk after it was read: writing now would silently drop someone's edit. */
export class ConfigConflictError extends Error {
  override readonly name = 'ConfigConflictError';
  readonly code = 'CONFIG_CHANGED_ON_DISK';

  constructor(readonly file: string) {
    super(`${file} changed on disk since it was read; nothing was written. Reload it and apply the change again.`);
  }
}

export function formatKeyPath(keyPath: KeyPath): string {
  let out = '';
  for (const part of keyPath) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += (out === '' ? '' : '.') + (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part));
  }
  return out;
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line === null ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

function formatIssues(file: string, issues: ConfigIssue[]): string {
  if (issues.length === 1 && issues[0]) return formatIssue(file, issues[0]);
  return `${issues.length} problems in ${file}:\n${issues.map((issue) => `  ${formatIssue(file, issue)}`).join('\n')}`;
}
