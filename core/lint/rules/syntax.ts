import { validate, ValidationCode } from 'dockerfile-utils';
import type { Flag, Instruction } from 'dockerfile-ast';
import { closest } from '../../config/suggest.ts';
import type { LintContext } from '../context.ts';

const KEYWORDS = ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

/** `${BASE}` and `$BASE`: Paddock declares BASE itself when the overlay does not. */
export const BASE_REFERENCE = /^\$(\{BASE(:[-+][^}]*)?\}|BASE)$/;

/** Flags that only BuildKit knows; the classic builder stops at them. */
const BUILDKIT_FLAGS: Record<string, string[]> = {
  RUN: ['mount', 'network', 'security', 'device'],
  COPY: ['chmod', 'link', 'parents', 'exclude'],
  ADD: ['chmod', 'link', 'checksum', 'keep-git-dir', 'exclude', 'unpack'],
};

const DIAGNOSTIC_ERROR = 1;

/**
 * `syntax/invalid` (fatal): what Docker refuses to build. dockerfile-utils finds what any builder
 * rejects; on top of that come the BuildKit-only features (heredocs, `RUN --mount`, `COPY
 * --chmod`, …), because Paddock builds through the engine's classic builder.
 */
export function checkSyntax(context: LintContext): void {
  const { doc } = context;
  for (const problem of validate(doc.text)) {
    if (problem.severity !== DIAGNOSTIC_ERROR) continue;
    const start = doc.index.offset(problem.range.start);
    const end = doc.index.offset(problem.range.end);
    const written = doc.text.slice(start, end);
    // BASE needs no ARG in an overlay: Paddock adds one when it is missing.
    if (problem.code === ValidationCode.BASE_NAME_EMPTY && BASE_REFERENCE.test(written)) continue;
    const text = typeof problem.message === 'string' ? problem.message : problem.message.value;
    const message = `${text.charAt(0).toLowerCase()}${text.slice(1).replace(/\.$/, '')}`;
    if (problem.code === ValidationCode.UNKNOWN_INSTRUCTION) {
      const suggestion = closest(written.toUpperCase(), KEYWORDS);
      context.report({
        rule: 'syntax/invalid',
        severity: 'fatal',
        message: `Docker does not know the instruction ${written}${suggestion ? ` (did you mean ${suggestion}?)` : ''}, so the overlay does not build.`,
        start,
        end,
        ...(suggestion ? { fix: { title: `Replace ${written} with ${suggestion}`, edits: [{ start, end, text: suggestion }] } } : {}),
      });
      continue;
    }
    context.report({ rule: 'syntax/invalid', severity: 'fatal', message: `Docker rejects this line (${message}), so the overlay does not build.`, start, end });
  }
  for (const instr of doc.instructions) {
    if (instr.heredoc) {
      const lineEnd = doc.index.lineEnds[instr.line] ?? instr.end;
      context.report({
        rule: 'syntax/invalid',
        severity: 'fatal',
        message: `Heredocs (${instr.keyword} <<EOF) need BuildKit, and Paddock builds with the engine's classic builder, which reads the heredoc's lines as instructions of their own: the build fails. Write the commands as one ${instr.keyword === 'RUN' ? 'RUN joined with && and line continuations' : 'RUN that writes the file (printf … > file)'}.`,
        start: instr.start,
        end: lineEnd,
      });
    }
    const buildkit = BUILDKIT_FLAGS[instr.keyword];
    if (!buildkit) continue;
    for (const flag of (instr.node as Instruction & { getFlags(): Flag[] }).getFlags()) {
      const name = flag.getName();
      if (!buildkit.includes(name)) continue;
      const start = doc.index.offset(flag.getRange().start);
      const end = doc.index.offset(flag.getRange().end);
      // Dropping these changes nothing but speed: a cache mount only keeps downloads between builds, --link only lets layers be reused.
      const droppable = name === 'link' || (name === 'mount' && /(^|,)type=cache(,|$)/.test(flag.getValue() ?? ''));
      let after = end;
      while (doc.text[after] === ' ' || doc.text[after] === '\t') after++;
      context.report({
        rule: 'syntax/invalid',
        severity: 'fatal',
        message: `${instr.keyword} --${name} needs BuildKit, and Paddock builds with the engine's classic builder, which rejects it: the build fails.${name === 'chmod' ? ' Set the mode with a RUN chmod after the copy.' : ''}`,
        start,
        end,
        ...(droppable ? { fix: { title: `Remove --${name}`, edits: [{ start, end: after, text: '' }] } } : {}),
      });
    }
  }
}
