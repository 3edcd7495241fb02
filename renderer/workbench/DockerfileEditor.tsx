import { setDiagnostics, type Diagnostic as EditorDiagnostic } from '@codemirror/lint';
import { EditorState, Transaction } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react';
import type { ApiError, LintDiagnostic } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useClient } from '../store/react.tsx';
import { docText, EDITOR_SEVERITY, groupBySeverity, lineBreakOf, SEVERITY_GROUPS, spanRange } from './diagnostics.ts';
import { applyFix, clearMarkedLine, editorExtensions, insertRecipe, revealDiagnostic, revealLine, type MarkKind } from './editor-setup.ts';
import { RECIPES } from './recipes.ts';

/** What the parent can do with the editor: read and replace the text, point at a line. */
export interface DockerfileEditorHandle {
  /** The text as the file stores it (its own line breaks). */
  text(): string;
  /** Puts new text in, as a reload does: nothing to undo back to. */
  replace(text: string): void;
  /** Moves to a line and scrolls to it; `mark` highlights it (a failed step, a link's target), else the mark goes. */
  revealLine(line: number, options?: { mark?: MarkKind; focus?: boolean }): void;
  clearMark(): void;
}

export interface LintReport {
  diagnostics: LintDiagnostic[];
  /** Still checking the latest text: the diagnostics are of an earlier one. */
  checking: boolean;
}

interface Item {
  diagnostic: LintDiagnostic;
  editor: EditorDiagnostic;
}

/** Lint this long after the last keystroke: quick enough to feel live, without a call per key. */
const LINT_DELAY_MS = 300;

function summary(items: readonly Item[]): string {
  if (items.length === 0) return 'No problems found.';
  const groups = groupBySeverity(items).map((group) => `${group.items.length} ${SEVERITY_GROUPS[group.severity].title.toLowerCase()}`);
  return `${items.length} ${items.length === 1 ? 'finding' : 'findings'}: ${groups.join(', ')}.`;
}

/**
 * The Dockerfile editor: CodeMirror with Dockerfile highlighting, the linter's findings as you
 * type (through the API, as `paddock lint` reports them), their fixes, help on each instruction,
 * and recipes. CodeMirror is mounted in a shadow root: there its styles go into constructable
 * stylesheets, which the app's CSP (style-src 'self', no nonce) allows, where the <style>
 * elements it adds to a document would be refused.
 */
export function DockerfileEditor({
  initialText,
  workspacePaths,
  label,
  onChange,
  onLint,
  onSave,
  ref,
}: {
  initialText: string;
  workspacePaths: readonly string[];
  /** The editor's accessible name. */
  label: string;
  onChange?: (text: string) => void;
  onLint?: (report: LintReport) => void;
  onSave?: () => void;
  ref?: Ref<DockerfileEditorHandle>;
}) {
  const client = useClient();
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const lineBreak = useRef(lineBreakOf(initialText));
  const callbacks = useRef({ onChange, onLint, onSave, workspacePaths });
  callbacks.current = { onChange, onLint, onSave, workspacePaths };
  const recipeMenu = useRef<HTMLDetailsElement>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [checking, setChecking] = useState(true);
  const [lintError, setLintError] = useState<ApiError | null>(null);
  // The latest findings, for reports made while a newer check runs.
  const reported = useRef<LintDiagnostic[]>([]);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const root = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
    let timer: ReturnType<typeof setTimeout> | null = null;
    let latest = 0;

    const lint = (editor: EditorView) => {
      timer = null;
      const doc = editor.state.doc;
      const request = ++latest;
      setChecking(true);
      callbacks.current.onLint?.({ diagnostics: reported.current, checking: true });
      client.call('lint.dockerfile', { text: docText(doc, lineBreak.current), workspacePaths: [...callbacks.current.workspacePaths] }).then(
        ({ diagnostics }) => {
          // Only the answer for the text on screen counts; a newer request is on its way otherwise.
          if (request !== latest || editor.state.doc !== doc) return;
          const next = diagnostics.map((diagnostic): Item => {
            const editorDiagnostic: EditorDiagnostic = {
              ...spanRange(doc, diagnostic),
              severity: EDITOR_SEVERITY[diagnostic.severity],
              message: diagnostic.message,
              source: diagnostic.rule,
            };
            const fix = diagnostic.fix;
            if (fix) editorDiagnostic.actions = [{ name: fix.title, apply: (target) => applyFix(target, fix) }];
            return { diagnostic, editor: editorDiagnostic };
          });
          editor.dispatch(setDiagnostics(editor.state, next.map((item) => item.editor)));
          reported.current = next.map((item) => item.diagnostic);
          setItems(next);
          setLintError(null);
          setChecking(false);
          callbacks.current.onLint?.({ diagnostics: reported.current, checking: false });
        },
        (error: unknown) => {
          if (request !== latest) return;
          setLintError(asApiError(error));
          setChecking(false);
          callbacks.current.onLint?.({ diagnostics: reported.current, checking: false });
        },
      );
    };

    const editor = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          editorExtensions({ label, onSave: () => callbacks.current.onSave?.() }),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged) return;
            callbacks.current.onChange?.(docText(update.state.doc, lineBreak.current));
            if (timer) clearTimeout(timer);
            timer = setTimeout(() => lint(update.view), LINT_DELAY_MS);
          }),
        ],
      }),
    });
    view.current = editor;
    lint(editor);
    return () => {
      if (timer) clearTimeout(timer);
      latest++;
      view.current = null;
      editor.destroy();
    };
    // Made once per mount: the parent remounts the editor (with a key) for another file.
  }, []);

  useImperativeHandle(
    ref,
    () => ({
      text: () => (view.current ? docText(view.current.state.doc, lineBreak.current) : initialText),
      replace(text) {
        const editor = view.current;
        if (!editor) return;
        lineBreak.current = lineBreakOf(text);
        editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, annotations: Transaction.addToHistory.of(false) });
      },
      revealLine(line, { mark, focus = false } = {}) {
        const editor = view.current;
        if (!editor) return;
        revealLine(editor, line, mark ?? null);
        if (focus) editor.focus();
      },
      clearMark() {
        if (view.current) clearMarkedLine(view.current);
      },
    }),
    [initialText],
  );

  const groups = groupBySeverity(items);
  return (
    <div className="dockerfile-editor">
      <div className="editor-toolbar">
        <details
          className="menu"
          ref={recipeMenu}
          onKeyDown={(event) => {
            if (event.key !== 'Escape' || !recipeMenu.current?.open) return;
            recipeMenu.current.open = false;
            recipeMenu.current.querySelector('summary')?.focus();
          }}
          onBlur={(event) => {
            if (recipeMenu.current && !recipeMenu.current.contains(event.relatedTarget as Node | null)) recipeMenu.current.open = false;
          }}
        >
          <summary className="button button-small">Insert recipe</summary>
          <ul className="menu-list" aria-label="Recipes">
            {RECIPES.map((recipe) => (
              <li key={recipe.id}>
                <button
                  type="button"
                  className="menu-item"
                  onClick={() => {
                    if (view.current) insertRecipe(view.current, recipe);
                    if (recipeMenu.current) recipeMenu.current.open = false;
                  }}
                >
                  <span className="menu-item-title">{recipe.label}</span>
                  <span className="menu-item-text">{recipe.description}</span>
                </button>
              </li>
            ))}
          </ul>
        </details>
        <p className="editor-hint text-muted">
          Rest the pointer on an instruction for what it does in Paddock; at the start of a line, Ctrl-Space offers instructions and recipes.
        </p>
      </div>
      <div className="editor-host" ref={host} />
      <section className="lint-results" aria-label="Problems in the Dockerfile">
        <p className="lint-summary" role="status" aria-live="polite">
          {checking ? (
            <>
              <span className="spinner" aria-hidden="true" />
              Checking…
            </>
          ) : lintError ? (
            'Could not check the Dockerfile.'
          ) : (
            summary(items)
          )}
        </p>
        {lintError && <ErrorNotice error={lintError} compact />}
        {groups.map((group) => (
          <div key={group.severity} className={`lint-group lint-group-${group.severity}`}>
            <h3 className="lint-group-title">
              {SEVERITY_GROUPS[group.severity].title} <span className="lint-group-count">{group.items.length}</span>
            </h3>
            <p className="lint-group-text">{SEVERITY_GROUPS[group.severity].description}</p>
            <ul className="lint-list">
              {group.items.map((item, index) => {
                const { diagnostic } = item;
                return (
                  <li key={`${diagnostic.rule}-${diagnostic.line}-${diagnostic.column}-${index}`} className="lint-item" data-severity={diagnostic.severity} data-line={diagnostic.line}>
                    <button type="button" className="lint-item-jump" onClick={() => view.current && revealDiagnostic(view.current, item.editor)}>
                      <span className="lint-item-where">Line {diagnostic.line}</span>
                      <span className="lint-item-message">{diagnostic.message}</span>
                    </button>
                    <span className="lint-item-rule mono">{diagnostic.rule}</span>
                    {diagnostic.fix && (
                      <button type="button" className="button button-small" onClick={() => view.current && diagnostic.fix && applyFix(view.current, diagnostic.fix)}>
                        {diagnostic.fix.title}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </section>
    </div>
  );
}
