import fs from 'node:fs';
import path from 'node:path';
import { displayPath } from '../config/paths.ts';
import type { Diagnostic, Severity } from '../lint/index.ts';
import type { DetectResult, Evidence } from '../onboarding/types.ts';
import type { Command, CommandContext } from './commands.ts';
import { EXIT, UsageError } from './io.ts';

function printJson(context: CommandContext, value: unknown): void {
  context.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

function severityLabel(context: CommandContext, severity: Severity): string {
  const s = context.style;
  if (severity === 'fatal' || severity === 'breaking') return s.red(severity);
  if (severity === 'degraded' || severity === 'warning') return s.yellow(severity);
  return s.dim(severity);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

const lint: Command = {
  words: ['lint'],
  args: 'FILE',
  summary: 'Check an overlay Dockerfile: what breaks Paddock, best practice, safety',
  maxPositionals: 1,
  async run(context) {
    const file = context.positionals[0];
    if (!file) throw new UsageError('name the Dockerfile to check: paddock lint FILE');
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(context.io.cwd, file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
      throw new UsageError(`cannot read ${file}: ${reason}`);
    }
    // Loaded here: the Dockerfile parsers are large, and only these commands need them at start-up.
    const { BLOCKING, lintDockerfile } = await import('../lint/index.ts');
    const diagnostics = lintDockerfile(text);
    const failed = diagnostics.some((diagnostic) => BLOCKING.has(diagnostic.severity));
    if (context.json) {
      printJson(context, { diagnostics });
      return failed ? EXIT.failure : EXIT.ok;
    }
    const s = context.style;
    for (const diagnostic of diagnostics) {
      context.io.stdout(`${s.bold(`${file}:${diagnostic.line}:${diagnostic.column}`)} ${severityLabel(context, diagnostic.severity)} ${s.dim(diagnostic.rule)} ${diagnostic.message}\n`);
      if (diagnostic.fix) context.io.stdout(`  ${s.dim(`fix: ${diagnostic.fix.title}`)}\n`);
    }
    context.io.stdout(`${summary(context, diagnostics, failed)}\n`);
    return failed ? EXIT.failure : EXIT.ok;
  },
};

/** `✗ 3 problems: 1 fatal, 2 warnings`, or a tick when nothing blocks the build. */
function summary(context: CommandContext, diagnostics: Diagnostic[], failed: boolean): string {
  const s = context.style;
  if (diagnostics.length === 0) return `${s.green('✓')} no problems`;
  const order: Severity[] = ['fatal', 'breaking', 'degraded', 'warning', 'info'];
  const counts = order
    .map((severity) => [severity, diagnostics.filter((diagnostic) => diagnostic.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => (severity === 'fatal' || severity === 'breaking' || severity === 'degraded' ? `${count} ${severity}` : plural(count, severity)));
  return `${failed ? s.red('✗') : s.green('✓')} ${plural(diagnostics.length, 'finding')}: ${counts.join(', ')}`;
}

function where(evidence: Evidence): string {
  return `${evidence.file}${evidence.detail ? ` ${evidence.detail}` : ''}`;
}

/** The stack in words, for the terminal; the overlay itself goes to stdout, so that it can be redirected into a file. */
function describeStack(context: CommandContext, result: DetectResult): string {
  const s = context.style;
  const lines = [`${s.bold(displayPath(result.dir, context.host.home))}`];
  if (result.languages.length === 0) lines.push(`  ${s.dim('no known stack')}`);
  for (const finding of result.languages) {
    const version = finding.version ? ` ${finding.version.value} ${s.dim(`(${where(finding.version.evidence)})`)}` : '';
    const tool = finding.tool ? `, ${finding.tool.name}${finding.tool.version ? ` ${finding.tool.version}` : ''}${finding.tool.wrapper ? ' (wrapper)' : ''} ${s.dim(`(${where(finding.tool.evidence)})`)}` : '';
    lines.push(`  ${finding.language}${version}${tool}`);
    lines.push(`    ${s.dim(`from ${finding.evidence.map(where).join(', ')}`)}`);
  }
  if (result.systemPackages.length > 0) {
    lines.push('  system packages');
    for (const found of result.systemPackages) lines.push(`    ${found.name} ${s.dim(`(${found.evidence.map(where).join(', ')})`)}`);
  }
  for (const note of result.notes) lines.push(`  ${s.yellow('note')}: ${note}`);
  return `${lines.join('\n')}\n`;
}

const detect: Command = {
  words: ['detect'],
  args: '[DIR]',
  summary: "Detect a project's stack and propose an overlay Dockerfile for it",
  maxPositionals: 1,
  async run(context) {
    const [{ DetectError, detectStack }, { proposeOverlay }] = await Promise.all([import('../onboarding/detect.ts'), import('../onboarding/overlay.ts')]);
    const dir = path.resolve(context.io.cwd, context.positionals[0] ?? '.');
    let result: DetectResult;
    try {
      result = detectStack(dir);
    } catch (error) {
      if (error instanceof DetectError) throw new UsageError(error.message);
      throw error;
    }
    const overlay = proposeOverlay(result);
    if (context.json) {
      printJson(context, { ...result, overlay });
      return EXIT.ok;
    }
    context.io.stderr(`${describeStack(context, result)}\n${context.style.dim('Proposed overlay (on stdout: `paddock detect > overlay.Dockerfile` saves it):')}\n\n`);
    context.io.stdout(overlay);
    return EXIT.ok;
  },
};

export const LINT_COMMANDS: Command[] = [lint, detect];
