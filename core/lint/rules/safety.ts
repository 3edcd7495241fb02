import { properties, type Instr } from '../document.ts';
import { deleteInstruction, type LintContext } from '../context.ts';
import { argumentWords, type Edit, type Invocation, type RunInfo } from '../run.ts';
import { argv, isShell, parseShell, shellScript, type Word } from '../shell.ts';

const DOWNLOADERS = new Set(['curl', 'wget']);

/** Whether an interpreter reads its program from standard input (`sh`, `bash -s`, `python3 -`), rather than from `-c` or a file. */
function readsProgramFromStdin(invocation: Invocation): boolean {
  const { name, args } = invocation;
  if (isShell(name)) return shellScript(args).kind === 'stdin';
  const inline = /^python[0-9.]*$/.test(name) ? ['-c', '-m'] : ['perl', 'ruby'].includes(name) ? ['-e', '-E'] : name === 'node' ? ['-e', '-p', '--eval', '--print'] : null;
  if (!inline) return false;
  const first = args.find((arg) => !arg.value.startsWith('-') || arg.value === '-' || inline.includes(arg.value));
  return first === undefined || first.value === '-';
}

function downloads(word: Word): boolean {
  return word.substitutions.some((substitution) => parseShell(substitution, 1).commands.some((command) => DOWNLOADERS.has(argv(command)?.name ?? '')));
}

export function checkSafety(context: LintContext): void {
  for (const run of context.runs) checkCurlPipe(context, run);
  for (const instr of context.doc.instructions) {
    if (instr.keyword === 'ADD') checkAddUrl(context, instr);
    else if (instr.keyword === 'ARG' || instr.keyword === 'ENV') checkSecret(context, instr);
  }
}

/** `safety/curl-pipe-shell` (warning): a downloaded script run unseen, piped or substituted into a shell. */
function checkCurlPipe(context: LintContext, run: RunInfo): void {
  const message = (how: string) =>
    `${how} runs a script straight from the network: nothing checks what the server sent, so a compromised or hijacked download runs as root in your build. Download it to a file, check its SHA-256 (sha256sum -c), then run it.`;
  const byPipeline = new Map<number, Invocation[]>();
  for (const invocation of run.invocations) byPipeline.set(invocation.command.pipeline, [...(byPipeline.get(invocation.command.pipeline) ?? []), invocation]);
  for (const pipeline of byPipeline.values()) {
    const download = pipeline.find((invocation) => DOWNLOADERS.has(invocation.name));
    const runner = download && pipeline.find((invocation) => invocation.command.position > download.command.position && readsProgramFromStdin(invocation));
    if (download && runner) {
      context.report({ rule: 'safety/curl-pipe-shell', severity: 'warning', message: message(`${download.name} … | ${runner.name}`), start: download.command.start, end: runner.command.end });
    }
  }
  for (const invocation of run.invocations) {
    const runsCode = isShell(invocation.name) || ['eval', 'source', '.'].includes(invocation.name) || /^python[0-9.]*$/.test(invocation.name) || ['perl', 'ruby', 'node'].includes(invocation.name);
    if (runsCode && invocation.args.some(downloads)) {
      context.report({ rule: 'safety/curl-pipe-shell', severity: 'warning', message: message(`${invocation.name} with a downloaded script`), start: invocation.command.start, end: invocation.command.end });
    }
  }
}

/** `safety/add-url` (warning): ADD of a URL fetches whatever the server sends, unverified. */
function checkAddUrl(context: LintContext, instr: Instr): void {
  const { words } = argumentWords(instr);
  for (const word of words.slice(0, -1)) {
    if (!/^https?:\/\//i.test(word.value)) continue;
    context.report({
      rule: 'safety/add-url',
      severity: 'warning',
      message: `ADD downloads ${word.value} without checking what it got (the classic builder Paddock uses has no ADD --checksum), so a changed or tampered file silently changes your image. Download it in a RUN with curl and check its SHA-256 (sha256sum -c).`,
      start: word.start,
      end: word.end,
    });
  }
}

const CREDENTIAL_WORDS = new Set(['TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'PASS', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS', 'PAT']);
const KEY_QUALIFIERS = new Set(['API', 'ACCESS', 'PRIVATE', 'SECRET', 'SIGNING', 'ENCRYPTION', 'MASTER', 'AUTH']);
/** Names that point at a credential rather than hold one (`TOKEN_FILE`, `PASSWORD_URL`) or describe it. */
const NOT_A_VALUE = new Set(['FILE', 'PATH', 'DIR', 'URL', 'URI', 'HOST', 'PORT', 'NAME', 'USER', 'USERNAME', 'ID', 'TYPE', 'LENGTH', 'TTL', 'EXPIRY', 'HEADER', 'ENDPOINT']);

/** Names such as GITHUB_TOKEN, DB_PASSWORD, OPENAI_API_KEY, AWS_SECRET_ACCESS_KEY. */
function isCredentialName(name: string): boolean {
  const parts = name.toUpperCase().split(/[_\-.]+/).filter(Boolean);
  if (parts.length === 0 || NOT_A_VALUE.has(parts.at(-1) ?? '')) return false;
  return parts.some((part, i) => CREDENTIAL_WORDS.has(part) || (part === 'KEY' && KEY_QUALIFIERS.has(parts[i - 1] ?? '')));
}

/** A value written out in the Dockerfile, as opposed to empty, a flag, or only references to other variables. */
function isLiteral(value: string): boolean {
  const rest = value.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, '').trim();
  return rest !== '' && !/^(true|false|yes|no|on|off|0|1)$/i.test(rest);
}

/** `safety/secret` (warning): a credential written into the Dockerfile ends up in the image and its history. */
function checkSecret(context: LintContext, instr: Instr): void {
  const { doc } = context;
  const all = properties(doc.index, instr);
  for (const property of all) {
    if (property.value === null || !isCredentialName(property.name) || !isLiteral(property.value)) continue;
    const where =
      instr.keyword === 'ENV'
        ? 'is stored in the image, where docker inspect shows it to anyone who has the image,'
        : "is recorded in the image's history (docker history) by every RUN after it,";
    let edit: Edit;
    if (instr.keyword === 'ARG') edit = { start: property.nameEnd, end: property.valueEnd, text: '' };
    else if (all.length === 1) edit = deleteInstruction(context, instr);
    else {
      let end = property.end;
      while (/[ \t]/.test(doc.text[end] ?? '')) end++;
      edit = { start: property.start, end, text: '' };
    }
    context.report({
      rule: 'safety/secret',
      severity: 'warning',
      message: `${instr.keyword} ${property.name} holds a credential written in this file: it ${where} and sits in the Dockerfile for anyone who reads it. Give it to the agent as a Paddock secret instead ([workspaces.<name>.secrets.env.${property.name}] with from_env or from_file), which reaches the container at run time and never the image.`,
      start: property.start,
      end: property.end,
      fix: { title: instr.keyword === 'ARG' ? `Remove ${property.name}'s default value` : `Remove ${property.name} from the image`, edits: [edit] },
    });
  }
}
