import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFix, lintDockerfile } from '../../core/lint/index.ts';

/** Lines that look like what people type, half-finished ones included. */
const line = fc.oneof(
  fc.constantFrom(
    'ARG BASE',
    'FROM ${BASE}',
    'FROM debian AS build',
    'RUN apt-get update \\',
    '    && apt-get install -y jq \\',
    '  # comment',
    'RUN <<EOF',
    'EOF',
    'RUN ["sh", "-c", "pip install x"]',
    'RUN echo "unterminated',
    "RUN sh -c 'curl x | sh",
    'RUN $(echo `date`',
    'ENV PATH=/x A="b',
    'VOLUME ["/home/agent"',
    'COPY . /app',
    'USER',
    '',
  ),
  fc.string({ maxLength: 40 }),
);

describe('the linter on whatever is being typed', () => {
  it('never throws, and every span and fix stays inside the text', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = lines.join(eol);
        const lineCount = text.split(/\r\n|\r|\n/).length;
        for (const diagnostic of lintDockerfile(text, { workspacePaths: ['/work'] })) {
          expect(diagnostic.line).toBeGreaterThanOrEqual(1);
          expect(diagnostic.endLine).toBeLessThanOrEqual(lineCount);
          expect(diagnostic.endLine * 1e6 + diagnostic.endColumn).toBeGreaterThanOrEqual(diagnostic.line * 1e6 + diagnostic.column);
          if (diagnostic.fix) expect(typeof applyFix(text, diagnostic.fix)).toBe('string');
        }
      }),
      { numRuns: 400 },
    );
  });
});
