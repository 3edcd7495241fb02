import { setDiagnostics } from '@codemirror/lint';
import { EditorState, Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import type { ImageLayers, LintDiagnostic } from '../../core/api/contract.ts';
import { applyFix, lintDockerfile } from '../../core/lint/index.ts';
import { lastBuildOf, layerBuildStatus } from '../../renderer/layers/build-status.ts';
import { barPercent, MIN_BAR_PERCENT, sharePercent } from '../../renderer/layers/scale.ts';
import { pathCrumbs } from '../../renderer/onboarding/folders.ts';
import { suggestName } from '../../renderer/onboarding/name.ts';
import { href, parseRoute } from '../../renderer/router.ts';
import { applyDone, applyProgress, newOperation, type Operation } from '../../renderer/store/operations.ts';
import { docText, firstFatal, fixChanges, groupBySeverity, lineBreakOf, positionAt, spanRange } from '../../renderer/workbench/diagnostics.ts';
import { fixTransaction, lintBase } from '../../renderer/workbench/editor-setup.ts';
import { keywordAt } from '../../renderer/workbench/keywords.ts';
import { failingLine, locateInstruction } from '../../renderer/workbench/locate.ts';
import { RECIPES, recipeChanges } from '../../renderer/workbench/recipes.ts';
import { newOverlayTemplate } from '../../renderer/workbench/template.ts';

/** The document CodeMirror makes of a text (it splits lines on \r\n, \n and \r). */
const docOf = (text: string) => EditorState.create({ doc: text }).doc;

/** The text a linter span covers, cut from CodeMirror's document. */
function covered(text: string, diagnostic: LintDiagnostic): string {
  const doc = docOf(text);
  const { from, to } = spanRange(doc, diagnostic);
  return doc.sliceString(from, to);
}

const byRule = (text: string, rule: string) => lintDockerfile(text).find((diagnostic) => diagnostic.rule === rule) as LintDiagnostic;

describe('linter positions in CodeMirror', () => {
  const install = 'ARG BASE\nFROM ${BASE}\n';

  it('maps 1-based lines and exclusive UTF-16 columns to offsets', () => {
    const text = `${install}RUN apt-get install curl\n`;
    expect(covered(text, byRule(text, 'practice/apt-lists'))).toBe('apt-get install curl');
  });

  it('counts a multi-byte character as CodeMirror does (an emoji is two units, é one)', () => {
    const text = `${install}RUN echo "😀 café" && apt-get install curl\n`;
    const diagnostic = byRule(text, 'practice/apt-lists');
    expect(covered(text, diagnostic)).toBe('apt-get install curl');
    expect(diagnostic.column).toBe('RUN echo "😀 café" && '.length + 1);
  });

  it('counts a tab as one column', () => {
    const text = `${install}RUN\techo hi &&\tapt-get install curl\n`;
    expect(covered(text, byRule(text, 'practice/apt-lists'))).toBe('apt-get install curl');
  });

  it('keeps lines and columns with CRLF line breaks, whose break is one position in CodeMirror', () => {
    const text = `ARG BASE\r\nFROM \${BASE}\r\nRUN apt-get update \\\r\n    && apt-get install curl\r\n`;
    const diagnostic = byRule(text, 'practice/apt-lists');
    expect(diagnostic.line).toBe(4);
    expect(covered(text, diagnostic)).toBe('apt-get install curl');
    const doc = docOf(text);
    expect(positionAt(doc, 4, 1)).toBe(doc.line(4).from);
  });

  it('stops a column at its line end and a line past the end at the end of the document', () => {
    const doc = docOf('ab\ncd');
    expect(positionAt(doc, 1, 99)).toBe(2);
    expect(positionAt(doc, 2, 3)).toBe(5);
    expect(positionAt(doc, 7, 1)).toBe(5);
    expect(positionAt(doc, 0, 1)).toBe(0);
    expect(spanRange(doc, { line: 2, column: 3, endLine: 9, endColumn: 1 })).toEqual({ from: 5, to: 5 });
  });

  it('maps the end of a file without a final line break', () => {
    const text = `${install}RUN apt-get install curl`;
    expect(covered(text, byRule(text, 'practice/apt-lists'))).toBe('apt-get install curl');
  });
});

describe('quick fixes', () => {
  /** A fix applied as CodeMirror changes, in one transaction, then the text joined as the file stores it. */
  function fixed(text: string, diagnostic: LintDiagnostic): string {
    const state = EditorState.create({ doc: text });
    const after = state.update({ changes: fixChanges(state.doc, diagnostic.fix!) }).state;
    return docText(after.doc, lineBreakOf(text));
  }

  it('apply all their edits at once, as the linter would', () => {
    const text = 'ARG BASE\nFROM ${BASE}\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*\n';
    const diagnostic = byRule(text, 'practice/apt-update-separate');
    expect(diagnostic.fix!.edits.length).toBeGreaterThan(1);
    expect(fixed(text, diagnostic)).toBe(applyFix(text, diagnostic.fix!));
  });

  it('keep CRLF line breaks and multi-byte text', () => {
    const text = 'ARG BASE\r\nFROM ${BASE}\r\nRUN apt-get update \\\r\n    && echo "😀 é" && apt-get install -y jq && rm -rf /var/lib/apt/lists/*\r\n';
    const diagnostic = byRule(text, 'practice/apt-no-recommends');
    expect(fixed(text, diagnostic)).toBe(applyFix(text, diagnostic.fix!));
    expect(fixed(text, diagnostic)).toContain('\r\n');
  });

  it('still land where they belong after the text changed since the lint', () => {
    const text = 'ARG BASE\nFROM ${BASE}\nRUN apt-get install curl\n';
    const diagnostic = byRule(text, 'practice/apt-update-separate');
    let state = EditorState.create({ doc: text, extensions: [lintBase] });
    state = state.update(setDiagnostics(state, [])).state;
    // Typed after the lint, above the fix's place.
    state = state.update({ changes: { from: 0, insert: '# mine\n' } }).state;
    state = state.update(fixTransaction(state, diagnostic.fix!)).state;
    expect(state.doc.toString()).toBe(`# mine\n${applyFix(text, diagnostic.fix!)}`);
  });
});

describe('the findings list', () => {
  it('groups by severity, worst first, in the order of the file, and names the first fatal one', () => {
    const text = 'ARG BASE\nFROM ${BASE}\nRUN apt-get install curl\nRUN userdel agent\nUSER root\n';
    const diagnostics = lintDockerfile(text);
    const groups = groupBySeverity(diagnostics.map((diagnostic) => ({ diagnostic })));
    expect(groups.map((group) => group.severity)).toEqual(['fatal', 'warning', 'info']);
    expect(groups[0]!.items.map((item) => item.diagnostic.line)).toEqual([3, 4]);
    expect(firstFatal(diagnostics)?.line).toBe(3);
    expect(firstFatal(lintDockerfile(newOverlayTemplate('web')))).toBeNull();
  });

  it('starts new overlays from a template that lints clean', () => {
    expect(lintDockerfile(newOverlayTemplate('web'))).toEqual([]);
  });

  it('tells a file’s line break', () => {
    expect(lineBreakOf('a\r\nb\n')).toBe('\r\n');
    expect(lineBreakOf('a\nb')).toBe('\n');
    expect(lineBreakOf('')).toBe('\n');
    expect(docText(Text.of(['a', 'b']), '\r\n')).toBe('a\r\nb');
  });
});

describe('editor helpers', () => {
  it('finds the instruction under the pointer, not a word of a continued line', () => {
    expect(keywordAt('  run apt-get', null, 3)).toEqual({ word: 'RUN', from: 2, to: 5 });
    expect(keywordAt('RUN apt-get', null, 6)).toBeNull();
    expect(keywordAt('    env x', 'RUN a \\', 5)).toBeNull();
    expect(keywordAt('FOO bar', null, 1)).toBeNull();
  });

  it('inserts a builder stage before the final FROM ${BASE}, and its COPY in the final stage', () => {
    const recipe = RECIPES.find((entry) => entry.id === 'multi-stage')!;
    const text = 'ARG BASE\nFROM ${BASE}\nRUN echo hi\n';
    const state = EditorState.create({ doc: text });
    const after = state.update({ changes: recipeChanges(state.doc, recipe, text.length) }).state.doc.toString();
    const lines = after.split('\n');
    expect(lines.indexOf('FROM golang:1.24 AS build')).toBeLessThan(lines.indexOf('FROM ${BASE}'));
    expect(lines.indexOf('COPY --from=build /out/tool /usr/local/bin/tool')).toBeGreaterThan(lines.indexOf('FROM ${BASE}'));
    expect(lintDockerfile(after).filter((diagnostic) => diagnostic.severity === 'fatal' || diagnostic.severity === 'breaking')).toEqual([]);
  });

  it('writes every recipe the way the linter wants it', () => {
    for (const recipe of RECIPES.filter((entry) => entry.id !== 'apk')) {
      const text = 'ARG BASE\nFROM ${BASE}\n';
      const state = EditorState.create({ doc: text });
      const after = state.update({ changes: recipeChanges(state.doc, recipe, text.length) }).state.doc.toString();
      expect(lintDockerfile(after).filter((diagnostic) => diagnostic.severity !== 'info'), recipe.id).toEqual([]);
    }
  });
});

describe('a failed build, back in the Dockerfile', () => {
  const text = 'ARG BASE\nFROM ${BASE}\n# tools\nRUN apt-get update \\\n    # the lists\n    && apt-get install -y jq\nRUN make\nFROM ${BASE}\nRUN make\n';

  it('finds the failing instruction, continuations joined as the builder prints them', () => {
    expect(locateInstruction(text, 'RUN apt-get update     && apt-get install -y jq')).toBe(4);
    expect(locateInstruction(text, 'RUN make')).toBe(7);
    expect(locateInstruction(text, 'RUN make', 6)).toBe(9);
    expect(locateInstruction(text, 'RUN gone')).toBeNull();
  });

  it('uses the line the error gives for this file, and nothing for another file', () => {
    const file = { path: '/p/overlay.Dockerfile', text };
    expect(failingLine({ source: file.path, line: 7, instruction: 'RUN make', step: 4 }, file)).toBe(7);
    expect(failingLine({ source: file.path, line: null, instruction: 'RUN make', step: 4 }, file)).toBe(7);
    expect(failingLine({ source: 'embedded (minimal)', line: 12, instruction: 'RUN make', step: 4 }, file)).toBeNull();
  });
});

describe('the layer view', () => {
  it('scales bars by the square root of the size, with a sliver for empty layers', () => {
    expect(barPercent(400, 400)).toBe(100);
    expect(barPercent(100, 400)).toBe(50);
    expect(barPercent(1, 1_000_000)).toBe(MIN_BAR_PERCENT);
    expect(barPercent(0, 400)).toBe(MIN_BAR_PERCENT);
    expect(barPercent(0, 0)).toBe(MIN_BAR_PERCENT);
    expect(barPercent(1024 * 1024, 400 * 1024 * 1024)).toBeCloseTo(5, 5);
    expect(sharePercent(5, 1000)).toBe('<1%');
    expect(sharePercent(0, 1000)).toBe('0%');
    expect(sharePercent(490, 1000)).toBe('49%');
  });

  const layer = (index: number, part: ImageLayers['layers'][number]['part'], line: number | null): ImageLayers['layers'][number] => ({
    index,
    id: null,
    instruction: 'RUN x',
    size: 1,
    created: '2025-01-01T00:00:00Z',
    part,
    source: line === null ? null : '/p/o.Dockerfile',
    line,
  });

  function built(id: string, kind: 'build' | 'up', overlay: 'built' | 'skipped', startedAt: number): Operation {
    let operation = newOperation(id, kind, 'web', startedAt);
    operation = applyProgress(operation, { type: 'plan', workspace: 'web', steps: [{ kind: 'embedded', source: 'embedded (minimal)', tag: 'paddock-base:embedded-1' }, { kind: 'overlay', source: '/p/o.Dockerfile', tag: null }] });
    operation = applyProgress(operation, { type: 'image-skip', kind: 'embedded', tag: 'paddock-base:embedded-1', reason: 'exists' });
    if (overlay === 'skipped') operation = applyProgress(operation, { type: 'image-skip', kind: 'overlay', tag: 'paddock-web:2', reason: 'exists' });
    else {
      operation = applyProgress(operation, { type: 'image-start', kind: 'overlay', tag: 'paddock-web:2', source: '/p/o.Dockerfile', steps: 3, contextFiles: 1 });
      operation = applyProgress(operation, { type: 'step', tag: 'paddock-web:2', step: 2, steps: 3, instruction: 'RUN a', line: 3 });
      operation = applyProgress(operation, { type: 'step-cached', tag: 'paddock-web:2', step: 2 });
      operation = applyProgress(operation, { type: 'step', tag: 'paddock-web:2', step: 3, steps: 3, instruction: 'RUN b', line: 4 });
      operation = applyProgress(operation, { type: 'image-done', kind: 'overlay', tag: 'paddock-web:2', id: 'sha256:2', durationMs: 10 });
    }
    return applyDone(operation, { operation: id, kind, workspace: 'web', status: 'succeeded', result: { type: 'built', image: 'paddock-web:2', built: [], skipped: [] } }, startedAt + 1);
  }

  it('marks layers rebuilt or cached from the build this window saw, and unknown without one', () => {
    const layers = [layer(0, 'upstream', null), layer(1, 'embedded', 5), layer(2, 'overlay', 3), layer(3, 'overlay', 4), layer(4, 'overlay', null)];
    const build = built('b', 'build', 'built', 1);
    // A later start that found the image built does not hide what its build did.
    const start = built('u', 'up', 'skipped', 2);
    const operations = { b: build, u: start };
    expect(lastBuildOf(operations, 'web', 'paddock-web:2')).toBe(build);
    expect(layerBuildStatus(layers, build)).toEqual(['unknown', 'existing', 'cached', 'rebuilt', 'unknown']);
    expect(layerBuildStatus(layers, lastBuildOf({ u: start }, 'web', 'paddock-web:2'))).toEqual(['unknown', 'existing', 'existing', 'existing', 'existing']);
    expect(lastBuildOf(operations, 'web', 'paddock-web:other')).toBeNull();
    expect(layerBuildStatus(layers, null)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
  });
});

describe('onboarding', () => {
  it('suggests a workspace name from the folder, unique among the existing ones', () => {
    expect(suggestName('/home/me/code/My Project_2', [])).toBe('my-project-2');
    expect(suggestName('/home/me/code/Café-Crème/', [])).toBe('cafe-creme');
    expect(suggestName('C:\\Users\\me\\Web App', [])).toBe('web-app');
    expect(suggestName('/home/me/web', ['web', 'web-2'])).toBe('web-3');
    expect(suggestName('/home/me/日本', [])).toBe('workspace');
    expect(suggestName('/', ['workspace'])).toBe('workspace-2');
  });

  it('breaks a folder into breadcrumbs', () => {
    expect(pathCrumbs('/home/me')).toEqual([
      { label: '/', path: '/' },
      { label: 'home', path: '/home' },
      { label: 'me', path: '/home/me' },
    ]);
    expect(pathCrumbs('/')).toEqual([{ label: '/', path: '/' }]);
    expect(pathCrumbs('C:\\Users\\me').map((crumb) => crumb.path)).toEqual(['C:\\', 'C:\\Users', 'C:\\Users\\me']);
  });

  it('has routes for the editor (at a line), the layers and the wizard', () => {
    for (const route of [{ view: 'dockerfile', name: 'web' }, { view: 'dockerfile', name: 'web', line: 12 }, { view: 'layers', name: 'web' }, { view: 'onboarding' }] as const) {
      expect(parseRoute(href(route))).toEqual(route);
    }
    expect(parseRoute('#/workspaces/web/dockerfile?line=nope')).toEqual({ view: 'dockerfile', name: 'web' });
  });
});
