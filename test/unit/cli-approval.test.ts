import { describe, expect, it } from 'vitest';
import type { BuildApprovalRequest } from '../../core/images/approval.ts';
import { contextFor } from '../../core/cli/commands.ts';
import { cliApprover } from '../../core/cli/image-commands.ts';
import type { CliIO } from '../../core/cli/io.ts';

const request: BuildApprovalRequest = {
  workspace: 'web',
  approval: 'a'.repeat(64),
  steps: [
    {
      kind: 'overlay',
      source: '/home/u/web/overlay.Dockerfile',
      context: '/home/u/web',
      writable: '/home/u/web',
      firstBuild: false,
      dockerfileDiff: '--- approved /home/u/web/overlay.Dockerfile\n+++ /home/u/web/overlay.Dockerfile\n@@ -1,2 +1,3 @@\n FROM ${BASE}\n COPY setup.sh /s\n+RUN curl http://10.0.0.1/\n',
      files: { added: [], removed: [], changed: ['setup.sh'] },
    },
  ],
};

function run(options: Record<string, boolean>, answer?: string) {
  const out: string[] = [];
  const asked: string[] = [];
  const io: CliIO = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void out.push(text),
    env: { HOME: '/home/u' },
    cwd: '/home/u',
    color: false,
    interactive: answer !== undefined,
    ...(answer !== undefined ? { ask: async (question: string) => (asked.push(question), answer) } : {}),
  };
  return { approve: cliApprover(contextFor(io, options, [])), out, asked };
}

describe('the CLI approving a build from files an agent can write', () => {
  it('shows the diff and the changed files, then asks on a terminal', async () => {
    const yes = run({}, 'y');
    expect(await yes.approve(request)).toBe(true);
    expect(yes.out.join('')).toContain('+RUN curl http://10.0.0.1/');
    expect(yes.out.join('')).toContain('changed  setup.sh');
    expect(yes.asked).toEqual(['Build web from these files? [y/N] ']);
    expect(await run({}, '').approve(request)).toBe(false);
    expect(await run({}, 'no').approve(request)).toBe(false);
  });

  it('accepts with --yes, and refuses without a terminal', async () => {
    expect(await run({ yes: true }).approve(request)).toBe(true);
    const none = run({});
    expect(await none.approve(request)).toBe(false);
    expect(none.out.join('')).toContain('+RUN curl http://10.0.0.1/');
  });

  it('prints the request as one JSON line with --json', async () => {
    const json = run({ json: true });
    expect(await json.approve(request)).toBe(false);
    expect(JSON.parse(json.out.join(''))).toEqual({ type: 'approval-required', ...request });
  });
});
