import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(folder: string): string[] {
  const dir = path.resolve(root, folder);
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => /\.(ts|tsx|mts|js|mjs)$/.test(file) && !file.includes('node_modules'))
    .map((file) => path.join(dir, file));
}

/** Every module specifier a file imports, re-exports or dynamically imports. */
export function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) if (match[1]) specifiers.push(match[1]);
  return specifiers;
}

function violations(folder: string, rule: (specifier: string, file: string) => string | null): string[] {
  return sourceFiles(folder).flatMap((file) =>
    importsOf(fs.readFileSync(file, 'utf8')).flatMap((specifier) => {
      const problem = rule(specifier, file);
      return problem ? [`${path.relative(root, file)}: ${problem}`] : [];
    }),
  );
}

const nodeBuiltins = new Set(['fs', 'path', 'os', 'crypto', 'util', 'net', 'child_process', 'process', 'url', 'stream', 'events', 'buffer', 'http', 'https', 'zlib', 'readline', 'timers', 'tty', 'assert']);

describe('layering (DESIGN.md)', () => {
  it('finds imports of every form', () => {
    expect(importsOf(`import a from 'x'; export { b } from "y"; import 'z'; await import('w'); require('v')`)).toEqual(['x', 'y', 'z', 'w', 'v']);
  });

  it('keeps core/ platform-neutral: no electron, react or renderer code; node builtins via node:', () => {
    const found = violations('core', (specifier, file) => {
      if (/^(electron|react|react-dom)(\/|$)/.test(specifier)) return `imports ${specifier}`;
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (!target.startsWith(path.join(root, 'core')) && !target.endsWith('package.json')) return `reaches outside core/: ${specifier}`;
        if (!/\.(ts|json)$/.test(specifier)) return `relative import without .ts extension (Deno needs it): ${specifier}`;
      }
      if (nodeBuiltins.has(specifier.split('/')[0] ?? '')) return `imports the builtin ${specifier} without the node: prefix`;
      return null;
    });
    expect(found).toEqual([]);
  });

  it('keeps renderer/ on the API contract: no core internals, no Node or Electron', () => {
    const found = violations('renderer', (specifier, file) => {
      if (/^(electron|node:)/.test(specifier) || nodeBuiltins.has(specifier)) return `imports ${specifier}`;
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (target.startsWith(path.join(root, 'core')) && !target.startsWith(path.join(root, 'core', 'api'))) return `imports core internals: ${specifier}`;
        if (target.startsWith(path.join(root, 'electron'))) return `imports the Electron shell: ${specifier}`;
      }
      return null;
    });
    expect(found).toEqual([]);
  });

  it('flags a violation when one is present', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-arch-'));
    try {
      fs.writeFileSync(path.join(dir, 'bad.ts'), "import { app } from 'electron';\nimport x from './y';\n");
      const found = violations(dir, (specifier) => (specifier === 'electron' || !specifier.endsWith('.ts') ? specifier : null));
      expect(found).toHaveLength(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
