import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/errors.ts';
import { readHostFile } from '../../core/config/host-sources.ts';
import { nodeHost, validateConfigText } from '../../core/config/load.ts';
import { tempHome } from '../support/cli.ts';

/** Real files in a throwaway home: the checks are about what the file system really holds. */
describe('host sources on the real file system', () => {
  let sandbox: ReturnType<typeof tempHome>;
  let home: string;
  let project: string;

  beforeEach(() => {
    sandbox = tempHome();
    home = sandbox.home;
    project = path.join(home, 'proj');
    fs.mkdirSync(path.join(project, 'data'), { recursive: true });
    fs.writeFileSync(path.join(project, '.env'), 'A=1\n');
    fs.mkdirSync(path.join(home, '.ssh'));
    fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), 'KEY\n');
    fs.mkdirSync(path.join(home, 'outside'));
    fs.writeFileSync(path.join(home, 'outside', 'token'), 'T\n');
  });
  afterEach(() => sandbox.cleanup());

  const ws = (body: string) => `[workspaces.web]\npaths = ["${project}"]\n${body}`;
  function issues(text: string): string[] {
    try {
      validateConfigText(text, 'c.toml', nodeHost(home));
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
      throw error;
    }
  }

  it('refuses a mount source, env file or secret file inside a workspace path unless confirmed', () => {
    const body = `mounts = ["${project}/data:/data"]\nenv_file = ["${project}/.env"]\n[workspaces.web.secrets.file.t]\nfrom_file = "${project}/.env"\n`;
    const found = issues(ws(body));
    expect(found).toHaveLength(3);
    for (const issue of found) expect(issue).toMatch(/lies in ~\/proj, which the agent can write.*agent_writable_sources/);
    expect(issues(ws(`agent_writable_sources = ["~/proj/data", "~/proj/.env"]\n${body}`))).toEqual([]);
  });

  it('counts a read-write mount as a folder the agent can write, and a read-only one not', () => {
    fs.mkdirSync(path.join(home, 'shared'));
    fs.writeFileSync(path.join(home, 'shared', 'env'), 'B=2\n');
    expect(issues(ws(`mounts = ["${home}/shared:/shared:rw"]\nenv_file = ["${home}/shared/env"]\n`))[0]).toMatch(/lies in ~\/shared/);
    expect(issues(ws(`mounts = ["${home}/shared:/shared:ro"]\nenv_file = ["${home}/shared/env"]\n`))).toEqual([]);
  });

  it('refuses a confirmed source the agent swapped for a symlink, wherever the link leads', () => {
    const body = `agent_writable_sources = ["~/proj/data", "~/proj/.env"]\nmounts = ["${project}/data:/data"]\nenv_file = ["${project}/.env"]\n`;
    fs.rmSync(path.join(project, 'data'), { recursive: true });
    fs.symlinkSync(path.join(home, 'outside'), path.join(project, 'data'));
    fs.rmSync(path.join(project, '.env'));
    fs.symlinkSync(path.join(home, 'outside', 'token'), path.join(project, '.env'));
    const found = issues(ws(body));
    expect(found).toHaveLength(2);
    for (const issue of found) expect(issue).toMatch(/passes through a symlink inside ~\/proj/);
  });

  it('refuses a link in a folder on the way, not only the last one', () => {
    fs.mkdirSync(path.join(home, 'outside', 'sub'));
    fs.writeFileSync(path.join(home, 'outside', 'sub', '.env'), 'C=3\n');
    fs.symlinkSync(path.join(home, 'outside', 'sub'), path.join(project, 'conf'));
    expect(issues(ws(`agent_writable_sources = ["~/proj/conf/.env"]\nenv_file = ["${project}/conf/.env"]\n`))[0]).toMatch(/passes through a symlink inside ~\/proj/);
  });

  it('applies the forbidden list to the real path of a workspace path, a mount and a build context', () => {
    fs.symlinkSync(path.join(home, '.ssh'), path.join(home, 'keys'));
    fs.symlinkSync(home, path.join(home, 'all'));
    expect(issues(`[workspaces.web]\npaths = ["${home}/keys"]\n`)[0]).toMatch(/~\/keys leads to ~\/\.ssh, which is forbidden/);
    expect(issues(ws(`mounts = ["${home}/keys:/k:ro"]\n`))[0]).toMatch(/leads to ~\/\.ssh, which is forbidden/);
    expect(issues(ws(`dockerfile = "${project}/Dockerfile"\nbuild_context = "${home}/all"\n`))[0]).toMatch(/build_context: ~\/all leads to ~, which is forbidden: it contains ~\/\.ssh/);
  });

  it('keeps a symlinked env file outside every agent folder (dotfiles), unless it leads somewhere forbidden', () => {
    fs.symlinkSync(path.join(home, 'outside', 'token'), path.join(home, 'agent.env'));
    expect(issues(ws(`env_file = ["${home}/agent.env"]\n`))).toEqual([]);
    fs.symlinkSync(path.join(home, '.ssh', 'id_rsa'), path.join(home, 'bad.env'));
    expect(issues(ws(`env_file = ["${home}/bad.env"]\n`))[0]).toMatch(/leads to ~\/\.ssh\/id_rsa, which is forbidden/);
  });

  it('reads a file without following a link below an agent folder', () => {
    expect(readHostFile(path.join(project, '.env'), [project], home).toString()).toBe('A=1\n');
    fs.rmSync(path.join(project, '.env'));
    fs.symlinkSync(path.join(home, 'outside', 'token'), path.join(project, '.env'));
    expect(() => readHostFile(path.join(project, '.env'), [project], home)).toThrow(/passes through a symlink/);
  });
});
