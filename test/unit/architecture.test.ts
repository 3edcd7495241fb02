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

  it('loads no zod into the page: renderer/ takes only types from the contract (zod compiles schemas with eval, which the CSP forbids)', () => {
    const found = sourceFiles('renderer').flatMap((file) => {
      const text = fs.readFileSync(file, 'utf8');
      const valueImports = [...text.matchAll(/^import\s+(?!type\b)([^;]*?)\s+from\s+['"]([^'"]+)['"]/gm)].filter(
        (match) => /(^|\/)(contract|net\.contract|primitives|ws-protocol)\.ts$/.test(match[2] ?? '') || match[2] === 'zod',
      );
      return valueImports.filter((match) => !/^\{\s*(type\s+\w+\s*,?\s*)+\}$/.test(match[1] ?? '')).map((match) => `${path.relative(root, file)}: ${match[0]}`);
    });
    expect(found).toEqual([]);
  });

  it('keeps electron/ a thin shell: core only through core/api, Electron at run time only in main.ts and preload.ts', () => {
    const electronDir = path.join(root, 'electron');
    // Where the config lives is needed to create the registry, before any API exists.
    const allowedCore = [path.join(root, 'core', 'api'), path.join(root, 'core', 'config', 'paths.ts')];
    const found = violations('electron', (specifier, file) => {
      if (/^(react|react-dom)(\/|$)/.test(specifier)) return `imports ${specifier}`;
      if (nodeBuiltins.has(specifier.split('/')[0] ?? '')) return `imports the builtin ${specifier} without the node: prefix`;
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (!/\.ts$/.test(specifier)) return `relative import without .ts extension: ${specifier}`;
        if (target.startsWith(electronDir + path.sep)) return null;
        if (!allowedCore.some((allowed) => target === allowed || target.startsWith(allowed + path.sep))) return `reaches past core/api: ${specifier}`;
      }
      return null;
    });
    const runtimeElectron = sourceFiles('electron')
      .filter((file) => !['main.ts', 'preload.ts'].includes(path.basename(file)))
      .filter((file) => /^import\s+(?!type\b)[^;]*\bfrom\s+['"]electron['"]/m.test(fs.readFileSync(file, 'utf8')))
      .map((file) => `${path.relative(root, file)}: imports electron at run time (take its objects as parameters; import types only)`);
    expect([...found, ...runtimeElectron]).toEqual([]);
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
