import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { rulesFor } from './packages.ts';
import type { DetectResult, Evidence, Language, LanguageFinding, SystemPackageFinding } from './types.ts';

/** Manifests are small; anything bigger is a generated file (a lockfile) and is only checked for existence. */
const MAX_FILE_BYTES = 512 * 1024;
/** Folders one level down that are looked at, at most: enough for a monorepo's packages, and bounded. */
const MAX_SUBDIRS = 40;
/** Folders that hold dependencies, build output or tool state, never the project's own manifests. */
const SKIPPED_DIRS = new Set(['node_modules', 'vendor', 'target', 'dist', 'build', 'out', 'bin', 'obj', 'venv', 'env', '__pycache__', 'coverage', 'tmp']);

export class DetectError extends Error {
  override readonly name = 'DetectError';
}

/** One folder's files, read on demand. */
class Folder {
  private readonly names: Set<string>;
  private readonly cache = new Map<string, string | null>();

  constructor(
    readonly dir: string,
    /** The folder relative to the project, '' for the project itself. */
    readonly prefix: string,
    names: string[],
    private readonly notes: string[],
  ) {
    this.names = new Set(names);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  list(): string[] {
    return [...this.names].sort();
  }

  evidence(name: string, detail?: string): Evidence {
    return { file: this.prefix ? `${this.prefix}/${name}` : name, ...(detail ? { detail } : {}) };
  }

  read(name: string): string | null {
    if (!this.names.has(name)) return null;
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    let text: string | null = null;
    try {
      const file = path.join(this.dir, name);
      const stat = fs.statSync(file);
      if (!stat.isFile()) text = null;
      else if (stat.size > MAX_FILE_BYTES) this.notes.push(`${this.evidence(name).file} is larger than ${MAX_FILE_BYTES / 1024} KiB; not read`);
      else text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      this.notes.push(`${this.evidence(name).file} could not be read: ${(error as Error).message}`);
    }
    this.cache.set(name, text);
    return text;
  }

  toml(name: string): Record<string, unknown> | null {
    const text = this.read(name);
    if (text === null) return null;
    try {
      return parseToml(text) as Record<string, unknown>;
    } catch (error) {
      this.notes.push(`${this.evidence(name).file} is not valid TOML (${(error as Error).message.split('\n')[0]}); not used`);
      return null;
    }
  }

  json(name: string): Record<string, unknown> | null {
    const text = this.read(name);
    if (text === null) return null;
    try {
      const value: unknown = JSON.parse(text);
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    } catch (error) {
      this.notes.push(`${this.evidence(name).file} is not valid JSON (${(error as Error).message}); not used`);
      return null;
    }
  }

  /** The first non-empty, non-comment line of a version file such as .nvmrc. */
  firstLine(name: string): string | null {
    const line = this.read(name)?.split(/\r?\n/).map((entry) => entry.replace(/#.*/, '').trim()).find(Boolean);
    return line ?? null;
  }
}

function object(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A language found in one folder, with the dependencies its manifests name. */
interface Detected {
  finding: LanguageFinding;
  dependencies: Dependency[];
}

interface Dependency {
  name: string;
  evidence: Evidence;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** Looks at the project folder and its subfolders (one level) for what it is written in. */
export function detectStack(dir: string): DetectResult {
  const root = path.resolve(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch {
    throw new DetectError(`${root} does not exist`);
  }
  if (!stat.isDirectory()) throw new DetectError(`${root} is not a folder`);
  const notes: string[] = [];
  const entries = fs.readdirSync(root, { withFileTypes: true });
  const folders = [new Folder(root, '', entries.filter((entry) => !entry.isDirectory()).map((entry) => entry.name), notes)];
  const subdirs = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)).map((entry) => entry.name).sort();
  if (subdirs.length > MAX_SUBDIRS) notes.push(`only the first ${MAX_SUBDIRS} of ${subdirs.length} subfolders were looked at`);
  for (const name of subdirs.slice(0, MAX_SUBDIRS)) {
    try {
      const files = fs.readdirSync(path.join(root, name), { withFileTypes: true }).filter((entry) => !entry.isDirectory()).map((entry) => entry.name);
      folders.push(new Folder(path.join(root, name), name, files, notes));
    } catch {
      // A folder we may not read holds nothing we can use.
    }
  }
  const findings = new Map<Language, LanguageFinding>();
  const dependencies: Array<Dependency & { language: Language }> = [];
  const add = (detected: Detected | null) => {
    if (!detected) return;
    const { finding } = detected;
    dependencies.push(...detected.dependencies.map((dependency) => ({ ...dependency, language: finding.language })));
    const known = findings.get(finding.language);
    if (!known) {
      findings.set(finding.language, finding);
      return;
    }
    // The project's root comes first, so its version and tool win; subfolders add evidence.
    known.evidence.push(...finding.evidence);
    known.version ??= finding.version;
    known.tool ??= finding.tool;
  };
  for (const folder of folders) {
    add(detectNode(folder, notes));
    add(detectPython(folder));
    add(detectGo(folder));
    add(detectRust(folder));
    add(detectRuby(folder));
    add(detectJava(folder));
  }
  const order: Language[] = ['node', 'python', 'go', 'rust', 'ruby', 'java'];
  const languages = order.flatMap((language) => findings.get(language) ?? []);
  return { dir: root, languages, systemPackages: systemPackages(dependencies), notes };
}

function systemPackages(dependencies: Array<Dependency & { language: Language }>): SystemPackageFinding[] {
  const found = new Map<string, SystemPackageFinding>();
  for (const dependency of dependencies) {
    for (const rule of rulesFor(dependency.language, dependency.name)) {
      for (const name of rule.packages) {
        const entry = found.get(name) ?? { name, reasons: [], evidence: [] };
        const reason = `${rule.dependency} ${rule.why}`;
        if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
        if (!entry.evidence.some((known) => known.file === dependency.evidence.file && known.detail === dependency.evidence.detail)) entry.evidence.push(dependency.evidence);
        found.set(name, entry);
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const NODE_LOCKFILES: Array<[string, string]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

function detectNode(folder: Folder, notes: string[]): Detected | null {
  const manifest = folder.has('package.json') ? folder.json('package.json') : null;
  const versionFile = ['.nvmrc', '.node-version'].find((name) => folder.has(name));
  if (!folder.has('package.json') && !versionFile) return null;
  const evidence = [folder.evidence(folder.has('package.json') ? 'package.json' : (versionFile ?? '.nvmrc'))];
  let version: LanguageFinding['version'] = null;
  const fileVersion = versionFile ? folder.firstLine(versionFile) : null;
  const engines = object(manifest?.engines).node;
  if (versionFile && fileVersion) version = { value: fileVersion, evidence: folder.evidence(versionFile) };
  else if (typeof engines === 'string') version = { value: engines, evidence: folder.evidence('package.json', 'engines.node') };
  let tool: LanguageFinding['tool'] = null;
  const declared = typeof manifest?.packageManager === 'string' ? /^(npm|pnpm|yarn|bun)@([^+\s]+)/.exec(manifest.packageManager) : null;
  const locks = NODE_LOCKFILES.filter(([name]) => folder.has(name));
  if (declared?.[1]) tool = { name: declared[1], version: declared[2] ?? null, evidence: folder.evidence('package.json', 'packageManager'), wrapper: false };
  else if (locks[0]) tool = { name: locks[0][1], version: null, evidence: folder.evidence(locks[0][0]), wrapper: false };
  else if (manifest) tool = { name: 'npm', version: null, evidence: folder.evidence('package.json', 'no lockfile'), wrapper: false };
  const managers = [...new Set(locks.map(([, name]) => name))];
  if (managers.length > 1 && tool) notes.push(`${folder.evidence('package.json').file} has lockfiles of ${managers.join(', ')}; using ${tool.name}`);
  const dependencies = ['dependencies', 'devDependencies', 'optionalDependencies'].flatMap((key) =>
    Object.keys(object(manifest?.[key])).map((name) => ({ name, evidence: folder.evidence('package.json', `${key}.${name}`) })),
  );
  return { finding: { language: 'node', evidence, version, tool }, dependencies };
}

/** The distribution name of a PEP 508 requirement (`psycopg2>=2.9; python_version > "3"` → psycopg2). */
function requirementName(requirement: string): string | null {
  return /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement)?.[1] ?? null;
}

function detectPython(folder: Folder): Detected | null {
  // requirements.txt first: it is the one that names the project's own dependencies.
  const requirementFiles = folder.list().filter((name) => /^requirements.*\.(txt|in)$/.test(name)).sort((a, b) => Number(b === 'requirements.txt') - Number(a === 'requirements.txt'));
  const markers = ['pyproject.toml', 'Pipfile', 'setup.py', 'setup.cfg', ...requirementFiles].filter((name) => folder.has(name));
  if (markers.length === 0 && !folder.has('.python-version')) return null;
  const evidence = (markers.length ? markers : ['.python-version']).map((name) => folder.evidence(name));
  const pyproject = folder.has('pyproject.toml') ? folder.toml('pyproject.toml') : null;
  const pipfile = folder.has('Pipfile') ? folder.toml('Pipfile') : null;
  const project = object(pyproject?.project);
  const poetry = object(object(pyproject?.tool).poetry);
  const poetryPython = object(poetry.dependencies).python;
  const requires = object(pipfile?.requires);
  const pinned = folder.firstLine('.python-version');
  const runtime = folder.firstLine('runtime.txt');
  let version: LanguageFinding['version'] = null;
  if (pinned) version = { value: pinned, evidence: folder.evidence('.python-version') };
  else if (typeof project['requires-python'] === 'string') version = { value: project['requires-python'], evidence: folder.evidence('pyproject.toml', 'project.requires-python') };
  else if (typeof poetryPython === 'string') version = { value: poetryPython, evidence: folder.evidence('pyproject.toml', 'tool.poetry.dependencies.python') };
  else if (typeof requires.python_version === 'string') version = { value: requires.python_version, evidence: folder.evidence('Pipfile', 'requires.python_version') };
  else if (runtime?.startsWith('python-')) version = { value: runtime.slice('python-'.length), evidence: folder.evidence('runtime.txt') };
  let tool: LanguageFinding['tool'] = null;
  if (folder.has('uv.lock')) tool = { name: 'uv', version: null, evidence: folder.evidence('uv.lock'), wrapper: false };
  else if (folder.has('poetry.lock') || Object.keys(poetry).length > 0) tool = { name: 'poetry', version: null, evidence: folder.evidence(folder.has('poetry.lock') ? 'poetry.lock' : 'pyproject.toml'), wrapper: false };
  else if (folder.has('Pipfile')) tool = { name: 'pipenv', version: null, evidence: folder.evidence('Pipfile'), wrapper: false };
  else if (markers[0]) tool = { name: 'pip', version: null, evidence: folder.evidence(markers[0]), wrapper: false };
  const dependencies: Dependency[] = [];
  const addRequirement = (requirement: string, file: string) => {
    const name = requirementName(requirement);
    if (name) dependencies.push({ name, evidence: folder.evidence(file, requirement.trim()) });
  };
  for (const name of requirementFiles) {
    for (const line of folder.read(name)?.split(/\r?\n/) ?? []) {
      const requirement = line.replace(/\s#.*$/, '').trim();
      // Options (-r other.txt, -e ., --index-url) name no distribution.
      if (requirement && !requirement.startsWith('#') && !requirement.startsWith('-')) addRequirement(requirement, name);
    }
  }
  const pep508 = [
    ...strings(project.dependencies),
    ...Object.values(object(project['optional-dependencies'])).flatMap(strings),
    ...Object.values(object(pyproject?.['dependency-groups'])).flatMap(strings),
  ];
  for (const requirement of pep508) addRequirement(requirement, 'pyproject.toml');
  const poetryGroups = Object.values(object(poetry.group)).map((group) => object(object(group).dependencies));
  for (const table of [object(poetry.dependencies), object(poetry['dev-dependencies']), ...poetryGroups]) {
    for (const name of Object.keys(table)) if (name.toLowerCase() !== 'python') dependencies.push({ name, evidence: folder.evidence('pyproject.toml', name) });
  }
  for (const table of [object(pipfile?.packages), object(pipfile?.['dev-packages'])]) {
    for (const name of Object.keys(table)) dependencies.push({ name, evidence: folder.evidence('Pipfile', name) });
  }
  return { finding: { language: 'python', evidence, version, tool }, dependencies };
}

function detectGo(folder: Folder): Detected | null {
  const text = folder.read('go.mod');
  if (text === null) return null;
  const toolchain = /^toolchain\s+go(\S+)/m.exec(text)?.[1];
  const go = /^go\s+(\S+)/m.exec(text)?.[1];
  const version = toolchain ? { value: toolchain, evidence: folder.evidence('go.mod', 'toolchain') } : go ? { value: go, evidence: folder.evidence('go.mod', 'go') } : null;
  // `require x v1` lines and the lines of `require ( … )` blocks.
  const dependencies = [...text.matchAll(/^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+\/\S+)\s+v\S+/gm)].flatMap((match) => (match[1] ? [{ name: match[1], evidence: folder.evidence('go.mod', match[1]) }] : []));
  const tool = { name: 'go', version: null, evidence: folder.evidence('go.mod'), wrapper: false };
  return { finding: { language: 'go', evidence: [folder.evidence('go.mod')], version, tool }, dependencies };
}

function detectRust(folder: Folder): Detected | null {
  if (!folder.has('Cargo.toml')) return null;
  const cargo = folder.toml('Cargo.toml');
  let version: LanguageFinding['version'] = null;
  const channel = object(object(folder.has('rust-toolchain.toml') ? folder.toml('rust-toolchain.toml') : null).toolchain).channel;
  if (typeof channel === 'string') version = { value: channel, evidence: folder.evidence('rust-toolchain.toml', 'toolchain.channel') };
  else if (folder.has('rust-toolchain')) {
    // The old file is either a bare channel name or the same TOML as rust-toolchain.toml.
    const line = folder.firstLine('rust-toolchain');
    const legacy = line && !line.startsWith('[') ? line : object(object(folder.toml('rust-toolchain')).toolchain).channel;
    if (typeof legacy === 'string') version = { value: legacy, evidence: folder.evidence('rust-toolchain') };
  }
  const targets = Object.values(object(cargo?.target)).flatMap((target) => [object(target).dependencies, object(target)['build-dependencies']]);
  const tables = [cargo?.dependencies, cargo?.['dev-dependencies'], cargo?.['build-dependencies'], object(cargo?.workspace).dependencies, ...targets];
  const dependencies: Dependency[] = [];
  for (const table of tables) {
    for (const [name, spec] of Object.entries(object(table))) {
      // SQLite built into the crate needs no system library.
      if ((name === 'rusqlite' || name === 'libsqlite3-sys') && strings(object(spec).features).includes('bundled')) continue;
      const crate = object(spec).package;
      dependencies.push({ name: typeof crate === 'string' ? crate : name, evidence: folder.evidence('Cargo.toml', name) });
    }
  }
  const tool = { name: 'cargo', version: null, evidence: folder.evidence('Cargo.toml'), wrapper: false };
  return { finding: { language: 'rust', evidence: [folder.evidence('Cargo.toml')], version, tool }, dependencies };
}

function detectRuby(folder: Folder): Detected | null {
  const gemfile = folder.read('Gemfile');
  if (gemfile === null && !folder.has('.ruby-version')) return null;
  const pinned = folder.firstLine('.ruby-version');
  const declared = gemfile ? /^\s*ruby\s+["']([^"']+)["']/m.exec(gemfile)?.[1] : undefined;
  const version = pinned ? { value: pinned.replace(/^ruby-/, ''), evidence: folder.evidence('.ruby-version') } : declared ? { value: declared, evidence: folder.evidence('Gemfile', 'ruby') } : null;
  const bundled = /BUNDLED WITH\s+(\S+)/.exec(folder.read('Gemfile.lock') ?? '')?.[1] ?? null;
  const tool = gemfile !== null ? { name: 'bundler', version: bundled, evidence: folder.evidence(bundled ? 'Gemfile.lock' : 'Gemfile'), wrapper: false } : null;
  const dependencies = [...(gemfile ?? '').matchAll(/^\s*gem\s+["']([^"']+)["']/gm)].flatMap((match) => (match[1] ? [{ name: match[1], evidence: folder.evidence('Gemfile', match[1]) }] : []));
  return { finding: { language: 'ruby', evidence: [folder.evidence(gemfile !== null ? 'Gemfile' : '.ruby-version')], version, tool }, dependencies };
}

function detectJava(folder: Folder): Detected | null {
  const gradleFile = ['build.gradle.kts', 'build.gradle'].find((name) => folder.has(name));
  if (!folder.has('pom.xml') && !gradleFile) return null;
  const evidence: Evidence[] = [];
  let version: LanguageFinding['version'] = null;
  const javaVersion = folder.firstLine('.java-version');
  const sdkman = /^java=(\d+(?:\.\d+)*)/m.exec(folder.read('.sdkmanrc') ?? '')?.[1];
  if (javaVersion) version = { value: javaVersion, evidence: folder.evidence('.java-version') };
  else if (sdkman) version = { value: sdkman, evidence: folder.evidence('.sdkmanrc') };
  let tool: LanguageFinding['tool'] = null;
  if (folder.has('pom.xml')) {
    evidence.push(folder.evidence('pom.xml'));
    const match = /<(maven\.compiler\.release|maven\.compiler\.source|java\.version|release)>\s*([\d.]+)\s*</.exec(folder.read('pom.xml') ?? '');
    if (!version && match?.[2]) version = { value: match[2], evidence: folder.evidence('pom.xml', match[1]) };
    tool = { name: 'maven', version: null, evidence: folder.evidence('pom.xml'), wrapper: folder.has('mvnw') };
  }
  if (gradleFile) {
    evidence.push(folder.evidence(gradleFile));
    const gradle = folder.read(gradleFile) ?? '';
    const match = /JavaLanguageVersion\.of\(\s*(\d+)\s*\)/.exec(gradle) ?? /(?:source|target)Compatibility\s*=\s*(?:JavaVersion\.VERSION_)?['"]?([\d._]+)/.exec(gradle);
    if (!version && match?.[1]) version = { value: match[1].replace(/_/g, '.'), evidence: folder.evidence(gradleFile, 'Java version') };
    tool ??= { name: 'gradle', version: null, evidence: folder.evidence(gradleFile), wrapper: folder.has('gradlew') };
  }
  return { finding: { language: 'java', evidence, version, tool }, dependencies: [] };
}
