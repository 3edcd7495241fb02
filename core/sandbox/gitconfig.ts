import fs from 'node:fs';
import path from 'node:path';

/**
 * Sections of the user's git config the agent gets: who commits, aliases, and how git behaves and
 * shows things. Everything else is left out, because that is where credentials live:
 * `[credential]` helpers with tokens, `url.<token>.insteadOf`, `http.*.extraHeader`, `[include]`d
 * files, `[sendemail]` passwords, forge tokens, and signing set-ups the container cannot use.
 */
const KEPT_SECTIONS = new Set([
  'user', 'author', 'committer', 'alias', 'core', 'diff', 'difftool', 'merge', 'mergetool', 'color', 'init', 'pull', 'push',
  'rebase', 'fetch', 'branch', 'log', 'status', 'advice', 'format', 'pretty', 'grep', 'help', 'column', 'rerere',
]);
/** Keys of kept sections that name host programs or secrets rather than behaviour. */
const DROPPED_KEYS = new Set(['core.askpass', 'user.password']);
/** A URL with a user and password in it, in any value (an alias that pushes with a token). */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s@:]+:[^/\s@]+@/i;

/** The user's git config without anything that can carry a credential (see KEPT_SECTIONS). */
export function filterGitConfig(text: string): string {
  const out: string[] = [];
  let section: string | null = null;
  let headerWritten = false;
  let header = '';
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index] ?? '';
    // A value continued with a trailing backslash belongs to the entry it started in.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && index + 1 < lines.length) line = `${line}\n${lines[++index] ?? ''}`;
    const match = /^\s*\[\s*([A-Za-z0-9.-]+)(\s+"(?:[^"\\]|\\.)*")?\s*\]/.exec(line);
    if (match) {
      const name = (match[1] ?? '').toLowerCase();
      section = name.split('.')[0] ?? '';
      header = `[${match[1]}${match[2] ?? ''}]`;
      headerWritten = false;
      line = line.slice(match[0].length);
    }
    const entry = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=.*)?$/s.exec(line);
    if (!entry || section === null || !KEPT_SECTIONS.has(section)) continue;
    if (DROPPED_KEYS.has(`${section}.${(entry[1] ?? '').toLowerCase()}`) || URL_CREDENTIALS.test(line)) continue;
    if (!headerWritten) {
      out.push(header);
      headerWritten = true;
    }
    out.push(`\t${line.trim()}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Where a workspace's filtered git config is kept. */
export function gitConfigCopyPath(dataDir: string, workspace: string): string {
  return path.join(dataDir, 'workspaces', workspace, 'gitconfig');
}

/**
 * Writes the filtered copy of the user's git config (`~/.gitconfig`, else `~/.config/git/config`)
 * for a workspace, refreshed at every start, and returns its path; null when there is none. It is
 * rewritten in place, so a running agent's mount sees the new text too.
 */
export function writeGitConfigCopy(home: string, dataDir: string, workspace: string): string | null {
  const source = [path.join(home, '.gitconfig'), path.join(home, '.config', 'git', 'config')].find((file) => fs.existsSync(file));
  if (!source) return null;
  const file = gitConfigCopyPath(dataDir, workspace);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | (fs.constants.O_NOFOLLOW ?? 0), 0o644);
  try {
    fs.writeFileSync(fd, filterGitConfig(fs.readFileSync(source, 'utf8')));
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
