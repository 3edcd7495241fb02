import { folderName } from './folders.ts';

/** What the config allows a workspace to be called (names become container and file names). */
export const WORKSPACE_NAME = /^[a-z0-9-]+$/;

/**
 * A workspace name from a folder: `My Project_2` → `my-project-2`, accents dropped, and a number
 * added when the name is taken (`web`, `web-2`, …).
 */
export function suggestName(path: string, taken: Iterable<string>): string {
  const base =
    folderName(path)
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'workspace';
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!names.has(candidate)) return candidate;
  }
}
