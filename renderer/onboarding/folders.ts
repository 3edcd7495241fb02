/** The last part of a path, whether it uses / or \ (a Windows host's paths reach the app as they are). */
export function folderName(path: string): string {
  return path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
}

/**
 * The folders from the root down to `dir`, for breadcrumbs: `/home/me` → `/`, `/home`, `/home/me`;
 * `C:\Users\me` → `C:\`, `C:\Users`, `C:\Users\me`.
 */
export function pathCrumbs(dir: string): Array<{ label: string; path: string }> {
  const windows = /^[A-Za-z]:\\/.test(dir);
  const separator = windows ? '\\' : '/';
  const parts = dir.split(/[\\/]+/).filter(Boolean);
  const crumbs: Array<{ label: string; path: string }> = [];
  if (windows) {
    const drive = parts.shift() ?? '';
    crumbs.push({ label: `${drive}\\`, path: `${drive}\\` });
  } else crumbs.push({ label: '/', path: '/' });
  let current = crumbs[0]?.path ?? separator;
  for (const part of parts) {
    current = current.endsWith(separator) ? `${current}${part}` : `${current}${separator}${part}`;
    crumbs.push({ label: part, path: current });
  }
  return crumbs;
}
