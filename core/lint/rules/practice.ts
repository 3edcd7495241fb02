import type { Instr } from '../document.ts';
import { inImage, type LintContext } from '../context.ts';
import { appendEdit, argumentWords, hasFlag, operands, type Edit, type Invocation, type RunInfo } from '../run.ts';
import type { Word } from '../shell.ts';

const APT_VALUE_FLAGS = new Set(['-o', '-c', '-t', '-a', '--option', '--config-file', '--target-release', '--default-release', '--host-architecture']);
const NPM_VALUE_FLAGS = new Set(['--prefix', '--cache', '--userconfig', '--registry', '-w', '--workspace']);
const APT_LISTS = '/var/lib/apt/lists';
/** An apt setting that turns recommended packages off for every install. */
const NO_RECOMMENDS_CONFIG = /APT::Install-Recommends\s*(=|\s)\s*"?(0|false)"?/i;

/** `apt-get install …` → the `install` word; null for anything but apt-get/apt with that subcommand. */
function aptSubcommand(invocation: Invocation, subcommand: string): Word | null {
  if (invocation.name !== 'apt-get' && invocation.name !== 'apt') return null;
  const word = operands(invocation.args, APT_VALUE_FLAGS)[0];
  return word?.value === subcommand ? word : null;
}

/** Whether an `-o NAME=VALUE` (or `-oNAME=VALUE`, `--option NAME=VALUE`) matches. */
function aptOption(args: Word[], pattern: RegExp): boolean {
  return args.some((arg, i) => {
    const previous = args[i - 1]?.value;
    const value = previous === '-o' || previous === '--option' ? arg.value : arg.value.startsWith('--option=') ? arg.value.slice(9) : arg.value.startsWith('-o') ? arg.value.slice(2) : null;
    return value !== null && pattern.test(value);
  });
}

function removes(run: RunInfo, prefix: string): boolean {
  return run.invocations.some((invocation) => invocation.name === 'rm' && operands(invocation.args).some((arg) => arg.value.startsWith(prefix)));
}

/** The `install` word of `pip install`, `pip3 install`, `python3 -m pip install`. */
function pipInstall(invocation: Invocation): Word | null {
  const { name, args } = invocation;
  if (/^pip[0-9.]*$/.test(name)) {
    const word = operands(args, new Set(['--python']))[0];
    return word?.value === 'install' ? word : null;
  }
  if (/^python[0-9.]*$/.test(name) && args[0]?.value === '-m' && args[1]?.value === 'pip' && args[2]?.value === 'install') return args[2];
  return null;
}

function npmInstall(invocation: Invocation): Word | null {
  if (invocation.name !== 'npm') return null;
  const word = operands(invocation.args, NPM_VALUE_FLAGS)[0];
  // npm's own aliases of install, its typo one included.
  return word && ['install', 'i', 'in', 'ci', 'add', 'isntall'].includes(word.value) ? word : null;
}

function apkAdd(invocation: Invocation): Word | null {
  if (invocation.name !== 'apk') return null;
  const word = operands(invocation.args, new Set(['-X', '--repository', '-p', '--root', '--arch']))[0];
  return word?.value === 'add' ? word : null;
}

/** A short name for a package install, for messages; null when the invocation installs nothing. */
function packageInstall(invocation: Invocation): string | null {
  const { name, args } = invocation;
  const first = operands(args, APT_VALUE_FLAGS)[0]?.value;
  if (aptSubcommand(invocation, 'install')) return `${name} install`;
  if (apkAdd(invocation)) return 'apk add';
  if (pipInstall(invocation)) return 'pip install';
  if (npmInstall(invocation)) return `npm ${operands(args, NPM_VALUE_FLAGS)[0]?.value ?? 'install'}`;
  if ((name === 'yarn' && (first === undefined || first === 'install')) || (name === 'bundle' && (first === undefined || first === 'install'))) return `${name} install`;
  if (['pnpm', 'bun'].includes(name) && (first === 'install' || first === 'i')) return `${name} install`;
  if (['gem', 'composer', 'poetry', 'pipenv'].includes(name) && first === 'install') return `${name} install`;
  if (name === 'uv' && (first === 'sync' || (first === 'pip' && args[1]?.value === 'install'))) return `uv ${first}`;
  if (name === 'go' && first === 'mod' && args[1]?.value === 'download') return 'go mod download';
  if (name === 'cargo' && first === 'fetch') return 'cargo fetch';
  return null;
}

function insertAfter(word: { end: number }, text: string): Edit {
  return { start: word.end, end: word.end, text };
}

export function checkPractice(context: LintContext): void {
  const { doc } = context;
  // Runs and settings seen so far in each stage, for the rules that look back within a stage.
  const updated = new Set<number>();
  const noRecommends = new Set<number>();
  const wholeCopies = new Map<number, Instr[]>();
  for (const instr of doc.instructions) {
    if (instr.keyword === 'FROM') {
      const parent = doc.stages[instr.stage]?.parent;
      if (parent !== null && parent !== undefined) {
        if (updated.has(parent)) updated.add(instr.stage);
        if (noRecommends.has(parent)) noRecommends.add(instr.stage);
      }
      continue;
    }
    if ((instr.keyword === 'COPY' || instr.keyword === 'ADD') && copiesWholeContext(instr)) {
      wholeCopies.set(instr.stage, [...(wholeCopies.get(instr.stage) ?? []), instr]);
      continue;
    }
    if (instr.keyword !== 'RUN') continue;
    const run = context.runOf.get(instr);
    if (!run) continue;
    if (NO_RECOMMENDS_CONFIG.test(instr.args.text)) noRecommends.add(instr.stage);
    checkAptUpdate(context, run, updated.has(instr.stage));
    // Lists removed in the same RUN are gone for the next one, which has to update again.
    if (removes(run, APT_LISTS)) updated.delete(instr.stage);
    else if (run.invocations.some((invocation) => aptSubcommand(invocation, 'update'))) updated.add(instr.stage);
    checkLayerOrder(context, run, wholeCopies);
    if (!inImage(context, instr)) continue;
    checkCaches(context, run, noRecommends.has(instr.stage));
  }
}

/**
 * `practice/apt-update-separate`: apt-get update belongs in the RUN that installs. Alone in its
 * own RUN, its lists are cached as a layer and reused, stale, when the install line changes
 * (warning). An install with no update before it in the stage finds no lists at all, since
 * Debian's and Ubuntu's images (and Paddock's base) ship without them, and fails (fatal).
 */
function checkAptUpdate(context: LintContext, run: RunInfo, updatedBefore: boolean): void {
  const updates = run.invocations.filter((invocation) => aptSubcommand(invocation, 'update'));
  const installs = run.invocations.filter((invocation) => aptSubcommand(invocation, 'install'));
  if (updates.length > 0 && installs.length === 0) {
    const update = updates[0] as Invocation;
    context.report({
      rule: 'practice/apt-update-separate',
      severity: 'warning',
      message: 'apt-get update runs in a RUN that installs nothing: Docker caches the package lists it fetches as a layer and reuses them, however old, when a later RUN installs, so installs fail with 404s or get outdated packages. Run it in the same RUN as apt-get install.',
      start: update.command.start,
      end: update.command.end,
      ...mergeIntoNextRun(context, run, update),
    });
  }
  if (updates.length === 0 && !updatedBefore) {
    for (const install of installs) {
      const editable = run.editable.has(install.command);
      context.report({
        rule: 'practice/apt-update-separate',
        severity: 'fatal',
        message: `${install.name} install runs with no apt-get update before it: Paddock's base, like Debian's and Ubuntu's images, ships without apt's package lists, so apt finds no packages and the build fails. Run apt-get update first, in this RUN.`,
        start: install.command.start,
        end: install.command.end,
        ...(editable ? { fix: { title: 'Run apt-get update first', edits: [{ start: install.command.start, end: install.command.start, text: 'apt-get update && ' }] } } : {}),
      });
    }
  }
}

/** A RUN that is only `apt-get update`, followed by a RUN that installs: the fix moves the update into it. */
function mergeIntoNextRun(context: LintContext, run: RunInfo, update: Invocation): { fix?: { title: string; edits: Edit[] } } {
  const { doc } = context;
  if (run.form !== 'shell' || run.commands.length !== 1) return {};
  const stage = doc.stages[run.instr.stage];
  const next = stage?.instructions[stage.instructions.indexOf(run.instr) + 1];
  const nextRun = next && context.runOf.get(next);
  const install = nextRun?.invocations.find((invocation) => aptSubcommand(invocation, 'install') && nextRun.editable.has(invocation.command));
  if (!install) return {};
  const written = doc.text.slice(update.command.start, update.command.end);
  const text = /[\r\n]/.test(written) ? 'apt-get update' : written;
  return {
    fix: {
      title: 'Move apt-get update into the RUN that installs',
      edits: [{ ...doc.index.lineRange(run.instr.line, run.instr.endLine), text: '' }, { start: install.command.start, end: install.command.start, text: `${text} && ` }],
    },
  };
}

/** The rules about caches and leftovers that only cost size in the image itself. */
function checkCaches(context: LintContext, run: RunInfo, noRecommends: boolean): void {
  const { doc } = context;
  const appendFix = (title: string, command: string) => {
    const edit = appendEdit(doc, run, command);
    return edit ? { fix: { title, edits: [edit] } } : {};
  };
  for (const invocation of run.invocations) {
    const { command, args } = invocation;
    const editable = run.editable.has(command);
    const aptInstall = aptSubcommand(invocation, 'install');
    if (aptInstall) {
      if (!removes(run, APT_LISTS)) {
        context.report({
          rule: 'practice/apt-lists',
          severity: 'warning',
          message: `${invocation.name} install leaves apt's package lists (tens of MB) in this layer: remove them in the same RUN with rm -rf /var/lib/apt/lists/*, since a later RUN cannot take them out of this layer.`,
          start: command.start,
          end: command.end,
          ...appendFix('Remove the package lists in this RUN', 'rm -rf /var/lib/apt/lists/*'),
        });
      }
      if (!hasFlag(args, '--no-install-recommends') && !aptOption(args, NO_RECOMMENDS_CONFIG) && !noRecommends) {
        context.report({
          rule: 'practice/apt-no-recommends',
          severity: 'warning',
          message: `${invocation.name} install also installs every "recommended" package, often hundreds of MB the project does not need. Add --no-install-recommends and name what you need.`,
          start: command.start,
          end: command.end,
          ...(editable ? { fix: { title: 'Add --no-install-recommends', edits: [insertAfter(aptInstall, ' --no-install-recommends')] } } : {}),
        });
      }
    }
    const pip = pipInstall(invocation);
    const pipOptOut = [...command.assignments, ...command.words].some((word) => /^PIP_NO_CACHE_DIR=./.test(word.value)) || Boolean(run.instr.vars.get('PIP_NO_CACHE_DIR'));
    if (pip && !hasFlag(args, '--no-cache-dir') && !pipOptOut) {
      context.report({
        rule: 'practice/pip-cache',
        severity: 'warning',
        message: "pip install keeps every downloaded package in pip's cache, which stays in this layer. Add --no-cache-dir.",
        start: command.start,
        end: command.end,
        ...(editable ? { fix: { title: 'Add --no-cache-dir', edits: [insertAfter(pip, ' --no-cache-dir')] } } : {}),
      });
    }
    const npm = npmInstall(invocation);
    const cleaned = run.invocations.some((other) => other.name === 'npm' && operands(other.args)[0]?.value === 'cache' && operands(other.args)[1]?.value === 'clean');
    if (npm && !hasFlag(args, '--prefer-offline') && !cleaned) {
      context.report({
        rule: 'practice/npm-cache',
        severity: 'warning',
        message: `npm ${npm.value} keeps every downloaded package in npm's cache, which stays in this layer. Run npm cache clean --force in the same RUN (or install with --prefer-offline).`,
        start: command.start,
        end: command.end,
        ...appendFix("Clean npm's cache in this RUN", 'npm cache clean --force'),
      });
    }
    const apk = apkAdd(invocation);
    if (apk && !hasFlag(args, '--no-cache') && !removes(run, '/var/cache/apk')) {
      context.report({
        rule: 'practice/apk-cache',
        severity: 'warning',
        message: "apk add keeps apk's package index and downloads in this layer. Add --no-cache.",
        start: command.start,
        end: command.end,
        ...(editable ? { fix: { title: 'Add --no-cache', edits: [insertAfter(apk, ' --no-cache')] } } : {}),
      });
    }
  }
}

/** COPY . (or a whole folder) from the build context, rather than named files or another stage's output. */
function copiesWholeContext(instr: Instr): boolean {
  if (/(^|\s)--from[=\s]/.test(instr.args.text)) return false;
  const { words } = argumentWords(instr);
  return words.slice(0, -1).some((word) => ['.', './', '*', './*'].includes(word.value) || word.value.endsWith('/') || word.value.endsWith('/.'));
}

/** `practice/layer-order` (warning): project files copied before an install make every edit rerun the install. */
function checkLayerOrder(context: LintContext, run: RunInfo, wholeCopies: Map<number, Instr[]>): void {
  const copies = wholeCopies.get(run.instr.stage);
  if (!copies?.length) return;
  const install = run.invocations.map(packageInstall).find((found) => found !== null);
  if (!install) return;
  for (const copy of copies) {
    const { words } = argumentWords(copy);
    const source = words.slice(0, -1).map((word) => word.value).join(' ');
    context.report({
      rule: 'practice/layer-order',
      severity: 'warning',
      message: `${copy.keyword} ${source} copies project files before the package install on line ${run.instr.line + 1} (${install}): any change to those files makes Docker rerun the install. Copy only what the install needs first (the manifest and lockfile), install, then copy the rest. An overlay rarely needs project files at all: Paddock mounts the project at run time.`,
      start: copy.start,
      end: copy.end,
    });
  }
  wholeCopies.delete(run.instr.stage);
}
