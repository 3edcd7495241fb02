/** Lines with their line breaks, so that joining them gives the text back byte for byte. */
export function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * The lines that differ between two texts: the longest common run of leading lines and of trailing
 * lines are cut off, what is left in each is the change. `before === prefix + removed + suffix`
 * and `after === prefix + added + suffix` hold by construction.
 */
export function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = linesOf(before);
  const b = linesOf(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  return { removed: a.slice(start, a.length - end), added: b.slice(start, b.length - end) };
}
