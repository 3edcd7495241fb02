import { autocompletion, pickedCompletion, snippetCompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { dockerFile } from '@codemirror/legacy-modes/mode/dockerfile';
import { forEachDiagnostic, lintGutter, setDiagnosticsEffect, type Diagnostic as EditorDiagnostic } from '@codemirror/lint';
import { ChangeSet, EditorSelection, StateEffect, StateField, type EditorState, type Extension, type StateCommand, type Text, type TransactionSpec } from '@codemirror/state';
import { Decoration, drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, hoverTooltip, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { history, historyKeymap } from '@codemirror/commands';
import { tags } from '@lezer/highlight';
import { fixChanges, type LintFix } from './diagnostics.ts';
import { keywordAt, KEYWORDS } from './keywords.ts';
import { RECIPES, recipeChanges, type Recipe } from './recipes.ts';

/**
 * The Dockerfile editor's CodeMirror setup. It lives in a shadow root (see DockerfileEditor.tsx),
 * where CodeMirror's own styles go into constructable stylesheets that the app's CSP allows; its
 * colours are the app's theme variables, so it follows the light and dark themes by itself.
 */

/** The document the diagnostics were computed on, and what changed since, so fixes still land. */
interface LintBase {
  doc: Text;
  changes: ChangeSet;
}

export const lintBase = StateField.define<LintBase>({
  create: (state) => ({ doc: state.doc, changes: ChangeSet.empty(state.doc.length) }),
  update(base, tr) {
    // Diagnostics are only set on the document they were computed for (see DockerfileEditor).
    if (tr.effects.some((effect) => effect.is(setDiagnosticsEffect))) return { doc: tr.state.doc, changes: ChangeSet.empty(tr.state.doc.length) };
    return tr.docChanged ? { doc: base.doc, changes: base.changes.compose(tr.changes) } : base;
  },
});

/** All of a fix's edits as one transaction, moved along with whatever was typed since the lint. */
export function fixTransaction(state: EditorState, fix: LintFix): TransactionSpec {
  const base = state.field(lintBase);
  return { changes: ChangeSet.of(fixChanges(base.doc, fix), base.doc.length).map(base.changes), userEvent: 'input.fix', scrollIntoView: true };
}

export function applyFix(view: EditorView, fix: LintFix): void {
  view.dispatch(fixTransaction(view.state, fix));
  view.focus();
}

/** Selects a diagnostic's text where it is now (edits may have moved it) and scrolls to it. */
export function revealDiagnostic(view: EditorView, target: EditorDiagnostic): void {
  let range: { from: number; to: number } | null = null;
  forEachDiagnostic(view.state, (diagnostic, from, to) => {
    if (diagnostic === target) range = { from, to };
  });
  const { from, to } = range ?? target;
  view.dispatch({ selection: EditorSelection.range(from, to), effects: EditorView.scrollIntoView(from, { y: 'center' }) });
  view.focus();
}

/** A marked line: where a build failed, or the line a layer came from (the target of a link). */
export type MarkKind = 'failure' | 'target';

const setMarkedLine = StateEffect.define<{ line: number; kind: MarkKind } | null>();

const markedLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setMarkedLine)) continue;
      const mark = effect.value;
      next = mark
        ? Decoration.set([Decoration.line({ class: `cm-markedLine cm-markedLine-${mark.kind}`, attributes: { 'data-marked-line': String(mark.line) } }).range(tr.state.doc.line(mark.line).from)])
        : Decoration.none;
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** Puts the cursor at the start of a line (clamped to the document), scrolls it to the middle, and marks it or not. */
export function revealLine(view: EditorView, line: number, mark: MarkKind | null): void {
  const target = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines));
  view.dispatch({
    selection: EditorSelection.cursor(target.from),
    effects: [setMarkedLine.of(mark ? { line: target.number, kind: mark } : null), EditorView.scrollIntoView(target.from, { y: 'center' })],
  });
}

export function clearMarkedLine(view: EditorView): void {
  view.dispatch({ effects: setMarkedLine.of(null) });
}

/** Enter keeps the line's indentation, and indents the line after an instruction that continues (ends with \). */
const insertNewline: StateCommand = ({ state, dispatch }) => {
  dispatch(
    state.update(
      state.changeByRange((range) => {
        const line = state.doc.lineAt(range.from);
        const before = line.text.slice(0, range.from - line.from);
        const indent = /^\s*/.exec(line.text)?.[0] ?? '';
        const continues = /\\\s*$/.test(before) && indent === '' && !/^\s*#/.test(line.text);
        const insert = `${state.lineBreak}${continues ? '    ' : indent}`;
        return { changes: { from: range.from, to: range.to, insert }, range: EditorSelection.cursor(range.from + insert.length) };
      }),
      { scrollIntoView: true, userEvent: 'input' },
    ),
  );
  return true;
};

/** The recipe's changes with the word typed to complete it removed, as one change set. */
function recipeAt(doc: Text, recipe: Recipe, from: number, to: number): ChangeSet {
  const cleared = ChangeSet.of({ from, to }, doc.length);
  const rest = cleared.apply(doc);
  return cleared.compose(ChangeSet.of(recipeChanges(rest, recipe, from), rest.length));
}

/** Inserts a recipe at the cursor (the "Insert recipe" menu). */
export function insertRecipe(view: EditorView, recipe: Recipe): void {
  const { from, to } = view.state.selection.main;
  view.dispatch({ changes: recipeAt(view.state.doc, recipe, from, to), userEvent: 'input.recipe', scrollIntoView: true });
  view.focus();
}

function info(text: string): () => Node {
  return () => {
    const dom = document.createElement('div');
    dom.className = 'cm-completionText';
    dom.textContent = text;
    return dom;
  };
}

const keywordOptions: Completion[] = Object.entries(KEYWORDS).map(([keyword, help]) => ({
  label: keyword,
  type: 'keyword',
  detail: help.meaning,
  info: info(`In Paddock: ${help.paddock}`),
  apply: `${keyword} `,
}));

const recipeOptions: Completion[] = RECIPES.map((recipe) => {
  const base: Completion = { label: recipe.trigger, detail: recipe.label, type: 'text', section: { name: 'Recipes', rank: 1 }, info: info(recipe.description), boost: -1 };
  // A builder stage goes elsewhere in the file than the cursor, which a snippet cannot do.
  if (recipe.stage) {
    return { ...base, apply: (view: EditorView, completion: Completion, from: number, to: number) => view.dispatch({ changes: recipeAt(view.state.doc, recipe, from, to), annotations: pickedCompletion.of(completion), scrollIntoView: true }) };
  }
  return snippetCompletion(recipe.body, base);
});

/** Instructions and recipes, offered at the start of an instruction (not inside a continued one). */
function completeInstruction(context: CompletionContext): CompletionResult | null {
  const line = context.state.doc.lineAt(context.pos);
  const previous = line.number > 1 ? context.state.doc.line(line.number - 1).text : '';
  if (/\\\s*$/.test(previous) && !/^\s*#/.test(previous)) return null;
  const typed = /^(\s*)([A-Za-z-]*)$/.exec(line.text.slice(0, context.pos - line.from));
  if (!typed || (!context.explicit && !typed[2])) return null;
  return { from: line.from + (typed[1]?.length ?? 0), options: [...keywordOptions, ...recipeOptions], validFor: /^[A-Za-z-]*$/ };
}

/** What an instruction means and what Paddock does with it, when the pointer rests on it. */
const keywordHelp = hoverTooltip((view, pos) => {
  const line = view.state.doc.lineAt(pos);
  const previous = line.number > 1 ? view.state.doc.line(line.number - 1).text : null;
  const hit = keywordAt(line.text, previous, pos - line.from);
  if (!hit) return null;
  const help = KEYWORDS[hit.word];
  if (!help) return null;
  return {
    pos: line.from + hit.from,
    end: line.from + hit.to,
    above: true,
    create: () => {
      const dom = document.createElement('div');
      dom.className = 'cm-keywordHelp';
      const title = document.createElement('p');
      title.className = 'cm-keywordHelp-title';
      title.textContent = hit.word;
      const meaning = document.createElement('p');
      meaning.textContent = help.meaning;
      const paddock = document.createElement('p');
      paddock.className = 'cm-keywordHelp-paddock';
      paddock.textContent = `In Paddock: ${help.paddock}`;
      dom.append(title, meaning, paddock);
      return { dom };
    },
  };
});

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--syntax-keyword)', fontWeight: '600' },
  { tag: tags.comment, color: 'var(--syntax-comment)', fontStyle: 'italic' },
  { tag: tags.string, color: 'var(--syntax-string)' },
  { tag: tags.number, color: 'var(--syntax-number)' },
  { tag: tags.variableName, color: 'var(--syntax-string)' },
  { tag: tags.invalid, color: 'var(--danger)' },
]);

const wavy = (color: string) => ({ backgroundImage: 'none', textDecoration: `underline wavy ${color}`, textDecorationSkipInk: 'none', textUnderlineOffset: '3px' });
const dot = (color: string) => ({ content: 'none', width: '8px', height: '8px', margin: '4px auto 0', borderRadius: '50%', backgroundColor: color });

/**
 * Colours from theme.css, so one theme serves light and dark. The lint underlines and gutter
 * markers are redrawn with CSS: CodeMirror's own are data: URL images, which the CSP refuses.
 */
const theme = EditorView.theme({
  // As tall as the text, within bounds, so a short overlay leaves its findings in view below it.
  '&': { minHeight: '240px', maxHeight: 'max(320px, 62vh)', color: 'var(--text)', backgroundColor: 'var(--surface)', border: '1px solid var(--border-strong)', borderRadius: 'var(--radius)', fontSize: '13px' },
  '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '2px' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)', lineHeight: '1.6', borderRadius: 'var(--radius)' },
  '.cm-content': { caretColor: 'var(--text)', padding: '8px 0' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent)',
  },
  '.cm-gutters': { backgroundColor: 'var(--bg-sunken)', color: 'var(--text-faint)', borderRight: '1px solid var(--border)', borderRadius: 'var(--radius) 0 0 var(--radius)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 7%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 12%, transparent)', color: 'var(--text)' },
  '.cm-markedLine-failure': { backgroundColor: 'var(--danger-soft)', boxShadow: 'inset 3px 0 0 var(--danger)' },
  '.cm-markedLine-target': { backgroundColor: 'var(--accent-soft)', boxShadow: 'inset 3px 0 0 var(--accent)' },
  '.cm-lintRange-error': wavy('var(--danger)'),
  '.cm-lintRange-warning': wavy('var(--warn)'),
  '.cm-lintRange-info': wavy('var(--info)'),
  '.cm-lintRange-hint': wavy('var(--info)'),
  '.cm-lintRange-active': { backgroundColor: 'var(--warn-soft)' },
  '.cm-lintPoint:after': { borderBottomColor: 'var(--danger)' },
  '.cm-lintPoint-warning:after': { borderBottomColor: 'var(--warn)' },
  '.cm-lintPoint-info:after': { borderBottomColor: 'var(--info)' },
  '.cm-lint-marker-error': dot('var(--danger)'),
  '.cm-lint-marker-warning': dot('var(--warn)'),
  '.cm-lint-marker-info': dot('var(--info)'),
  '.cm-lint-marker-hint': dot('var(--info)'),
  '.cm-tooltip': {
    backgroundColor: 'var(--surface-raised)',
    color: 'var(--text)',
    border: '1px solid var(--border-strong)',
    borderRadius: 'var(--radius-sm)',
    boxShadow: 'var(--shadow)',
    fontFamily: 'var(--font-sans)',
    fontSize: '13px',
    maxWidth: '560px',
  },
  '.cm-diagnostic': { padding: '6px 10px', lineHeight: '1.45' },
  '.cm-diagnostic-error': { borderLeft: '4px solid var(--danger)' },
  '.cm-diagnostic-warning': { borderLeft: '4px solid var(--warn)' },
  '.cm-diagnostic-info': { borderLeft: '4px solid var(--info)' },
  '.cm-diagnosticSource': { display: 'block', marginTop: '2px', color: 'var(--text-muted)', fontFamily: 'var(--font-mono)', fontSize: '11.5px', opacity: '1' },
  '.cm-diagnosticAction': { backgroundColor: 'var(--accent)', color: 'var(--accent-text)', borderRadius: 'var(--radius-sm)', padding: '2px 8px', marginLeft: '0', marginTop: '6px', marginRight: '6px' },
  '.cm-tooltip-autocomplete > ul': { fontFamily: 'var(--font-mono)', maxHeight: '18em' },
  '.cm-tooltip-autocomplete > ul > li': { padding: '2px 8px' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-text)' },
  '.cm-tooltip-autocomplete > ul > completion-section': { padding: '4px 8px 2px', color: 'var(--text-muted)', borderBottom: '1px solid var(--border)', fontFamily: 'var(--font-sans)', fontSize: '12px' },
  '.cm-completionDetail': { marginLeft: '10px', fontStyle: 'normal', fontFamily: 'var(--font-sans)', color: 'inherit', opacity: '0.75' },
  '.cm-completionInfo': { padding: '8px 10px', maxWidth: '360px' },
  '.cm-completionText': { whiteSpace: 'normal', lineHeight: '1.45' },
  '.cm-keywordHelp': { padding: '8px 12px', maxWidth: '440px', lineHeight: '1.45', display: 'flex', flexDirection: 'column', gap: '4px' },
  '.cm-keywordHelp p': { margin: '0' },
  '.cm-keywordHelp-title': { fontFamily: 'var(--font-mono)', fontWeight: '650' },
  '.cm-keywordHelp-paddock': { color: 'var(--text-muted)' },
});

/**
 * Typing over a selection is done here rather than by the browser: Chromium, replacing text that
 * spans differently coloured tokens, keeps the first one's colour with an inline style attribute,
 * which the CSP refuses (and reports). The text is the same either way. The selection is the
 * editor's, or the page's when CodeMirror has not read a change of it yet (a key right after
 * Ctrl-A).
 */
const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== 'insertText' || event.data === null) return false;
    const text = event.data;
    if (view.state.selection.ranges.some((range) => !range.empty)) {
      event.preventDefault();
      view.dispatch(view.state.replaceSelection(text), { userEvent: 'input.type', scrollIntoView: true });
      return true;
    }
    // Inside a shadow root only the root knows the selection (and getTargetRanges() is empty there).
    const root = view.root as DocumentOrShadowRoot & { getSelection?: () => Selection | null };
    const selection = root.getSelection?.() ?? document.getSelection();
    const range = selection && !selection.isCollapsed && selection.rangeCount > 0 ? selection.getRangeAt(0) : null;
    if (!range || !view.contentDOM.contains(range.startContainer) || !view.contentDOM.contains(range.endContainer)) return false;
    const from = view.posAtDOM(range.startContainer, range.startOffset);
    const to = view.posAtDOM(range.endContainer, range.endOffset);
    if (from >= to) return false;
    event.preventDefault();
    view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length }, userEvent: 'input.type', scrollIntoView: true });
    return true;
  },
});

export interface SetupOptions {
  label: string;
  /** Ctrl/Cmd-S; the browser's "save the page" never makes sense here, so the key is taken either way. */
  onSave(): void;
}

export function editorExtensions({ label, onSave }: SetupOptions): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightActiveLine(),
    drawSelection(),
    history(),
    StreamLanguage.define(dockerFile),
    syntaxHighlighting(highlight),
    lintBase,
    lintGutter(),
    markedLine,
    keywordHelp,
    typeOverSelection,
    autocompletion({ override: [completeInstruction], icons: false }),
    keymap.of([
      ...historyKeymap,
      { key: 'Enter', run: insertNewline },
      {
        key: 'Mod-s',
        run: () => {
          onSave();
          return true;
        },
        preventDefault: true,
      },
    ]),
    EditorView.contentAttributes.of({ 'aria-label': label }),
    theme,
  ];
}
