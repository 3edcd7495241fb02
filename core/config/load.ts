import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { TomlDocument } from './document.ts';
import { checkHostSources, readHostFile, realPathOf, workspaceSources } from './host-sources.ts';
import { ConfigError, formatKeyPath, type ConfigIssue, type KeyPath } from './errors.ts';
import { displayPath, homeDir, normalizeHostPath } from './paths.ts';
import { configSchema, knownKeysAt, type HostView, type PaddockConfig } from './schema.ts';
import { resolutionIssues, resolveWorkspace } from './resolve.ts';
import { closest } from './suggest.ts';
import { DEFAULT_CONFIG_TEXT } from './template.ts';

export interface LoadedConfig {
  file: string;
  /** The exact text that was validated; edits splice into it and stale-write checks compare against it. */
  text: string;
  config: PaddockConfig;
  warnings: ConfigIssue[];
  /** True when this load created the file from the default template. */
  created: boolean;
}

export interface CheckResult {
  ok: boolean;
  file: string;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function nodeHost(home: string = homeDir()): HostView {
  const stat = (file: string) => {
    try {
      return fs.statSync(file);
    } catch {
      return null;
    }
  };
  return {
    home,
    exists: (file) => stat(file) !== null,
    isFile: (file) => stat(file)?.isFile() ?? false,
    readText: (file, agentWritable = []) => readHostFile(file, agentWritable, home).toString('utf8'),
    realPath: realPathOf,
  };
}

/** Validates config text. Throws only ConfigError, whatever the text. */
export function validateConfigText(text: string, file: string, host: HostView): { config: PaddockConfig; warnings: ConfigIssue[] } {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (error) {
    throw new ConfigError(file, [syntaxIssue(error)]);
  }
  const schema = configSchema(host);
  const document = lazyDocument(text);
  const reserved = prototypeKeys(raw).map((keyPath) =>
    issueAt('"__proto__" cannot be used as a key (it would silently disappear); rename it', keyPath, document, 'key'),
  );
  if (reserved.length) throw new ConfigError(file, reserved);
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.flatMap((issue) => describeIssue(issue, raw, schema, document));
    throw new ConfigError(file, dedupe(issues));
  }
  const sourceIssues = Object.keys(result.data.workspaces ?? {}).flatMap((name) => hostSourceIssues(result.data, name, host));
  if (sourceIssues.length) throw new ConfigError(file, dedupe(sourceIssues.map(({ keyPath, message }) => issueAt(message, keyPath, document, 'value'))));
  const crossIssues = Object.keys(result.data.workspaces ?? {}).flatMap((name) =>
    resolutionIssues(resolveWorkspace(result.data, name, host)).map(({ keyPath, message }) => issueAt(message, keyPath, document, 'key')),
  );
  if (crossIssues.length) throw new ConfigError(file, crossIssues);
  return { config: result.data, warnings: collectWarnings(result.data, host, document) };
}

/**
 * Host sources checked on the real file system (links the agent could have planted, forbidden
 * folders behind links, sources in folders the agent can write). Env files are not read here: a
 * planted link must be reported, not followed.
 */
function hostSourceIssues(config: PaddockConfig, name: string, host: HostView): Array<{ keyPath: KeyPath; message: string }> {
  const ws = resolveWorkspace(config, name, { home: host.home, readText: () => '' });
  return checkHostSources(workspaceSources(ws), ws.agentWritableSources, host.home, host.realPath ?? ((file) => (host.exists(file) ? file : null))).problems;
}

/** Reads, creates on first use (0600 in a 0700 folder) and validates the config file. */
export function loadConfig(file: string, options: { host?: HostView; create?: boolean } = {}): LoadedConfig {
  const host = options.host ?? nodeHost();
  let created = false;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || options.create === false) throw unreadable(file, error);
    created = createDefaultConfig(file);
    text = created ? DEFAULT_CONFIG_TEXT : fs.readFileSync(file, 'utf8');
  }
  return { file, text, created, ...validateConfigText(text, file, host) };
}

/** Like loadConfig, but reports problems as data (for `config check` and the app's editor). */
export function checkConfig(file: string, options: { host?: HostView; create?: boolean } = {}): CheckResult {
  try {
    const loaded = loadConfig(file, options);
    return { ok: true, file, errors: [], warnings: loaded.warnings };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, file, errors: error.issues, warnings: [] };
    throw error;
  }
}

/** Writes the default template if no file exists yet. Returns false when another process won the race. */
export function createDefaultConfig(file: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, DEFAULT_CONFIG_TEXT, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown): ConfigError {
  const reason = (error as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a folder, not a file' : (error as Error).message;
  return new ConfigError(file, [{ message: `cannot read the config file: ${reason}`, path: null, line: null, column: null }]);
}

/**
 * smol-toml keeps a `__proto__` key as data, but zod's records drop it, so `[workspaces.__proto__]`
 * would vanish without a word. Such keys are refused before validation.
 */
function prototypeKeys(value: unknown, keyPath: KeyPath = []): KeyPath[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => prototypeKeys(item, [...keyPath, index]));
  if (!value || typeof value !== 'object' || value instanceof Date) return [];
  return Object.keys(value).flatMap((key) =>
    key === '__proto__' ? [[...keyPath, key]] : prototypeKeys((value as Record<string, unknown>)[key], [...keyPath, key]),
  );
}

function syntaxIssue(error: unknown): ConfigIssue {
  if (error instanceof TomlError) {
    const message = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
    return { message: `TOML syntax error: ${message}`, path: null, line: error.line, column: error.column };
  }
  return { message: `TOML syntax error: ${(error as Error)?.message ?? String(error)}`, path: null, line: null, column: null };
}

/** The position parser runs only when a position is needed: valid configs load with one parse. */
function lazyDocument(text: string): () => TomlDocument | null {
  let document: TomlDocument | null | undefined;
  return () => {
    if (document === undefined) {
      try {
        document = new TomlDocument(text);
      } catch {
        document = null;
      }
    }
    return document;
  };
}

function issueAt(message: string, keyPath: KeyPath, document: () => TomlDocument | null, prefer: 'key' | 'value'): ConfigIssue {
  const place = document()?.locate(keyPath, prefer) ?? null;
  return { message, path: keyPath.length ? formatKeyPath(keyPath) : null, line: place?.line ?? null, column: place?.column ?? null };
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, schema: z.ZodType, document: () => TomlDocument | null): ConfigIssue[] {
  const keyPath = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const known = knownKeysAt(schema, keyPath);
        return issueAt(unknownKeyMessage(key, keyPath, known), [...keyPath, key], document, 'key');
      });
    case 'invalid_type': {
      const actual = valueAt(raw, keyPath);
      // zod refuses inf and nan as "not a number"; say what is wrong with them instead.
      const expected = issue.expected === 'number' && typeof actual === 'number' ? 'a finite number' : describeExpected(issue.expected);
      return [issueAt(`must be ${expected}, got ${describeValue(actual)}`, keyPath, document, 'value')];
    }
    case 'invalid_value': {
      const allowed = issue.values.filter((value) => value !== '').map((value) => JSON.stringify(value));
      const actual = valueAt(raw, keyPath);
      const hint = typeof actual === 'string' ? closest(actual, issue.values.map(String)) : null;
      return [
        issueAt(
          `must be one of ${allowed.join(', ')}; got ${describeValue(actual)}${hint ? ` (did you mean "${hint}"?)` : ''}`,
          keyPath,
          document,
          'value',
        ),
      ];
    }
    case 'invalid_format':
      return [issueAt(`${describeValue(valueAt(raw, keyPath))} ${issue.message}`, keyPath, document, 'value')];
    default:
      return [issueAt(issue.message, keyPath, document, keyPath.length <= 2 && keyPath[0] === 'workspaces' ? 'key' : 'value')];
  }
}

const MISPLACED: Record<string, string> = {
  mode: '"mode" is only valid at the top of the file, before any table',
  password_mode: '"password_mode" is only valid at the top of the file, before any table',
  paths: '"paths" belongs in a [workspaces.<name>] table',
  dockerfile: '"dockerfile" belongs in [base] or a [workspaces.<name>] table',
};

function unknownKeyMessage(key: string, parent: KeyPath, known: string[]): string {
  const where = parent.length ? `in [${formatKeyPath(parent)}]` : 'at the top level';
  const misplaced = !known.includes(key) && Object.hasOwn(MISPLACED, key) ? MISPLACED[key] : undefined;
  if (misplaced) return `unknown key "${key}" ${where}: ${misplaced}`;
  const hint = closest(key, known);
  return `unknown key "${key}" ${where}${hint ? `; did you mean "${hint}"?` : `; valid keys are ${known.join(', ')}`}`;
}

function describeExpected(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
    array: 'a list ([...])',
    object: 'a table',
    record: 'a table',
  };
  return names[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object' && value !== null) return 'a table';
  return `${typeof value} ${String(value)}`;
}

function valueAt(raw: unknown, keyPath: KeyPath): unknown {
  let current: unknown = raw;
  for (const part of keyPath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** Drops repeats and orders problems as they appear in the file, which is how people fix them. */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((issue) => {
      const id = `${issue.path}\u0000${issue.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function collectWarnings(config: PaddockConfig, host: HostView, document: () => TomlDocument | null): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  const owners = new Map<string, string>();
  for (const [name, workspace] of Object.entries(config.workspaces ?? {})) {
    (workspace.paths ?? []).forEach((entry, index) => {
      const hostPath = normalizeHostPath(entry, host.home);
      if (!host.exists(hostPath)) {
        warnings.push(
          issueAt(`${displayPath(hostPath, host.home)} does not exist yet; the workspace cannot start until it does`, ['workspaces', name, 'paths', index], document, 'value'),
        );
      }
      const owner = owners.get(hostPath);
      if (owner && owner !== name) {
        warnings.push(
          issueAt(`${displayPath(hostPath, host.home)} is also a path of workspace "${owner}"; agents in both can change the same files`, ['workspaces', name, 'paths', index], document, 'value'),
        );
      } else {
        owners.set(hostPath, name);
      }
    });
    if (workspace.build_context !== undefined && workspace.dockerfile === undefined) {
      warnings.push(issueAt('build_context has no effect without a dockerfile in the same workspace', ['workspaces', name, 'build_context'], document, 'key'));
    } else if (workspace.build_context !== undefined && !host.exists(normalizeHostPath(workspace.build_context, host.home))) {
      warnings.push(issueAt(`build context ${workspace.build_context} does not exist; building this workspace will fail`, ['workspaces', name, 'build_context'], document, 'value'));
    }
  }
  return warnings;
}

