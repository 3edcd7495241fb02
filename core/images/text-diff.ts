/** Beyond this many line pairs, the changed middle is shown as all removed then all added. */
const MAX_LCS_CELLS = 4_000_000;
const CONTEXT_LINES = 3;

type Op = { kind: ' ' | '-' | '+'; text: string };

/** The edit between two line lists, common prefix and suffix kept apart so typical edits stay cheap. */
function editScript(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const middle: Op[] = [];
  if (midA.length * midB.length > MAX_LCS_CELLS) {
    middle.push(...midA.map((text) => ({ kind: '-' as const, text })), ...midB.map((text) => ({ kind: '+' as const, text })));
  } else {
    const width = midB.length + 1;
    const lcs = new Uint32Array((midA.length + 1) * width);
    for (let i = midA.length - 1; i >= 0; i--) {
      for (let j = midB.length - 1; j >= 0; j--) {
        lcs[i * width + j] = midA[i] === midB[j] ? (lcs[(i + 1) * width + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * width + j] as number, lcs[i * width + j + 1] as number);
      }
    }
    let i = 0;
    let j = 0;
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
        middle.push({ kind: ' ', text: midA[i] as string });
        i++;
        j++;
      } else if (i < midA.length && (j === midB.length || (lcs[(i + 1) * width + j] as number) >= (lcs[i * width + j + 1] as number))) {
        middle.push({ kind: '-', text: midA[i] as string });
        i++;
      } else {
        middle.push({ kind: '+', text: midB[j] as string });
        j++;
      }
    }
  }
  return [...a.slice(0, start).map((text) => ({ kind: ' ' as const, text })), ...middle, ...a.slice(endA).map((text) => ({ kind: ' ' as const, text }))];
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** A unified diff (as `diff -u` prints it) from `before` to `after`; empty when they are the same. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }): string {
  if (before === after) return '';
  const ops = editScript(splitLines(before), splitLines(after));
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  let index = 0;
  while (index < ops.length) {
    while (index < ops.length && ops[index]?.kind === ' ') index++;
    if (index >= ops.length) break;
    const from = Math.max(0, index - CONTEXT_LINES);
    let to = index;
    // A hunk runs on while the next change is within twice the context of the last one.
    for (;;) {
      while (to < ops.length && ops[to]?.kind !== ' ') to++;
      let gap = to;
      while (gap < ops.length && ops[gap]?.kind === ' ') gap++;
      if (gap < ops.length && gap - to <= 2 * CONTEXT_LINES) to = gap;
      else {
        to = Math.min(ops.length, to + CONTEXT_LINES);
        break;
      }
    }
    let lineA = 1;
    let lineB = 1;
    for (const op of ops.slice(0, from)) {
      if (op.kind !== '+') lineA++;
      if (op.kind !== '-') lineB++;
    }
    const hunk = ops.slice(from, to);
    const countA = hunk.filter((op) => op.kind !== '+').length;
    const countB = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${countA ? lineA : lineA - 1},${countA} +${countB ? lineB : lineB - 1},${countB} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.text}`);
    index = to;
  }
  return `${out.join('\n')}\n`;
}
