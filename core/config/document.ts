import { parseTOML, type AST } from 'toml-eslint-parser';
import type { KeyPath } from './errors.ts';

type Node = AST.TOMLNode;

/** One addressable place in a TOML document: a table header, a key/value pair, or an array element. */
export interface DocEntry {
  path: KeyPath;
  /** The key (or table header key); absent for array elements. */
  key?: AST.TOMLKey;
  /** The value node, absent for standard table headers. */
  value?: AST.TOMLContentNode;
  /** The whole pair or table, for removal. */
  node: Node;
  /** The table this pair was written in (the header's path), so inserted siblings use relative keys. */
  containerPath: KeyPath;
  kind: 'table' | 'pair' | 'element' | 'implicit';
}

/**
 * A parsed TOML document with its source positions (toml-eslint-parser). smol-toml gives the values;
 * this gives the places: where a key is for an error message, and which bytes to splice for an edit.
 */
export class TomlDocument {
  readonly ast: AST.TOMLProgram;
  readonly entries = new Map<string, DocEntry>();
  readonly tables: AST.TOMLTable[] = [];
  readonly pairs: DocEntry[] = [];

  constructor(readonly text: string) {
    this.ast = parseTOML(text);
    const top = this.ast.body[0];
    for (const item of top.body) {
      if (item.type === 'TOMLTable') {
        this.tables.push(item);
        // `[a.b.c]` also defines `a` and `a.b`; `[[a.b]]` defines `a.b` as an array of tables.
        for (let i = 1; i < item.resolvedKey.length; i++) {
          this.add({ path: item.resolvedKey.slice(0, i), key: item.key, node: item, containerPath: item.resolvedKey.slice(0, i - 1), kind: 'implicit' });
        }
        this.add({ path: item.resolvedKey, key: item.key, node: item, containerPath: item.resolvedKey.slice(0, -1), kind: 'table' });
        for (const pair of item.body) this.addPair(item.resolvedKey, pair, item.resolvedKey);
      } else {
        this.addPair([], item, []);
      }
    }
  }

  get(path: KeyPath): DocEntry | undefined {
    return this.entries.get(JSON.stringify(path));
  }

  /** The entry at `path`, or at its closest ancestor that exists in the text. */
  nearest(path: KeyPath): DocEntry | undefined {
    for (let length = path.length; length > 0; length--) {
      const entry = this.get(path.slice(0, length));
      if (entry) return entry;
    }
    return undefined;
  }

  /** 1-based line and column of the key (or the value, for array elements) at or nearest to `path`. */
  locate(path: KeyPath, prefer: 'key' | 'value' = 'key'): { line: number; column: number } | null {
    const entry = this.nearest(path);
    if (!entry) return null;
    const exact = entry.path.length === path.length;
    const node = (prefer === 'value' && exact && entry.value) || entry.key || entry.value || entry.node;
    return { line: node.loc.start.line, column: node.loc.start.column + 1 };
  }

  private add(entry: DocEntry): void {
    const id = JSON.stringify(entry.path);
    const existing = this.entries.get(id);
    if (!existing || existing.kind === 'implicit') this.entries.set(id, entry);
  }

  private addPair(prefix: KeyPath, pair: AST.TOMLKeyValue, containerPath: KeyPath): void {
    const names = pair.key.keys.map((key) => (key.type === 'TOMLBare' ? key.name : key.value));
    for (let i = 1; i < names.length; i++) {
      this.add({ path: [...prefix, ...names.slice(0, i)], key: pair.key, node: pair, containerPath, kind: 'implicit' });
    }
    const path = [...prefix, ...names];
    const entry: DocEntry = { path, key: pair.key, value: pair.value, node: pair, containerPath, kind: 'pair' };
    this.add(entry);
    if (pair.parent.type !== 'TOMLInlineTable') this.pairs.push(entry);
    this.addValue(path, pair.value);
  }

  private addValue(path: KeyPath, value: AST.TOMLContentNode): void {
    if (value.type === 'TOMLArray') {
      value.elements.forEach((element, index) => {
        this.add({ path: [...path, index], value: element, node: element, containerPath: path, kind: 'element' });
        this.addValue([...path, index], element);
      });
    } else if (value.type === 'TOMLInlineTable') {
      for (const pair of value.body) this.addPair(path, pair, path);
    }
  }
}
