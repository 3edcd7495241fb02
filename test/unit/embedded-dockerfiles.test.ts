import fs from 'node:fs';
import { type Arg, type Dockerfile, DockerfileParser, type Env, type Instruction, ModifiableInstruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';

// Static checks of the embedded images: they need no Docker, so a broken Dockerfile is caught in
// every unit run, not only where an engine can build it. (dockerfile-utils' linter is not a
// dependency of the project, so only dockerfile-ast's parse is used.)

const read = (name: string) => fs.readFileSync(new URL(`../../core/assets/${name}`, import.meta.url), 'utf8');
const FILES = { 'base.Dockerfile': read('base.Dockerfile'), 'firewall.Dockerfile': read('firewall.Dockerfile'), 'dind.Dockerfile': read('dind.Dockerfile') };
const docs = fs.readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

const KNOWN = ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];
/** The flags the Engine API's legacy builder understands; anything else needs BuildKit. */
const LEGACY_FLAGS: Record<string, string[]> = { FROM: ['platform'], COPY: ['from', 'chown'], ADD: ['chown'], RUN: [] };

/** What the base image's minimal stage must install, and what it must not (the agent never runs as root). */
const MINIMAL_PACKAGES = ['bash', 'git', 'openssh-client', 'curl', 'ca-certificates', 'tmux', 'ripgrep', 'jq', 'less', 'procps'];
const NEVER_IN_BASE = ['sudo', 'iptables', 'util-linux-extra'];
/** The npm packages of the full stage: the agent CLIs and the language servers. */
const FULL_PACKAGES = ['opencode-ai', '@anthropic-ai/claude-code', '@openai/codex', '@google/gemini-cli', 'typescript-language-server', 'typescript', 'pyright', 'bash-language-server', 'yaml-language-server'];
const EXACT_VERSION = /^\d+\.\d+\.\d+$/;

type Stage = { name: string | null; from: string | null; instructions: Instruction[] };

function parse(text: string): Dockerfile {
  return DockerfileParser.parse(text);
}

/** Instructions grouped by stage, in order; the ARGs before the first FROM are left out. */
function stages(dockerfile: Dockerfile): Stage[] {
  const result: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = dockerfile.getFROMs().find((candidate) => candidate.getRange().start.line === instruction.getRange().start.line);
      result.push({ name: from?.getBuildStage() ?? null, from: from?.getImageName() ?? null, instructions: [] });
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

function stage(dockerfile: Dockerfile, name: string): Stage {
  const found = stages(dockerfile).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
}

const args = (instruction: Instruction) => instruction.getArgumentsContent() ?? '';
const runs = (instructions: Instruction[]) => instructions.filter((instruction) => instruction.getKeyword() === 'RUN').map(args);
const where = (instruction: Instruction) => `line ${instruction.getRange().start.line + 1}`;

/** The simple commands of a shell script, split at ;, &&, ||, | and line ends, trimmed. */
function commands(script: string): string[] {
  return script
    .split(/;|&&|\|\||\||\n/)
    .map((command) => command.trim())
    .filter(Boolean);
}

const words = (command: string) => command.split(/\s+/).map((word) => word.replace(/^["']|["']$/g, ''));

/** The packages that a RUN's `apt-get install` commands name. */
function aptInstalls(script: string): string[] {
  return commands(script)
    .filter((command) => /^apt-get\s+install\b/.test(command))
    .flatMap((command) => words(command).slice(2).filter((word) => !word.startsWith('-')));
}

/** The options of one command (`--uid 1000`, `-u 1000`, `--create-home`) and its last word. */
function options(command: string, aliases: Record<string, string>): { options: Map<string, string | true>; operand: string | undefined } {
  const list = words(command).slice(1);
  const found = new Map<string, string | true>();
  const operand = list.at(-1);
  for (let i = 0; i < list.length - 1; i++) {
    const word = list[i] ?? '';
    if (!word.startsWith('-')) continue;
    const name = aliases[word] ?? word;
    const next = list[i + 1];
    if (next !== undefined && !next.startsWith('-') && i + 1 < list.length - 1) {
      found.set(name, next);
      i++;
    } else {
      found.set(name, true);
    }
  }
  return { options: found, operand };
}

function argDefaults(instructions: Instruction[]): Map<string, { value: string | null; line: number }> {
  const found = new Map<string, { value: string | null; line: number }>();
  for (const instruction of instructions) {
    if (instruction.getKeyword() !== 'ARG') continue;
    const property = (instruction as Arg).getProperty();
    if (property) found.set(property.getName(), { value: property.getValue(), line: instruction.getRange().start.line });
  }
  return found;
}

function envOf(instructions: Instruction[]): Map<string, string | null> {
  const found = new Map<string, string | null>();
  for (const instruction of instructions) {
    if (instruction.getKeyword() !== 'ENV') continue;
    for (const property of (instruction as Env).getProperties()) found.set(property.getName(), property.getValue());
  }
  return found;
}

describe.each(Object.entries(FILES))('%s', (name, text) => {
  const dockerfile = parse(text);
  const instructions = dockerfile.getInstructions();

  it('parses, and uses only known instructions', () => {
    expect(instructions.length).toBeGreaterThan(0);
    expect(instructions.map((instruction) => instruction.getKeyword()).filter((keyword) => !KNOWN.includes(keyword))).toEqual([]);
  });

  it('builds FROM ${FROM_IMAGE}, declared before the first FROM with ubuntu:24.04 as default', () => {
    expect(dockerfile.getFROMs()[0]?.getImageName()).toBe('${FROM_IMAGE}');
    expect(dockerfile.getInitialARGs().map((arg) => [arg.getProperty()?.getName(), arg.getProperty()?.getValue()])).toEqual([['FROM_IMAGE', 'ubuntu:24.04']]);
  });

  it('uses nothing that needs BuildKit (the legacy builder builds it)', () => {
    expect(dockerfile.getDirectives().map((directive) => directive.getName())).not.toContain('syntax');
    expect(text).not.toMatch(/^\s*#\s*syntax\s*=/im);
    const problems: string[] = [];
    for (const instruction of instructions) {
      const content = instruction.getRawArgumentsContent() ?? '';
      if (content.includes('<<')) problems.push(`${where(instruction)}: heredoc`);
      if (/(^|\s)--(mount|chmod|link|network|security|parents|exclude|checksum|keep-git-dir)\b/.test(content)) problems.push(`${where(instruction)}: BuildKit flag in ${instruction.getKeyword()}`);
      const allowed = LEGACY_FLAGS[instruction.getKeyword()];
      if (allowed && instruction instanceof ModifiableInstruction) {
        for (const flag of instruction.getFlags()) if (!allowed.includes(flag.getName())) problems.push(`${where(instruction)}: ${instruction.getKeyword()} --${flag.getName()}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has no VOLUME, ENTRYPOINT, CMD or LABEL (Paddock sets them, or they would shadow bind mounts)', () => {
    expect(instructions.map((instruction) => instruction.getKeyword()).filter((keyword) => ['VOLUME', 'ENTRYPOINT', 'CMD', 'LABEL'].includes(keyword))).toEqual([]);
  });

  it('keeps DEBIAN_FRONTEND a build ARG, never ENV', () => {
    expect(envOf(instructions).has('DEBIAN_FRONTEND')).toBe(false);
    for (const current of stages(dockerfile)) {
      if (runs(current.instructions).some((script) => script.includes('apt-get'))) expect(argDefaults(current.instructions).get('DEBIAN_FRONTEND')?.value).toBe('noninteractive');
    }
  });

  it('updates, installs without recommends and cleans up apt in one RUN', () => {
    const installing = runs(instructions).filter((script) => /apt-get\s+install/.test(script));
    expect(installing.length).toBeGreaterThan(0);
    for (const script of installing) {
      const list = commands(script);
      const update = list.findIndex((command) => /^apt-get\s+update\b/.test(command));
      const install = list.findIndex((command) => /^apt-get\s+install\b/.test(command));
      const clean = list.findIndex((command) => /^apt-get\s+clean\b/.test(command));
      const removeLists = list.findIndex((command) => /^rm\s+-rf\s+\/var\/lib\/apt\/lists\/\*$/.test(command));
      expect(update, script).toBeGreaterThanOrEqual(0);
      expect(update, 'apt-get update comes before the install').toBeLessThan(install);
      expect(list[install], 'install without recommends, without prompts').toMatch(/^apt-get\s+install\s+-y\s+--no-install-recommends\b/);
      expect(clean, 'apt-get clean after the install (a minbase import has no docker-clean hook)').toBeGreaterThan(install);
      expect(removeLists, 'the apt lists are removed after the install').toBeGreaterThan(install);
    }
  });
});

describe('base.Dockerfile', () => {
  const dockerfile = parse(FILES['base.Dockerfile']);
  const minimal = stage(dockerfile, 'minimal');
  const full = stage(dockerfile, 'full');
  const minimalRun = runs(minimal.instructions).join('\n');

  it('has exactly the stages minimal and full, full built FROM minimal', () => {
    expect(stages(dockerfile).map((current) => [current.name, current.from])).toEqual([
      ['minimal', '${FROM_IMAGE}'],
      ['full', 'minimal'],
    ]);
  });

  it('installs every tool a workspace needs in minimal, and no privilege tools', () => {
    const installed = runs(minimal.instructions).flatMap(aptInstalls);
    expect(MINIMAL_PACKAGES.filter((pkg) => !installed.includes(pkg))).toEqual([]);
    expect(NEVER_IN_BASE.filter((pkg) => installed.includes(pkg))).toEqual([]);
    expect(runs(full.instructions).flatMap(aptInstalls)).toEqual([]);
  });

  it('creates the agent user with UID 1000, GID 1000, home /home/agent and bash, after freeing 1000', () => {
    const list = commands(minimalRun);
    const index = (pattern: RegExp) => list.findIndex((command) => pattern.test(command));
    const groupadd = list[index(/^groupadd\b/)] ?? '';
    const useradd = list[index(/^useradd\b/)] ?? '';
    expect(options(groupadd, { '-g': '--gid' })).toEqual({ options: new Map([['--gid', '1000']]), operand: 'agent' });
    const user = options(useradd, { '-u': '--uid', '-g': '--gid', '-d': '--home-dir', '-m': '--create-home', '-s': '--shell' });
    expect(user.operand).toBe('agent');
    expect(Object.fromEntries(user.options)).toMatchObject({ '--uid': '1000', '--gid': '1000', '--home-dir': '/home/agent', '--create-home': true, '--shell': '/bin/bash' });
    // Ubuntu 24.04's ubuntu user (and its group) holds 1000: it must go first, and only if present.
    expect(minimalRun).toMatch(/getent passwd 1000/);
    expect(minimalRun).toMatch(/getent group 1000/);
    expect(index(/userdel\b/)).toBeGreaterThanOrEqual(0);
    expect(index(/groupdel\b/)).toBeGreaterThanOrEqual(0);
    expect(index(/userdel\b/)).toBeLessThan(index(/^groupadd\b/));
    expect(index(/groupdel\b/)).toBeLessThan(index(/^groupadd\b/));
    expect(list.filter((command) => /\b(userdel|groupdel)\b/.test(command)).every((command) => command.startsWith('then '))).toBe(true);
  });

  it('puts /home/agent/.local/bin first on PATH, owned by agent, with a UTF-8 locale', () => {
    const env = envOf(minimal.instructions);
    expect(env.get('PATH')?.split(':')[0]).toBe('/home/agent/.local/bin');
    expect(env.get('PATH')).toMatch(/:\$\{?PATH\}?$|:\/usr\/local\/bin:/);
    expect(env.get('LANG')).toBe('C.UTF-8');
    expect(env.get('LC_ALL')).toBe('C.UTF-8');
    const mkdir = commands(minimalRun).find((command) => /^mkdir\s+-p\b/.test(command)) ?? '';
    expect(words(mkdir)).toContain('/home/agent/.local/bin');
    expect(commands(minimalRun)).toContainEqual(expect.stringMatching(/^chown\s+-R\s+(agent:agent|1000:1000)\s+\/home\/agent$/));
    expect(envOf(full.instructions).has('PATH')).toBe(false);
  });

  it('works in /home/agent and stays root for overlays (Paddock runs the container as 1000:1000)', () => {
    expect(minimal.instructions.filter((instruction) => instruction.getKeyword() === 'WORKDIR').map(args).at(-1)).toBe('/home/agent');
    for (const current of stages(dockerfile)) {
      const user = current.instructions.filter((instruction) => instruction.getKeyword() === 'USER').map(args).at(-1);
      if (user !== undefined) expect(user, `USER at the end of ${current.name}`).toMatch(/^(root|0)(:(root|0))?$/);
    }
  });

  it('pins Node.js to an exact 22.x.y and verifies its checksum before unpacking', () => {
    const node = argDefaults(full.instructions).get('NODE_VERSION');
    expect(node?.value).toMatch(/^22\.\d+\.\d+$/);
    const script = runs(full.instructions).find((candidate) => candidate.includes('${NODE_VERSION}')) ?? '';
    expect(script).toContain('https://nodejs.org/dist/v${NODE_VERSION}/');
    expect(script).toContain('SHASUMS256.txt');
    expect(script).toMatch(/dpkg --print-architecture/);
    expect(script).toMatch(/amd64\)\s*node_arch=x64/);
    expect(script).toMatch(/arm64\)\s*node_arch=arm64/);
    const list = commands(script);
    const check = list.findIndex((command) => /^sha256sum\s+(-c|--check)\b/.test(command));
    const unpack = list.findIndex((command) => /^tar\s+-x/.test(command));
    expect(check, 'sha256sum -c').toBeGreaterThanOrEqual(0);
    expect(unpack, 'tar -x').toBeGreaterThan(check);
    expect(list[unpack]).toMatch(/-C \/usr\/local\b/);
  });

  it.each(FULL_PACKAGES)('pins %s with an exact version in an ARG that npm install -g uses', (pkg) => {
    const script = runs(full.instructions).find((candidate) => /^npm\s+install\s+-g\b/.test(candidate)) ?? '';
    const spec = words(commands(script)[0] ?? '').find((word) => word.startsWith(`${pkg}@`));
    const variable = /^.+@\$\{(\w+)\}$/.exec(spec ?? '')?.[1];
    expect(variable, `${pkg}@\${SOME_VERSION} in the npm install`).toBeDefined();
    const declared = argDefaults(full.instructions).get(variable ?? '');
    expect(declared?.value, `ARG ${variable}`).toMatch(EXACT_VERSION);
    const install = full.instructions.find((instruction) => args(instruction) === script);
    expect(declared?.line).toBeLessThan(install?.getRange().start.line ?? -1);
    // The docs list the same pins, so they cannot drift apart.
    const section = docs.slice(docs.indexOf('## The embedded images')).split('\n');
    expect(section.some((line) => line.includes(`\`${pkg}\``) && line.split(/[\s|]+/).includes(declared?.value ?? '?')), `docs name ${pkg} ${declared?.value}`).toBe(true);
  });

  it('cleans the npm cache in the same RUN as the install', () => {
    const script = runs(full.instructions).find((candidate) => /^npm\s+install\s+-g\b/.test(candidate)) ?? '';
    expect(commands(script)).toContain('npm cache clean --force');
  });
});

describe('firewall.Dockerfile', () => {
  const dockerfile = parse(FILES['firewall.Dockerfile']);
  const instructions = dockerfile.getInstructions();

  it('is one stage that only installs nftables, iproute2 and perl-base', () => {
    expect(dockerfile.getFROMs()).toHaveLength(1);
    expect(instructions.map((instruction) => instruction.getKeyword()).filter((keyword) => !['ARG', 'FROM', 'RUN'].includes(keyword))).toEqual([]);
    const scripts = runs(instructions);
    expect(scripts).toHaveLength(1);
    expect(aptInstalls(scripts[0] ?? '').sort()).toEqual(['iproute2', 'nftables', 'perl-base']);
    const others = commands(scripts[0] ?? '').filter((command) => !/^(apt-get\s+(update|install|clean)\b|rm\s+-rf\s+\/var\/lib\/apt\/lists\/\*$)/.test(command));
    expect(others).toEqual([]);
  });
});

describe('dind.Dockerfile', () => {
  const dockerfile = parse(FILES['dind.Dockerfile']);
  const script = runs(dockerfile.getInstructions()).join('\n');

  it('installs rootless Docker and nothing that would give a way back to root', () => {
    expect(aptInstalls(script).sort()).toEqual(['ca-certificates', 'docker.io', 'iproute2', 'libcap2-bin', 'rootlesskit', 'slirp4netns', 'uidmap']);
    expect(script).not.toMatch(/\bsudo\b/);
  });

  it('strips every setuid bit and gives the ID-mapping helpers file capabilities instead', () => {
    const list = commands(script);
    const strip = list.findIndex((command) => /^find \/ -xdev -type f -perm \/6000 -exec chmod ug-s/.test(command));
    const uidmap = list.indexOf('setcap cap_setuid,cap_setfcap+ep /usr/bin/newuidmap');
    const gidmap = list.indexOf('setcap cap_setgid,cap_setfcap+ep /usr/bin/newgidmap');
    expect(strip).toBeGreaterThanOrEqual(0);
    expect(uidmap).toBeGreaterThan(strip);
    expect(gidmap).toBeGreaterThan(strip);
  });

  it('has the UID 1000 user with subordinate IDs, and the folders its volumes need, owned by it', () => {
    const list = commands(script);
    expect(list).toContain('useradd --uid 1000 --gid 1000 --home-dir /home/rootless --create-home --shell /bin/sh rootless');
    expect(list).toContain("echo 'rootless:100000:65536' > /etc/subuid");
    expect(list).toContain("echo 'rootless:100000:65536' > /etc/subgid");
    expect(list).toContain('mkdir -p /home/rootless/.local/share/docker /paddock-docker');
    expect(list).toContain('chown -R rootless:rootless /home/rootless /paddock-docker');
  });
});

