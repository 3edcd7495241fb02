/**
 * Docker-style env files, as jailoc reads them: `KEY=VALUE` lines, `#` comments, quoted values
 * kept up to the matching quote, ` #` starting an inline comment in unquoted values, no `$`
 * expansion. Lines without `=` are skipped, as Docker does.
 */
export function parseEnvFile(text: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    if (key === '') continue;
    entries.push([key, parseValue(line.slice(eq + 1))]);
  }
  return entries;
}

function parseValue(raw: string): string {
  const quote = raw[0];
  if (quote === '"' || quote === "'") {
    const end = raw.indexOf(quote, 1);
    return end < 0 ? raw.slice(1) : raw.slice(1, end);
  }
  const comment = raw.indexOf(' #');
  return (comment < 0 ? raw : raw.slice(0, comment)).trimEnd();
}
