import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterGitConfig, writeGitConfigCopy } from '../../core/sandbox/gitconfig.ts';
import { tempHome } from '../support/cli.ts';

const USER_CONFIG = `# my config
[user]
\tname = Alice Example
\temail = alice@example.com
\tsigningkey = ABCD1234
[credential]
\thelper = store --file ~/.git-token-SECRET1
[credential "https://github.com"]
\thelper = !f() { echo password=ghp_SECRET2; }; f
[url "https://x-access-token:ghp_SECRET3@github.com/"]
\tinsteadOf = https://github.com/
[http "https://git.example.com"]
\textraheader = AUTHORIZATION: bearer SECRET4
[http]
\textraHeader = Authorization: Basic SECRET5
[include]
\tpath = ~/.gitconfig-SECRET6
[includeIf "gitdir:~/work/"]
\tpath = ~/.gitconfig-work-SECRET7
[sendemail]
\tsmtppass = SECRET8
[github]
\ttoken = SECRET9
[alias]
\tco = checkout
\tlg = log --graph \\
\t  --oneline
\tpushx = !git push https://bot:SECRET10@example.com/repo.git
[core]
\teditor = vim
\taskPass = /usr/local/bin/askpass-SECRET11
\tautocrlf
[diff "lockb"]
\ttextconv = bun
[Diff]
\tcolorMoved = default
[commit]
\tgpgsign = true
`;

describe('filterGitConfig', () => {
  const filtered = filterGitConfig(USER_CONFIG);

  it('drops everything that can carry a credential: helpers, tokens in URLs, extra headers, includes, forge and mail passwords', () => {
    for (let n = 1; n <= 11; n++) expect(filtered).not.toContain(`SECRET${n}`);
    expect(filtered).not.toMatch(/\[(credential|url|http|include|includeIf|sendemail|github|commit)\b/i);
  });

  it('keeps identity, aliases, core and diff settings, continued values included', () => {
    expect(filtered).toBe(
      '[user]\n\tname = Alice Example\n\temail = alice@example.com\n\tsigningkey = ABCD1234\n' +
        '[alias]\n\tco = checkout\n\tlg = log --graph \\\n\t  --oneline\n' +
        '[core]\n\teditor = vim\n\tautocrlf\n' +
        '[diff "lockb"]\n\ttextconv = bun\n[Diff]\n\tcolorMoved = default\n',
    );
  });

  it('keeps a key written on the header line, and drops keys before any section', () => {
    expect(filterGitConfig('stray = 1\n[user] name = Bob\n[credential] helper = x\n')).toBe('[user]\n\tname = Bob\n');
  });
});

describe('writeGitConfigCopy', () => {
  it('writes the filtered copy to the data folder, in place on a refresh, and finds ~/.config/git/config too', () => {
    const sandbox = tempHome();
    try {
      const data = path.join(sandbox.home, 'data');
      expect(writeGitConfigCopy(sandbox.home, data, 'web')).toBeNull();
      fs.mkdirSync(path.join(sandbox.home, '.config', 'git'), { recursive: true });
      fs.writeFileSync(path.join(sandbox.home, '.config', 'git', 'config'), '[user]\n\tname = A\n[credential]\n\thelper = secret\n');
      const file = writeGitConfigCopy(sandbox.home, data, 'web') as string;
      expect(file).toBe(path.join(data, 'workspaces', 'web', 'gitconfig'));
      expect(fs.readFileSync(file, 'utf8')).toBe('[user]\n\tname = A\n');
      const inode = fs.statSync(file).ino;
      fs.writeFileSync(path.join(sandbox.home, '.gitconfig'), '[user]\n\tname = B\n');
      writeGitConfigCopy(sandbox.home, data, 'web');
      expect(fs.readFileSync(file, 'utf8')).toBe('[user]\n\tname = B\n');
      expect(fs.statSync(file).ino).toBe(inode);
    } finally {
      sandbox.cleanup();
    }
  });
});
