import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lintDockerfile } from '../../core/lint/index.ts';
import { DetectError, detectStack } from '../../core/onboarding/detect.ts';
import { PACKAGE_RULES } from '../../core/onboarding/packages.ts';
import { proposeOverlay } from '../../core/onboarding/overlay.ts';
import type { DetectResult, Language } from '../../core/onboarding/types.ts';
import { goImageTag, javaMajor, nodeMajor, nodeRequirement, rustImageTag } from '../../core/onboarding/versions.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/projects');
const FIXTURES = ['node', 'python', 'go', 'rust', 'ruby', 'java', 'mixed', 'empty'];

const language = (result: DetectResult, name: Language) => result.languages.find((finding) => finding.language === name);
const packages = (result: DetectResult) => result.systemPackages.map((found) => found.name);

let temp: string | null = null;
afterEach(() => {
  if (temp) fs.rmSync(temp, { recursive: true, force: true });
  temp = null;
});

/** A throwaway project with these files (folders created as needed). */
function project(files: Record<string, string>): string {
  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-detect-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(temp, name)), { recursive: true });
    fs.writeFileSync(path.join(temp, name), text);
  }
  return temp;
}

describe('detectStack on the fixture projects', () => {
  it('node: version from .nvmrc over engines, pnpm from packageManager, packages for native modules', () => {
    const result = detectStack(path.join(fixtures, 'node'));
    expect(result.dir).toBe(path.join(fixtures, 'node'));
    expect(result.languages.map((finding) => finding.language)).toEqual(['node']);
    expect(language(result, 'node')).toMatchObject({
      evidence: [{ file: 'package.json' }],
      version: { value: '20', evidence: { file: '.nvmrc' } },
      tool: { name: 'pnpm', version: '9.1.0', evidence: { file: 'package.json', detail: 'packageManager' } },
    });
    expect(packages(result)).toEqual(['build-essential', 'libcairo2-dev', 'libgif-dev', 'libjpeg-dev', 'libpango1.0-dev', 'librsvg2-dev', 'python3']);
    // sharp ships prebuilt libvips: it needs nothing.
    expect(result.systemPackages.flatMap((found) => found.evidence.map((evidence) => evidence.detail))).not.toContain('dependencies.sharp');
    expect(result.systemPackages.find((found) => found.name === 'python3')?.evidence).toEqual([
      { file: 'package.json', detail: 'dependencies.canvas' },
      { file: 'package.json', detail: 'devDependencies.bcrypt' },
    ]);
  });

  it('python: .python-version, requirements files, psycopg2 → libpq-dev with its build tools', () => {
    const result = detectStack(path.join(fixtures, 'python'));
    expect(language(result, 'python')).toMatchObject({
      evidence: [{ file: 'requirements.txt' }, { file: 'requirements-dev.txt' }],
      version: { value: '3.12', evidence: { file: '.python-version' } },
      tool: { name: 'pip', evidence: { file: 'requirements.txt' } },
    });
    expect(packages(result)).toEqual(['build-essential', 'libjpeg-dev', 'libpq-dev', 'python3-dev', 'zlib1g-dev']);
    expect(result.systemPackages.find((found) => found.name === 'libpq-dev')).toMatchObject({
      reasons: [expect.stringMatching(/^psycopg2 builds against libpq/)],
      evidence: [{ file: 'requirements.txt', detail: 'psycopg2==2.9.9' }],
    });
  });

  it('go: the toolchain line wins over the go line; cgo dependencies need a compiler', () => {
    const result = detectStack(path.join(fixtures, 'go'));
    expect(language(result, 'go')).toMatchObject({ version: { value: '1.22.3', evidence: { file: 'go.mod', detail: 'toolchain' } }, tool: { name: 'go' } });
    expect(packages(result)).toEqual(['build-essential']);
  });

  it('rust: the channel of rust-toolchain.toml; openssl needs libssl-dev, bundled SQLite nothing', () => {
    const result = detectStack(path.join(fixtures, 'rust'));
    expect(language(result, 'rust')).toMatchObject({ version: { value: '1.83.0', evidence: { file: 'rust-toolchain.toml' } }, tool: { name: 'cargo' } });
    expect(packages(result)).toEqual(['libssl-dev', 'pkg-config']);
  });

  it('ruby: .ruby-version, bundler from Gemfile.lock, pg → libpq-dev', () => {
    const result = detectStack(path.join(fixtures, 'ruby'));
    expect(language(result, 'ruby')).toMatchObject({ version: { value: '3.3.0', evidence: { file: '.ruby-version' } }, tool: { name: 'bundler', version: '2.5.3', evidence: { file: 'Gemfile.lock' } } });
    expect(packages(result)).toEqual(['libpq-dev']);
  });

  it('java: the release of pom.xml, maven without a wrapper', () => {
    const result = detectStack(path.join(fixtures, 'java'));
    expect(language(result, 'java')).toMatchObject({ version: { value: '17', evidence: { file: 'pom.xml', detail: 'maven.compiler.release' } }, tool: { name: 'maven', wrapper: false } });
    expect(result.systemPackages).toEqual([]);
  });

  it('mixed: the root and a subfolder, each with its evidence', () => {
    const result = detectStack(path.join(fixtures, 'mixed'));
    expect(result.languages.map((finding) => finding.language)).toEqual(['node', 'python']);
    expect(language(result, 'node')).toMatchObject({ version: { value: '^20.11', evidence: { file: 'package.json', detail: 'engines.node' } }, tool: { name: 'yarn', evidence: { file: 'yarn.lock' } } });
    expect(language(result, 'python')).toMatchObject({
      evidence: [{ file: 'server/pyproject.toml' }],
      version: { value: '^3.11', evidence: { file: 'server/pyproject.toml' } },
      tool: { name: 'poetry', evidence: { file: 'server/poetry.lock' } },
    });
    expect(packages(result)).toEqual(['build-essential', 'default-libmysqlclient-dev', 'libpq-dev', 'pkg-config', 'python3-dev']);
  });

  it('empty: nothing found, nothing to note', () => {
    expect(detectStack(path.join(fixtures, 'empty'))).toEqual({ dir: path.join(fixtures, 'empty'), languages: [], systemPackages: [], notes: [] });
  });
});

describe('detectStack, bounded', () => {
  it('never looks into dependency, build or hidden folders', () => {
    const dir = project({
      'node_modules/canvas/package.json': '{"dependencies": {"canvas": "1"}}',
      'vendor/go.mod': 'module x\n\ngo 1.21\n',
      '.git/Cargo.toml': '[package]\nname = "x"\n',
      'target/pom.xml': '<project/>',
      'app/requirements.txt': 'flask\n',
    });
    const result = detectStack(dir);
    expect(result.languages.map((finding) => finding.language)).toEqual(['python']);
    expect(result.languages[0]?.evidence).toEqual([{ file: 'app/requirements.txt' }]);
  });

  it('does not read large files, and says so', () => {
    const dir = project({ 'package.json': JSON.stringify({ dependencies: { canvas: '1' }, padding: 'x'.repeat(600 * 1024) }) });
    const result = detectStack(dir);
    expect(result.languages.map((finding) => finding.language)).toEqual(['node']);
    expect(result.systemPackages).toEqual([]);
    expect(result.notes).toEqual([expect.stringMatching(/package\.json is larger than 512 KiB/)]);
  });

  it('notes manifests it cannot parse instead of failing', () => {
    const result = detectStack(project({ 'package.json': '{ nope', 'pyproject.toml': '[project\n' }));
    expect(result.languages.map((finding) => finding.language)).toEqual(['node', 'python']);
    expect(result.notes).toEqual([expect.stringMatching(/package\.json is not valid JSON/), expect.stringMatching(/pyproject\.toml is not valid TOML/)]);
  });

  it('reads the other version and tool sources', () => {
    const gradle = detectStack(project({ 'build.gradle.kts': 'java { toolchain { languageVersion.set(JavaLanguageVersion.of(21)) } }\n', gradlew: '#!/bin/sh\n' }));
    expect(language(gradle, 'java')).toMatchObject({ version: { value: '21' }, tool: { name: 'gradle', wrapper: true } });
    const pipenv = detectStack(project({ Pipfile: '[packages]\npsycopg2 = "*"\n\n[requires]\npython_version = "3.11"\n' }));
    expect(language(pipenv, 'python')).toMatchObject({ version: { value: '3.11', evidence: { file: 'Pipfile' } }, tool: { name: 'pipenv' } });
    expect(packages(pipenv)).toContain('libpq-dev');
    const uv = detectStack(project({ 'pyproject.toml': '[project]\nrequires-python = ">=3.12"\ndependencies = ["mysqlclient>=2", "Flask"]\n', 'uv.lock': '' }));
    expect(language(uv, 'python')).toMatchObject({ version: { value: '>=3.12' }, tool: { name: 'uv' } });
    expect(packages(uv)).toContain('default-libmysqlclient-dev');
    const legacyRust = detectStack(project({ 'Cargo.toml': '[dependencies]\nrusqlite = "0.31"\n', 'rust-toolchain': 'nightly-2024-05-01\n' }));
    expect(language(legacyRust, 'rust')?.version?.value).toBe('nightly-2024-05-01');
    expect(packages(legacyRust)).toEqual(['libsqlite3-dev']);
    const bun = detectStack(project({ 'package.json': '{}', 'bun.lockb': '', '.node-version': 'v20.11.1\n' }));
    expect(language(bun, 'node')).toMatchObject({ version: { value: 'v20.11.1', evidence: { file: '.node-version' } }, tool: { name: 'bun' } });
  });

  it('notes lockfiles of several package managers', () => {
    const result = detectStack(project({ 'package.json': '{}', 'yarn.lock': '', 'package-lock.json': '{}' }));
    expect(language(result, 'node')?.tool?.name).toBe('yarn');
    expect(result.notes).toEqual(['package.json has lockfiles of yarn, npm; using yarn']);
  });

  it('fails with DetectError for a folder that is not there', () => {
    expect(() => detectStack(path.join(fixtures, 'no-such-project'))).toThrow(DetectError);
    expect(() => detectStack(path.join(fixtures, 'node', 'package.json'))).toThrow(/is not a folder/);
  });
});

describe('proposeOverlay', () => {
  it.each(FIXTURES)('proposes for %s an overlay that lints without a single finding', (name) => {
    const overlay = proposeOverlay(detectStack(path.join(fixtures, name)));
    expect(overlay).toMatch(/^# Overlay for /);
    expect(overlay).toContain('ARG BASE\nFROM ${BASE}\n');
    expect(lintDockerfile(overlay)).toEqual([]);
    expect(overlay.split('\n').filter((line) => line.startsWith('#')).every((line) => line.length <= 100)).toBe(true);
  });

  it('installs the packages it found in one apt RUN, with the reason above it', () => {
    const overlay = proposeOverlay(detectStack(path.join(fixtures, 'python')));
    expect(overlay).toMatch(/# - build-essential, libpq-dev, python3-dev: psycopg2 builds against libpq/);
    expect(overlay).toContain('RUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n        build-essential \\\n');
    expect(overlay).toContain('    && rm -rf /var/lib/apt/lists/*\n');
    expect(overlay.match(/apt-get install/g)).toHaveLength(1);
  });

  it('never switches USER: the base builds as root and Paddock runs the agent as 1000:1000', () => {
    for (const name of FIXTURES) expect(proposeOverlay(detectStack(path.join(fixtures, name)))).not.toMatch(/^USER /m);
  });

  it('brings toolchains at the version the project asks for', () => {
    const at = (name: string) => proposeOverlay(detectStack(path.join(fixtures, name)));
    expect(at('node')).toContain('ARG NODE_MAJOR=20');
    expect(at('node')).toContain('RUN corepack enable pnpm');
    expect(at('go')).toContain('COPY --from=golang:1.22.3 /usr/local/go /usr/local/go');
    expect(at('rust')).toContain('COPY --from=rust:1.83.0-slim --chown=1000:1000 /usr/local/rustup /usr/local/rustup');
    expect(at('java')).toContain('COPY --from=eclipse-temurin:17-jdk /opt/java/openjdk /opt/java/openjdk');
    expect(at('java')).toContain('COPY --from=maven:3 /usr/share/maven /usr/share/maven');
    expect(at('ruby')).toContain('RUN gem install --no-document bundler -v 2.5.3');
    expect(at('mixed')).toContain('/opt/poetry/bin/pip install --no-cache-dir poetry');
  });

  it('pins an exact Node.js release when the project names one, and keeps every proposal lint-clean', () => {
    const result = detectStack(project({ 'package.json': '{"engines": {"node": ">=24"}, "packageManager": "yarn@4.1.0"}', '.nvmrc': 'v20.11.1\n' }));
    const overlay = proposeOverlay(result);
    expect(overlay).toContain('ARG NODE_VERSION=20.11.1');
    expect(overlay).toContain('https://nodejs.org/dist/v${NODE_VERSION}/${tarball}');
    expect(lintDockerfile(overlay)).toEqual([]);
    const newer = proposeOverlay(detectStack(project({ 'package.json': '{"engines": {"node": ">=25"}, "packageManager": "pnpm@10.0.0"}' })));
    expect(newer).toContain('npm install -g --no-fund --no-audit corepack');
    expect(lintDockerfile(newer)).toEqual([]);
    const gradle = proposeOverlay(detectStack(project({ 'build.gradle': 'sourceCompatibility = JavaVersion.VERSION_1_8\n', 'Gemfile': "gem 'mysql2'\n", 'pyproject.toml': '[tool.poetry]\nname = "x"\n', 'uv.lock': '' })));
    expect(gradle).toContain('eclipse-temurin:8-jdk');
    expect(gradle).toContain('COPY --from=gradle:8 /opt/gradle /opt/gradle');
    expect(lintDockerfile(gradle)).toEqual([]);
  });
});

describe('versions', () => {
  it('reads what projects write for Node.js', () => {
    expect(nodeRequirement('v20.11.1')).toEqual({ exact: '20.11.1' });
    expect(nodeRequirement('20')).toEqual({ min: 20, max: 20 });
    expect(nodeRequirement('lts/iron')).toEqual({ min: 20, max: 20 });
    expect(nodeRequirement('lts/*')).toEqual({ min: 0, max: null });
    expect(nodeRequirement('>=18')).toEqual({ min: 18, max: null });
    expect(nodeRequirement('>= 18.17 < 21')).toEqual({ min: 18, max: 20 });
    expect(nodeRequirement('^18 || ^20')).toEqual({ min: 18, max: 20 });
    expect(nodeRequirement('18.x')).toEqual({ min: 18, max: 18 });
    expect(nodeRequirement('18 - 20')).toEqual({ min: 18, max: 20 });
    expect(nodeRequirement('>20.1')).toEqual({ min: 20, max: null });
    expect(nodeRequirement('not a version')).toBeNull();
    expect(nodeMajor({ min: 18, max: null })).toBe(22);
    expect(nodeMajor({ min: 24, max: null })).toBe(24);
    expect(nodeMajor({ min: 18, max: 20 })).toBe(20);
  });

  it('maps toolchain versions to official image tags', () => {
    expect(goImageTag('1.22')).toBe('1.22');
    expect(goImageTag(null)).toBe('1');
    expect(rustImageTag('1.83')).toBe('1.83');
    expect(rustImageTag('stable')).toBe('1');
    expect(javaMajor('1.8')).toBe(8);
    expect(javaMajor('17.0.2')).toBe(17);
    expect(javaMajor(null)).toBe(21);
  });
});

describe('the system-package table', () => {
  it('is documented row for row in docs/workbench.md', () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/workbench.md'), 'utf8');
    for (const rule of PACKAGE_RULES) {
      expect(doc).toContain(`| ${rule.language} | \`${rule.dependency}\` | ${rule.packages.map((name) => `\`${name}\``).join(' ')} | ${rule.why} |`);
    }
  });
});
