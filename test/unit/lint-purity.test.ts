import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** Every module a file reaches through relative imports, and the packages they import. */
function reach(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const specifier = match[1] ?? match[2] ?? '';
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  visit(path.join(root, entry));
  return { files: [...files].map((file) => path.relative(root, file)), packages: [...packages].sort() };
}

describe('the modules the editor runs in a browser worker', () => {
  it('the linter reaches no Node builtin, only the Dockerfile parsers', () => {
    const { files, packages } = reach('core/lint/index.ts');
    expect(files.every((file) => file.startsWith('core/lint/') || file === 'core/config/suggest.ts')).toBe(true);
    expect(packages).toEqual(['dockerfile-ast', 'dockerfile-utils']);
  });

  it('the overlay writer reaches no Node builtin and no package', () => {
    expect(reach('core/onboarding/overlay.ts').packages).toEqual([]);
  });
});
