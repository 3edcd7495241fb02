import crypto from 'node:crypto';
import fs from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { imageSummary } from '../cli/commands.ts';
import { servesOpenCode, workspacePort } from '../compose/model.ts';
import { applyEdits, ConfigEditError, writeFileAtomic } from '../config/edit.ts';
import { ConfigConflictError, ConfigError, formatKeyPath } from '../config/errors.ts';
import { createDefaultConfig, validateConfigText } from '../config/load.ts';
import { resolveWorkspace, type ResolvedWorkspace } from '../config/resolve.ts';
import type { HostView, PaddockConfig } from '../config/schema.ts';
import type { ConfigEdit, ConfigIssue, ConfigSnapshot, TomlValue, WorkspaceSummary } from './contract.ts';
import { contractIssue } from './errors.ts';

export function textHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

export function workspaceSummary(ws: ResolvedWorkspace): WorkspaceSummary {
  const serves = servesOpenCode(ws);
  return {
    name: ws.name,
    paths: ws.paths,
    workdir: ws.workdir,
    agent: ws.agent,
    command: ws.command,
    image: imageSummary(ws),
    dockerfile: ws.dockerfile,
    servesOpenCode: serves,
    port: serves && ws.exposePort ? workspacePort(ws) : null,
    cpu: ws.cpu,
    memory: ws.memory,
    egress: ws.egress,
    enableDocker: ws.enableDocker,
  };
}

export function summaries(config: PaddockConfig, host: HostView): WorkspaceSummary[] {
  return Object.keys(config.workspaces ?? {})
    .sort()
    .map((name) => workspaceSummary(resolveWorkspace(config, name, host)));
}

/** TOML values that JSON cannot carry as they are (dates, 64-bit integers) become strings and numbers. */
function jsonSafe(value: unknown): TomlValue {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonSafe(item)]));
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value as TomlValue;
}

function parsedData(text: string): Record<string, TomlValue> | null {
  try {
    return jsonSafe(parseToml(text)) as Record<string, TomlValue>;
  } catch {
    return null;
  }
}

/** What the API knows about one config text: its problems, its data and its workspaces. */
export function snapshotOf(file: string, text: string, host: HostView, created = false): ConfigSnapshot {
  const base = { file, text, hash: textHash(text), created, data: parsedData(text) };
  try {
    const { config, warnings } = validateConfigText(text, file, host);
    return { ...base, ok: true, errors: [], warnings: warnings.map((issue) => contractIssue(file, issue, 'warning')), workspaces: summaries(config, host) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ...base, ok: false, errors: error.issues.map((issue) => contractIssue(file, issue, 'error')), warnings: [], workspaces: [] };
  }
}

/** The config file's text, creating the default file on first use, as the CLI does. */
export function readConfigText(file: string): { text: string; created: boolean } {
  try {
    return { text: fs.readFileSync(file, 'utf8'), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const created = createDefaultConfig(file);
  return { text: fs.readFileSync(file, 'utf8'), created };
}

/** The text the edits produce, or the first edit the editor refuses (as an issue at its key path). */
function applyOneByOne(file: string, text: string, edits: readonly ConfigEdit[]): { text: string; refused: ConfigIssue | null } {
  let current = text;
  for (const edit of edits) {
    try {
      current = applyEdits(current, [edit]);
    } catch (error) {
      if (!(error instanceof ConfigEditError)) throw error;
      const keyPath = 'path' in edit ? formatKeyPath(edit.path) : formatKeyPath(['workspaces', edit.name]);
      return { text, refused: { severity: 'error', file, keyPath, line: null, column: null, message: error.message } };
    }
  }
  return { text: current, refused: null };
}

export function validateEdits(file: string, host: HostView, edits: readonly ConfigEdit[]) {
  const { text: base } = readConfigText(file);
  const { text, refused } = applyOneByOne(file, base, edits);
  const snapshot = refused ? null : snapshotOf(file, text, host);
  const issues = refused ? [refused] : [...(snapshot?.errors ?? []), ...(snapshot?.warnings ?? [])];
  const byKeyPath: Record<string, ConfigIssue[]> = {};
  for (const issue of issues) (byKeyPath[issue.keyPath ?? ''] ??= []).push(issue);
  return { ok: !refused && (snapshot?.ok ?? false), hash: textHash(base), text, issues, byKeyPath };
}

/**
 * Writes a new text for the config, unless the file is no longer the one the client edited
 * (`baseHash`) or the new text is invalid. The write itself refuses a change made in between.
 */
export function writeConfig(file: string, host: HostView, baseHash: string | undefined, produce: (current: string) => string): ConfigSnapshot {
  const { text: current } = readConfigText(file);
  if (baseHash !== undefined && textHash(current) !== baseHash) throw new ConfigConflictError(file);
  const next = produce(current);
  validateConfigText(next, file, host);
  writeFileAtomic(file, next, current);
  return snapshotOf(file, next, host);
}

export function saveEdits(file: string, host: HostView, baseHash: string | undefined, edits: readonly ConfigEdit[]): ConfigSnapshot {
  return writeConfig(file, host, baseHash, (current) => applyEdits(current, edits));
}
