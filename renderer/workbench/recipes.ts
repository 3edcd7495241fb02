import type { ChangeSpec, Text } from '@codemirror/state';

/**
 * Ready-made blocks for what overlays most often need, written the way the linter wants them
 * (docs/workbench.md): each cleans up in the RUN that made the mess, so no layer keeps caches.
 * `${name}` marks a field the user fills in (a snippet field when completed, plain text from the
 * menu); `stage` is a builder stage that goes before the final `FROM ${BASE}`.
 */
export interface Recipe {
  id: string;
  label: string;
  description: string;
  /** Words the completion matches. */
  trigger: string;
  body: string;
  stage?: string;
}

export const RECIPES: readonly Recipe[] = [
  {
    id: 'apt',
    label: 'System packages (apt)',
    description: 'Updates the package lists, installs without recommended extras, and removes the lists again, all in one layer.',
    trigger: 'apt-get install',
    body: [
      '# System packages: update, install and clean up in one RUN, so no layer keeps the lists.',
      'RUN apt-get update \\',
      '    && apt-get install -y --no-install-recommends \\',
      '        ${package-name} \\',
      '    && rm -rf /var/lib/apt/lists/*',
    ].join('\n'),
  },
  {
    id: 'pip',
    label: 'Python tool (pip)',
    description: 'Installs a Python command-line tool into a virtual environment of its own (Debian’s pip refuses system-wide installs), without keeping pip’s cache. Needs python3-venv from apt.',
    trigger: 'pip install',
    body: [
      '# A Python tool in its own virtual environment; --no-cache-dir keeps pip’s cache out of the layer.',
      'RUN python3 -m venv /opt/${tool} \\',
      '    && /opt/${tool}/bin/pip install --no-cache-dir ${tool} \\',
      '    && ln -s /opt/${tool}/bin/${tool} /usr/local/bin/${tool}',
    ].join('\n'),
  },
  {
    id: 'npm',
    label: 'Node.js tool (npm, global)',
    description: 'Installs an npm package globally and cleans npm’s cache in the same layer. Needs Node.js in the base.',
    trigger: 'npm install -g',
    body: ['# A global npm package; the cache is cleaned in the same RUN.', 'RUN npm install -g --no-fund --no-audit ${package-name} \\', '    && npm cache clean --force'].join('\n'),
  },
  {
    id: 'apk',
    label: 'Alpine packages (apk)',
    description: 'For an Alpine builder stage: apk add --no-cache leaves no package index behind. Paddock’s own base is Debian or Ubuntu, so use apt there.',
    trigger: 'apk add',
    body: ['# Alpine packages (in an Alpine stage); --no-cache keeps the index out of the layer.', 'RUN apk add --no-cache ${package-name}'].join('\n'),
  },
  {
    id: 'multi-stage',
    label: 'Compiled tool (multi-stage build)',
    description: 'Builds a tool in a stage of its own from a compiler image, then copies only the result into the image: the compiler never reaches it.',
    trigger: 'COPY --from build stage',
    stage: [
      '# Builder stage: the compiler stays here; only the binary reaches the image.',
      'FROM golang:1.24 AS build',
      'WORKDIR /src',
      'COPY ${tool}/ .',
      'RUN CGO_ENABLED=0 go build -o /out/${tool} .',
      '',
    ].join('\n'),
    body: ['# The tool built in the "build" stage above.', 'COPY --from=build /out/${tool} /usr/local/bin/${tool}'].join('\n'),
  },
];

/** The text with each `${field}` replaced by its name, as the menu inserts it. */
export function plainText(template: string): string {
  return template.replace(/\$\{(\w[\w-]*)\}/g, (_, name: string) => name);
}

/** The line where the final stage starts (`FROM ${BASE}`, or the last FROM); null when there is none. */
function finalStageLine(doc: Text): number | null {
  let last: number | null = null;
  let base: number | null = null;
  for (let n = 1; n <= doc.lines; n++) {
    const text = doc.line(n).text;
    if (!/^\s*FROM\s/i.test(text)) continue;
    last = n;
    if (/^\s*FROM\s+(\$\{BASE\}|\$BASE)(\s|$)/i.test(text)) base = n;
  }
  return base ?? last;
}

/**
 * Where a recipe goes: its body on a line of its own at `at` (replacing the line when it is empty),
 * and a builder stage just before the final stage, so that the final stage stays FROM ${BASE} and
 * the COPY --from lands in it: when `at` is above the final stage, the body goes to the end.
 * All changes are against `doc`, for one transaction.
 */
export function recipeChanges(doc: Text, recipe: Recipe, at: number, text: (template: string) => string = plainText): ChangeSpec[] {
  const finalLine = recipe.stage ? finalStageLine(doc) : null;
  const target = finalLine !== null && at < doc.line(finalLine).from ? doc.length : at;
  const line = doc.lineAt(target);
  const body = text(recipe.body);
  const bodyChange: ChangeSpec = line.text.trim() === '' ? { from: line.from, to: line.to, insert: body } : { from: line.to, insert: `\n${body}` };
  if (!recipe.stage) return [bodyChange];
  if (finalLine === null) return [{ from: line.to, insert: `${line.text.trim() === '' ? '' : '\n'}${text(recipe.stage)}FROM \${BASE}\n${body}` }];
  return [{ from: doc.line(finalLine).from, insert: `${text(recipe.stage)}\n` }, bodyChange];
}
