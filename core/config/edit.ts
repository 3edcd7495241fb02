import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { getStaticTOMLValue, type AST } from 'toml-eslint-parser';
import { TomlDocument, type DocEntry } from './document.ts';
import { ConfigConflictError, ConfigError, formatKeyPath, type KeyPath } from './errors.ts';
import { validateConfigText, type LoadedConfig } from './load.ts';
import { WORKSPACE_NAME } from './rules.ts';
import type { HostView } from './schema.ts';

export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };

export type ConfigEdit =
  | { op: 'set'; path: KeyPath; value: TomlValue }
  | { op: 'unset'; path: KeyPath }
  | { op: 'add'; path: KeyPath; value: TomlValue }
  | { op: 'remove'; path: KeyPath; value: TomlValue }
  | { op: 'createWorkspace'; name: string; values?: Record<string, TomlValue> }
  | { op: 'deleteWorkspace'; name: string };

/** A change the editor cannot make as asked (not a config problem: the request itself is wrong). */
export class ConfigEditError extends Error {
  override readonly name = 'ConfigEditError';
  readonly code = 'CONFIG_EDIT_REFUSED';
}

/**
 * Applies one edit to TOML text by splicing bytes at the positions the parser reports: everything
 * outside the edited key stays byte-for-byte as the user wrote it, comments included.
 */
export function applyEdit(text: string, edit: ConfigEdit): string {
  const doc = new TomlDocument(text);
  switch (edit.op) {
    case 'set':
      return setValue(doc, edit.path, edit.value);
    case 'unset':
      return unset(doc, edit.path);
    case 'add':
      return addToArray(doc, edit.path, edit.value);
    case 'remove':
      return removeFromArray(doc, edit.path, edit.value);
    case 'createWorkspace': {
      if (!WORKSPACE_NAME.test(edit.name)) {
        throw new ConfigEditError(`workspace name "${edit.name}" is invalid: use lowercase letters, digits and - only`);
      }
      if (doc.get(['workspaces', edit.name])) throw new ConfigEditError(`workspace "${edit.name}" already exists`);
      const eol = eolOf(text);
      const values = { paths: [], ...edit.values };
      const body = Object.entries(values).map(([key, value]) => `${formatKey([key])} = ${serialize(value)}${eol}`).join('');
      return `${withTrailingBlankLine(text)}[${formatKey(['workspaces', edit.name])}]${eol}${body}`;
    }
    case 'deleteWorkspace':
      if (!doc.get(['workspaces', edit.name])) throw new ConfigEditError(`there is no workspace "${edit.name}"`);
      return unset(doc, ['workspaces', edit.name]);
  }
}

/** Applies edits in order, checking after each that it landed: a splice bug must never reach the disk. */
export function applyEdits(text: string, edits: readonly ConfigEdit[]): string {
  return edits.reduce((current, edit) => {
    const next = applyEdit(current, edit);
    verifyEdit(current, next, edit);
    return next;
  }, text);
}

/**
 * Edits the config file: applies the edits, validates the result (a change that would make the
 * config invalid is refused with the ConfigError), refuses if the file changed on disk since
 * `loaded` was read, then writes atomically with the file's mode kept.
 */
export function editConfigFile(loaded: LoadedConfig, edits: readonly ConfigEdit[], host: HostView): LoadedConfig {
  const text = applyEdits(loaded.text, edits);
  const validated = validateConfigText(text, loaded.file, host);
  writeFileAtomic(loaded.file, text, loaded.text);
  return { file: loaded.file, text, created: false, ...validated };
}

function realPathOrSelf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/** Writes `text` via a temp file and rename. With `expected`, refuses when the file no longer holds it. */
export function writeFileAtomic(target: string, text: string, expected?: string): void {
  // A symlinked config (dotfiles repos) is updated where it really lives, and stays a symlink.
  const file = realPathOrSelf(target);
  let mode = 0o600;
  let current: string | null = null;
  try {
    current = fs.readFileSync(file, 'utf8');
    mode = fs.statSync(file).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (expected !== undefined && current !== expected) throw new ConfigConflictError(file);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, 'wx', mode);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(temp, mode);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

function verifyEdit(before: string, after: string, edit: ConfigEdit): void {
  let data: unknown;
  try {
    data = parseToml(after);
  } catch (error) {
    throw new ConfigEditError(`the edit produced invalid TOML (${(error as Error).message.split('\n')[0]}); nothing was written`);
  }
  const at = (root: unknown, keyPath: KeyPath) => keyPath.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], root);
  const list = (keyPath: KeyPath) => (Array.isArray(at(data, keyPath)) ? (at(data, keyPath) as unknown[]) : []);
  let ok: boolean;
  switch (edit.op) {
    case 'set':
      ok = sameValue(at(data, edit.path), edit.value);
      break;
    case 'unset': {
      const index = edit.path.at(-1);
      if (typeof index === 'number') {
        const old = at(parseToml(before), edit.path.slice(0, -1)) as unknown[];
        ok = sameValue(list(edit.path.slice(0, -1)), old.filter((_, i) => i !== index));
      } else ok = at(data, edit.path) === undefined;
      break;
    }
    case 'add':
      ok = list(edit.path).some((item) => sameValue(item, edit.value));
      break;
    case 'remove':
      ok = !list(edit.path).some((item) => sameValue(item, edit.value));
      break;
    case 'createWorkspace':
      ok = at(data, ['workspaces', edit.name]) !== undefined;
      break;
    case 'deleteWorkspace':
      ok = at(data, ['workspaces', edit.name]) === undefined;
      break;
  }
  if (!ok) throw new ConfigEditError(`the edit of ${describeEdit(edit)} did not apply cleanly; nothing was written`);
}

/** Structural equality of TOML data; smol-toml's tables have no prototype, ours do. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    return keysA.length === keysB.length && keysA.every((key) => Object.hasOwn(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
  }
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function describeEdit(edit: ConfigEdit): string {
  return 'path' in edit ? formatKeyPath(edit.path) : `workspaces.${edit.name}`;
}

// ---- serialization ----

/** A TOML basic string: JSON's escapes are TOML's, except that TOML also escapes DEL. */
function quote(value: string): string {
  return JSON.stringify(value).replace(/\u007f/g, '\\u007f');
}

export function serialize(value: TomlValue): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    if (Object.is(value, -0)) return '-0.0';
    // Integers past 2^53 cannot be read back exactly as integers; write them as floats.
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) return value.toExponential();
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(serialize).join(', ')}]`;
  const pairs = Object.entries(value).map(([key, item]) => `${formatKey([key])} = ${serialize(item)}`);
  return pairs.length ? `{ ${pairs.join(', ')} }` : '{}';
}

function formatKey(keyPath: KeyPath): string {
  return keyPath.map((part) => (/^[A-Za-z0-9_-]+$/.test(String(part)) ? String(part) : quote(String(part)))).join('.');
}

// ---- text helpers ----

function splice(text: string, [start, end]: readonly [number, number], replacement: string): string {
  return text.slice(0, start) + replacement + text.slice(end);
}

function lineStart(text: string, index: number): number {
  return text.lastIndexOf('\n', index - 1) + 1;
}

/** Where the line holding `index` ends, before its line break (`\n` or `\r\n`). */
function lineEnd(text: string, index: number): number {
  const end = text.indexOf('\n', index);
  if (end < 0) return text.length;
  return text[end - 1] === '\r' ? end - 1 : end;
}

/** Where the next line starts: just past this line's break. */
function nextLineStart(text: string, index: number): number {
  const end = text.indexOf('\n', index);
  return end < 0 ? text.length : end + 1;
}

/** The file's own line break, so inserted lines match the rest. */
function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function indentOf(text: string, index: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, index)))?.[0] ?? '';
}

function startsWith(keyPath: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= keyPath.length && prefix.every((part, i) => part === keyPath[i]);
}

function withTrailingBlankLine(text: string): string {
  if (text === '') return '';
  const eol = eolOf(text);
  return `${text.replace(/(\r?\n)*$/, '')}${eol}${eol}`;
}

/** The start of the comment lines directly above `index` (no blank line between): they belong to it. */
function attachedCommentsStart(text: string, index: number): number {
  let start = lineStart(text, index);
  while (start > 0) {
    const previous = lineStart(text, start - 1);
    if (!text.slice(previous, start).trim().startsWith('#')) break;
    start = previous;
  }
  return start;
}

// ---- operations ----

function inlineAncestor(doc: TomlDocument, keyPath: KeyPath): DocEntry | undefined {
  for (let length = keyPath.length - 1; length > 0; length--) {
    const entry = doc.get(keyPath.slice(0, length));
    if (!entry) continue;
    if (entry.value?.type === 'TOMLInlineTable') return entry;
    if (entry.kind === 'pair' || entry.kind === 'element') {
      if (entry.value?.type !== 'TOMLArray') {
        throw new ConfigEditError(`${formatKeyPath(entry.path)} is a value, not a table, so ${formatKeyPath(keyPath)} cannot be set`);
      }
    }
  }
  return undefined;
}

/** Rewrites one inline table (TOML 1.0 inline tables are single-line, so no comment is lost). */
function rewriteInline(doc: TomlDocument, inline: DocEntry, keyPath: KeyPath, change: (parent: Record<string, unknown>, key: string | number) => void): string {
  const node = inline.value as AST.TOMLInlineTable;
  const data = getStaticTOMLValue(node) as Record<string, unknown>;
  const rest = keyPath.slice(inline.path.length);
  let parent: Record<string | number, unknown> = data;
  for (const key of rest.slice(0, -1)) {
    parent[key] ??= {};
    parent = parent[key] as Record<string | number, unknown>;
  }
  change(parent, rest.at(-1) as string | number);
  return splice(doc.text, node.range, serialize(data as TomlValue));
}

function setValue(doc: TomlDocument, keyPath: KeyPath, value: TomlValue): string {
  const entry = doc.get(keyPath);
  if (entry && (entry.kind === 'pair' || entry.kind === 'element') && entry.value) {
    return splice(doc.text, entry.value.range, serialize(value));
  }
  if (entry) throw new ConfigEditError(`${formatKeyPath(keyPath)} is a table; set its keys one by one`);
  const inline = inlineAncestor(doc, keyPath);
  if (inline) return rewriteInline(doc, inline, keyPath, (parent, key) => (parent[key] = value));
  return insertPair(doc, keyPath, value);
}

function insertPair(doc: TomlDocument, keyPath: KeyPath, value: TomlValue): string {
  const { text } = doc;
  const eol = eolOf(text);
  const parent = keyPath.slice(0, -1);
  const anchors = doc.pairs.filter((pair) => startsWith(pair.path, parent) && startsWith(parent, pair.containerPath));
  const anchor = anchors.reduce<DocEntry | undefined>((best, pair) => {
    if (!best || pair.containerPath.length > best.containerPath.length) return pair;
    if (pair.containerPath.length === best.containerPath.length && pair.node.range[1] > best.node.range[1]) return pair;
    return best;
  }, undefined);
  if (anchor) {
    const at = lineEnd(text, anchor.node.range[1]);
    const line = `${formatKey(keyPath.slice(anchor.containerPath.length))} = ${serialize(value)}`;
    return `${text.slice(0, at)}${eol}${indentOf(text, anchor.node.range[0])}${line}${text.slice(at)}`;
  }
  const pairLine = `${formatKey(keyPath.slice(-1))} = ${serialize(value)}`;
  const table = doc.tables.find((candidate) => candidate.kind === 'standard' && isSamePath(candidate.resolvedKey, parent));
  if (table) {
    const at = lineEnd(text, table.key.range[1]);
    return `${text.slice(0, at)}${eol}${pairLine}${text.slice(at)}`;
  }
  if (parent.length === 0) {
    const first = doc.tables[0];
    if (!first) return `${text}${text === '' || text.endsWith('\n') ? '' : eol}${pairLine}${eol}`;
    const at = attachedCommentsStart(text, first.range[0]);
    return `${text.slice(0, at)}${pairLine}${eol}${eol}${text.slice(at)}`;
  }
  const block = `[${formatKey(parent)}]${eol}${pairLine}${eol}`;
  const child = doc.tables.find((candidate) => startsWith(candidate.resolvedKey, parent));
  if (child) {
    const at = attachedCommentsStart(text, child.range[0]);
    return `${text.slice(0, at)}${block}${eol}${text.slice(at)}`;
  }
  return `${withTrailingBlankLine(text)}${block}`;
}

function isSamePath(a: KeyPath, b: KeyPath): boolean {
  return a.length === b.length && startsWith(a, b);
}

function unset(doc: TomlDocument, keyPath: KeyPath): string {
  const entry = doc.get(keyPath);
  if (!entry) {
    const inline = inlineAncestor(doc, keyPath);
    return inline ? rewriteInline(doc, inline, keyPath, (parent, key) => delete parent[key]) : doc.text;
  }
  if (entry.kind === 'element') {
    const array = doc.get(keyPath.slice(0, -1))?.value as AST.TOMLArray;
    return removeElement(doc.text, array, keyPath.at(-1) as number);
  }
  if (entry.kind === 'pair' && entry.node.type === 'TOMLKeyValue' && entry.node.parent.type === 'TOMLInlineTable') {
    const inline = inlineAncestor(doc, keyPath);
    if (inline) return rewriteInline(doc, inline, keyPath, (parent, key) => delete parent[key]);
  }
  if (entry.kind === 'pair') return removeRanges(doc.text, [pairRange(doc.text, entry.node.range)]);
  // A table: every header under it, and every dotted pair that reaches into it from elsewhere.
  const ranges: Array<[number, number]> = [];
  doc.tables.forEach((table, index) => {
    if (!startsWith(table.resolvedKey, keyPath)) return;
    const next = doc.tables[index + 1];
    const end = next ? attachedCommentsStart(doc.text, next.range[0]) : doc.text.length;
    ranges.push([attachedCommentsStart(doc.text, table.range[0]), end]);
  });
  for (const pair of doc.pairs) {
    if (startsWith(pair.path, keyPath) && !startsWith(pair.containerPath, keyPath)) ranges.push(pairRange(doc.text, pair.node.range));
  }
  return removeRanges(doc.text, ranges);
}

/** A pair's whole lines, with its trailing comment and line break. */
function pairRange(text: string, [start, end]: readonly [number, number]): [number, number] {
  const from = text.slice(lineStart(text, start), start).trim() === '' ? lineStart(text, start) : start;
  return [from, nextLineStart(text, end)];
}

function removeRanges(text: string, ranges: Array<[number, number]>): string {
  let out = text;
  for (const [start, end] of [...ranges].sort((a, b) => b[0] - a[0])) {
    let to = end;
    // The removed block's blank separator goes with it when one already stands before it.
    if (start === 0 || /(\r?\n){2}$/.test(out.slice(0, start))) to += /^(\r?\n)*/.exec(out.slice(to))?.[0].length ?? 0;
    out = out.slice(0, start) + out.slice(to);
  }
  // Removing the last table must not leave blank lines at the end of the file.
  const blankEnd = /(\r?\n){2,}$/;
  return text.endsWith('\n') && !blankEnd.test(text) && blankEnd.test(out) ? out.replace(/(\r?\n)+$/, eolOf(text)) : out;
}

function addToArray(doc: TomlDocument, keyPath: KeyPath, value: TomlValue): string {
  const entry = doc.get(keyPath);
  if (!entry) return setValue(doc, keyPath, [value]);
  const array = entry.value;
  if (array?.type !== 'TOMLArray') throw new ConfigEditError(`${formatKeyPath(keyPath)} is not a list`);
  if (array.elements.some((element) => sameValue(getStaticTOMLValue(element), value))) return doc.text;
  const { text } = doc;
  const eol = eolOf(text);
  const closing = array.range[1] - 1;
  const last = array.elements.at(-1);
  const item = serialize(value);
  if (!last) {
    // An empty array may still hold comments: put the item on its own line above the `]`.
    const ownLine = text.slice(lineStart(text, closing), closing).trim() === '' && lineStart(text, closing) > array.range[0];
    if (!ownLine) return splice(text, array.range, `[${item}]`);
    const inner = text.slice(array.range[0] + 1, closing).split(/\r?\n/).find((line) => line.trim() !== '');
    const indent = inner ? (/^[ \t]*/.exec(inner)?.[0] ?? '') : `${indentOf(text, array.range[0])}  `;
    return splice(text, [lineStart(text, closing), lineStart(text, closing)], `${indent}${item}${eol}`);
  }
  const trailingComma = /^\s*,/.test(text.slice(last.range[1], closing).replace(/#[^\n]*/g, ''));
  const multiline = text.slice(array.range[0], array.range[1]).includes('\n') && text.slice(lineStart(text, last.range[0]), last.range[0]).trim() === '';
  if (!multiline) return splice(text, [last.range[1], last.range[1]], `, ${item}`);
  const indent = indentOf(text, last.range[0]);
  const afterLast = trailingComma ? text.indexOf(',', last.range[1]) + 1 : last.range[1];
  // After the last element's line, unless the `]` closes on that same line.
  const at = Math.min(lineEnd(text, afterLast), closing);
  const inserted = `${text.slice(0, at)}${eol}${indent}${item}${trailingComma ? ',' : ''}${text.slice(at)}`;
  return trailingComma ? inserted : splice(inserted, [last.range[1], last.range[1]], ',');
}

function removeFromArray(doc: TomlDocument, keyPath: KeyPath, value: TomlValue): string {
  const entry = doc.get(keyPath);
  if (!entry) return doc.text;
  const array = entry.value;
  if (array?.type !== 'TOMLArray') throw new ConfigEditError(`${formatKeyPath(keyPath)} is not a list`);
  const index = array.elements.findIndex((element) => sameValue(getStaticTOMLValue(element), value));
  if (index < 0) return doc.text;
  return applyEdit(removeElement(doc.text, array, index), { op: 'remove', path: keyPath, value });
}

function removeElement(text: string, array: AST.TOMLArray, index: number): string {
  const element = array.elements[index];
  if (!element) return text;
  const alone =
    text.slice(lineStart(text, element.range[0]), element.range[0]).trim() === '' &&
    /^\s*,?\s*(#[^\n]*)?$/.test(text.slice(element.range[1], lineEnd(text, element.range[1]))) &&
    lineEnd(text, element.range[1]) < array.range[1] - 1;
  // On a line of its own (with its comma and comment): the whole line goes, other lines stay.
  if (alone) return text.slice(0, lineStart(text, element.range[0])) + text.slice(nextLineStart(text, element.range[1]));
  const next = array.elements[index + 1];
  if (next) return splice(text, [element.range[0], next.range[0]], '');
  const previous = array.elements[index - 1];
  if (previous) return splice(text, [previous.range[1], element.range[1]], '');
  const comma = /^\s*,/.exec(text.slice(element.range[1], array.range[1] - 1));
  return splice(text, [element.range[0], element.range[1] + (comma?.[0].length ?? 0)], '');
}
