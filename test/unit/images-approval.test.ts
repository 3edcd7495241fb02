import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalFile, recordApproval, reviewBuild, usedContextFiles, writableFolderOf } from '../../core/images/approval.ts';
import type { PreparedStep } from '../../core/images/plan.ts';
import { unifiedDiff } from '../../core/images/text-diff.ts';

const FILES = ['app/main.py', 'app/lib/util.py', 'requirements.txt', 'README.md', 'scripts/setup.sh', 'secret.env'];

describe('usedContextFiles: what COPY and ADD can read', () => {
  it('follows files, folders and wildcards, and skips --from stages and URLs', () => {
    const used = usedContextFiles('FROM x\nCOPY requirements.txt /tmp/\nCOPY --chown=1000:1000 app /app\nADD https://example.com/x.tgz /x\nCOPY --from=build /out /out\n', FILES);
    expect([...used].sort()).toEqual(['app/lib/util.py', 'app/main.py', 'requirements.txt']);
    expect([...usedContextFiles('FROM x\nCOPY scripts/*.sh /s/\n', FILES)]).toEqual(['scripts/setup.sh']);
    expect([...usedContextFiles('FROM x\nCOPY ["./app/main.py", "/m"]\n', FILES)]).toEqual(['app/main.py']);
  });

  it('counts everything for COPY . and for sources it cannot know (a variable)', () => {
    expect(usedContextFiles('FROM x\nCOPY . /src\n', FILES).size).toBe(FILES.length);
    expect(usedContextFiles('FROM x\nARG F\nCOPY $F /f\n', FILES).size).toBe(FILES.length);
    expect(usedContextFiles('FROM x\nONBUILD COPY secret.env /s\n', FILES)).toEqual(new Set(['secret.env']));
  });

  it('counts nothing for a Dockerfile without COPY or ADD', () => {
    expect(usedContextFiles('FROM x\nRUN echo hi\n', FILES).size).toBe(0);
  });
});

describe('unifiedDiff', () => {
  it('prints a diff -u style hunk with context', () => {
    const before = 'FROM x\nRUN a\nRUN b\nRUN c\n';
    const after = 'FROM x\nRUN a\nRUN curl http://host.docker.internal/\nRUN c\n';
    expect(unifiedDiff(before, after, { before: 'old', after: 'new' })).toBe(
      '--- old\n+++ new\n@@ -1,4 +1,4 @@\n FROM x\n RUN a\n-RUN b\n+RUN curl http://host.docker.internal/\n RUN c\n',
    );
  });

  it('is empty for the same text, and all additions from nothing', () => {
    expect(unifiedDiff('a\n', 'a\n', { before: 'x', after: 'y' })).toBe('');
    expect(unifiedDiff('', 'a\nb\n', { before: '/dev/null', after: 'y' })).toBe('--- /dev/null\n+++ y\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  });

  it('splits far-apart changes into hunks', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const changed = [...lines];
    changed[2] = 'two';
    changed[25] = 'twenty-five';
    const diff = unifiedDiff(`${lines.join('\n')}\n`, `${changed.join('\n')}\n`, { before: 'a', after: 'b' });
    expect(diff.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,6 +1,6 @@', '@@ -23,7 +23,7 @@']);
  });
});

describe('reviewBuild', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function step(project: string, dockerfile: string, files: Record<string, string>): PreparedStep {
    return {
      kind: 'overlay',
      workspace: 'web',
      source: path.join(project, 'overlay.Dockerfile'),
      tag: null,
      base: 'paddock-base:x',
      context: project,
      dockerfile,
      userLine: (line) => line,
      buildArgs: {},
      target: null,
      scan: null,
      contextDigest: '',
      fileHashes: new Map(Object.entries(files)),
      network: 'default',
    };
  }

  it('asks at the first build from an agent-writable folder, not again once approved, and again with a diff after a change', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-'));
    const project = path.join(dir, 'project');
    const data = path.join(dir, 'data');
    const first = step(project, 'FROM x\nCOPY app /app\n', { 'app/a.py': 'h1', 'notes.md': 'n1' });
    const review = reviewBuild('web', [first], [project], data);
    expect(review.request?.steps[0]).toMatchObject({ firstBuild: true, writable: project, files: { added: ['app/a.py'], removed: [], changed: [] } });
    recordApproval(data, 'web', review);
    expect(fs.existsSync(approvalFile(data, 'web'))).toBe(true);

    // A file the Dockerfile does not copy changes nothing the build can see.
    expect(reviewBuild('web', [step(project, 'FROM x\nCOPY app /app\n', { 'app/a.py': 'h1', 'notes.md': 'n2' })], [project], data).request).toBeNull();

    const changed = reviewBuild('web', [step(project, 'FROM x\nCOPY app /app\nRUN curl http://10.0.0.1/\n', { 'app/a.py': 'h2', 'notes.md': 'n1' })], [project], data);
    expect(changed.request?.steps[0]?.firstBuild).toBe(false);
    expect(changed.request?.steps[0]?.dockerfileDiff).toContain('+RUN curl http://10.0.0.1/');
    expect(changed.request?.steps[0]?.files.changed).toEqual(['app/a.py']);
    expect(changed.request?.approval).toMatch(/^[0-9a-f]{64}$/);
  });

  it('needs no approval for a Dockerfile and context outside every agent-writable folder', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-'));
    const outside = path.join(dir, 'dockerfiles');
    const review = reviewBuild('web', [step(outside, 'FROM x\n', {})], [path.join(dir, 'project')], path.join(dir, 'data'));
    expect(review.request).toBeNull();
  });

  it('sees through a symlink into a workspace, and a context that contains one', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'approval-'));
    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'real.Dockerfile'), 'FROM x\n');
    fs.mkdirSync(path.join(dir, 'outside'));
    fs.symlinkSync(path.join(project, 'real.Dockerfile'), path.join(dir, 'outside', 'overlay.Dockerfile'));
    expect(writableFolderOf({ source: path.join(dir, 'outside', 'overlay.Dockerfile'), context: null }, [project])).toBe(project);
    expect(writableFolderOf({ source: 'https://example.com/Dockerfile', context: dir }, [project])).toBe(project);
    expect(writableFolderOf({ source: 'https://example.com/Dockerfile', context: null }, [project])).toBeNull();
  });
});
