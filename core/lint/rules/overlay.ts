import { expandVariables, properties, type Instr } from '../document.ts';
import { deleteInstruction, inImage, quote, type LintContext } from '../context.ts';
import { argumentWords, expandWord, operands, type Edit, type Invocation, type RunInfo } from '../run.ts';
import { BASE_REFERENCE } from './syntax.ts';

const HOME = '/home/agent';
const LOCAL_BIN = '/home/agent/.local/bin';
const KEEPS_PATH = /\$(?:\{PATH[:}]|PATH\b)/;

/** A container path with `.`, `..`, repeated and trailing slashes resolved. */
function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder === '/' ? '/' : `${folder}/`);
}

export function checkOverlay(context: LintContext): void {
  checkFromBase(context);
  for (const run of context.runs) if (inImage(context, run.instr)) checkAgentUser(context, run);
  for (const instr of context.doc.instructions) {
    if (!inImage(context, instr)) continue;
    if (instr.keyword === 'ENV') checkPath(context, instr);
    else if (instr.keyword === 'VOLUME') checkVolume(context, instr);
    else if (OVERRIDDEN[instr.keyword]) checkOverridden(context, instr);
  }
}

/** `overlay/from-base` (breaking): the image must be built on the base Paddock resolved, which it passes as BASE. */
function checkFromBase(context: LintContext): void {
  const { stages } = context.doc;
  const last = stages.at(-1);
  if (!last || last.image === '') return;
  let root = last;
  for (const seen = new Set<number>(); root.parent !== null && !seen.has(root.index); ) {
    seen.add(root.index);
    root = stages[root.parent] ?? root;
  }
  if (BASE_REFERENCE.test(root.image)) return;
  const through = root === last ? "" : `, which builds FROM ${root.image}`;
  context.report({
    rule: 'overlay/from-base',
    severity: 'breaking',
    message: `The final stage builds FROM ${last.image}${through}, so the overlay throws away Paddock's base (the agent user, its home, its PATH and tools). Use FROM \${BASE}${root === last ? '' : ' for the final stage and COPY --from what you need from the others'}.`,
    start: last.imageStart,
    end: last.imageEnd,
    ...(root === last ? { fix: { title: 'Build FROM ${BASE}', edits: [{ start: last.imageStart, end: last.imageEnd, text: '${BASE}' }] } } : {}),
  });
}

const USERMOD_VALUE_FLAGS = new Set(['-c', '-d', '-e', '-f', '-g', '-G', '-l', '-p', '-s', '-u', '-R', '-P', '-Z', '--comment', '--home', '--expiredate', '--inactive', '--gid', '--groups', '--login', '--password', '--shell', '--uid', '--root', '--prefix', '--selinux-user']);

/** The value of `-u 2000`, `-u2000`, `--uid 2000` or `--uid=2000`. */
function optionValue(run: RunInfo, invocation: Invocation, short: string, long: string): string | null {
  const { args } = invocation;
  for (let i = 0; i < args.length; i++) {
    const value = args[i]?.value ?? '';
    const next = args[i + 1];
    if ((value === short || value === long) && next) return expandWord(run, next);
    if (value.startsWith(`${long}=`)) return expandVariables(value.slice(long.length + 1), run.instr.vars);
    if (value.startsWith(short) && !value.startsWith('--') && value.length > short.length) return expandVariables(value.slice(short.length), run.instr.vars);
  }
  return null;
}

/** A login that names the agent: `agent`, or the user that holds UID 1000 (`$(getent passwd 1000 | …)`). */
function isAgent(login: string): boolean {
  return login === 'agent' || /\bpasswd\s+1000\b/.test(login);
}

/** `overlay/agent-user` (fatal): Paddock runs the agent as UID 1000 with its home in /home/agent. */
function checkAgentUser(context: LintContext, run: RunInfo): void {
  for (const invocation of run.invocations) {
    const { name, args, command } = invocation;
    const report = (message: string) => context.report({ rule: 'overlay/agent-user', severity: 'fatal', message, start: command.start, end: command.end });
    const logins = () => operands(args, name === 'usermod' ? USERMOD_VALUE_FLAGS : new Set(['-R', '--root', '-P', '--prefix', '-c', '--conf']));
    if (name === 'userdel' || name === 'deluser') {
      const found = logins();
      // `deluser agent GROUP` only takes agent out of a group.
      if (name === 'deluser' && found.length !== 1) continue;
      const login = found[0];
      if (login && isAgent(expandWord(run, login))) {
        report(`${name} removes the agent user (UID 1000), which Paddock runs the agent as: without it the agent has no name, no home and no HOME, and its tools fail. Leave the user in place; add your own users beside it.`);
      }
    } else if (name === 'usermod') {
      const login = logins().at(-1);
      if (!login || !isAgent(expandWord(run, login))) continue;
      const uid = optionValue(run, invocation, '-u', '--uid');
      const home = optionValue(run, invocation, '-d', '--home');
      if (uid !== null && uid !== '1000') {
        report(`usermod gives the agent user UID ${uid}, but Paddock always runs the agent as 1000:1000: it would run as a user without a name or home, and the files in ${HOME} would belong to someone else. Keep UID 1000.`);
      } else if (home !== null && normalizePath(home) !== HOME) {
        report(`usermod moves the agent's home to ${home}, away from ${HOME}, where Paddock mounts the agent's data and cache volumes and its shared config. Keep the home in ${HOME}.`);
      }
    } else if (name === 'rm' && args.some((arg) => /^-[A-Za-z]*[rR]/.test(arg.value) || arg.value === '--recursive')) {
      for (const target of operands(args)) {
        const path = expandWord(run, target).replace(/\/\*$/, '');
        if (!path.startsWith('/') && !path.startsWith('~agent')) continue;
        const resolved = normalizePath(path.replace(/^~agent/, HOME));
        if (resolved === HOME || resolved === '/home') {
          report(`rm deletes ${target.value}, the agent's home (or everything in it) with the folders the base prepared for Paddock's mounts (data, cache, shared config): the agent starts without a usable home. Delete only what you added.`);
          break;
        }
      }
    }
  }
}

/** `overlay/path-override` (breaking): PATH must keep the agent's own tools and the system's folders. */
function checkPath(context: LintContext, instr: Instr): void {
  const { doc } = context;
  for (const property of properties(doc.index, instr)) {
    if (property.name !== 'PATH' || property.value === null) continue;
    if (property.value.includes(LOCAL_BIN) || KEEPS_PATH.test(property.value)) continue;
    const written = doc.text.slice(property.valueStart, property.valueEnd);
    const quoted = written.length >= 2 && (written[0] === '"' || written[0] === "'") && written.endsWith(written[0] ?? '') ? written[0] : null;
    let edit: Edit | null;
    if (quoted === '"') edit = { start: property.valueEnd - 1, end: property.valueEnd - 1, text: ':${PATH}' };
    // ${PATH} does not expand inside single quotes: the value moves into double quotes, when nothing in it would change meaning there.
    else if (quoted === "'") edit = /["$`\\]/.test(property.value) ? null : { start: property.valueStart, end: property.valueEnd, text: `"${property.value}:\${PATH}"` };
    else edit = { start: property.valueEnd, end: property.valueEnd, text: property.value === '' ? '${PATH}' : ':${PATH}' };
    context.report({
      rule: 'overlay/path-override',
      severity: 'breaking',
      message: `ENV PATH=${quote(property.value)} replaces the base's PATH, which starts with ${LOCAL_BIN} (where the agent's own tools go: pip --user, an npm prefix, downloaded binaries) and lists the system's folders: those commands are no longer found. Add to it instead, keeping \${PATH}.`,
      start: property.start,
      end: property.end,
      ...(edit ? { fix: { title: 'Keep the base PATH (append :${PATH})', edits: [edit] } } : {}),
    });
  }
}

/** `overlay/volume`: a VOLUME hides what Paddock mounts below it. */
function checkVolume(context: LintContext, instr: Instr): void {
  const { words, json } = argumentWords(instr);
  const workspaces = (context.options.workspacePaths ?? []).map(normalizePath);
  const flagged = words.map((word) => {
    const path = normalizePath(expandVariables(word.value, instr.vars));
    if (within(path, HOME) || path === '/home' || path === '/') {
      return {
        word,
        severity: 'breaking' as const,
        message: `VOLUME ${word.value} puts the agent's home in an anonymous Docker volume: every new container (after each rebuild or config change) starts from a fresh copy, nothing in it reaches your machine, and Paddock leaves the old volumes behind. Paddock already keeps ~/.local/share and ~/.cache in named volumes; remove the VOLUME.`,
      };
    }
    const below = workspaces.find((workspace) => path !== workspace && within(path, workspace));
    if (below) {
      return {
        word,
        severity: 'breaking' as const,
        message: `VOLUME ${word.value} is inside the workspace path ${below}, which Paddock bind-mounts from your machine: Docker puts a volume over that folder, so the agent's writes there land in the volume and never reach your files. Remove the VOLUME.`,
      };
    }
    if (workspaces.includes(path)) {
      return {
        word,
        severity: 'info' as const,
        message: `VOLUME ${word.value} is a workspace path: Paddock bind-mounts your folder there, and Docker then skips the volume, so it does nothing here (a VOLUME below a workspace path would hide your files). Remove it.`,
      };
    }
    return null;
  });
  const all = flagged.every((entry) => entry !== null);
  flagged.forEach((entry, i) => {
    if (!entry) return;
    let edits: Edit[] | null = null;
    if (all) edits = [deleteInstruction(context, instr)];
    else if (!json) {
      // Take the path out together with the space before it (or after it, for the first one).
      const previous = words[i - 1];
      const next = words[i + 1];
      edits = [previous ? { start: previous.end, end: entry.word.end, text: '' } : { start: entry.word.start, end: next?.start ?? entry.word.end, text: '' }];
    }
    context.report({
      rule: 'overlay/volume',
      severity: entry.severity,
      message: entry.message,
      start: entry.word.start,
      end: entry.word.end,
      ...(edits ? { fix: { title: all ? 'Remove the VOLUME' : `Remove ${entry.word.value} from the VOLUME`, edits } } : {}),
    });
  });
}

/** What Paddock does instead of each instruction it overrides when it starts the agent's container. */
const OVERRIDDEN: Record<string, { message: string; removable: boolean }> = {
  ENTRYPOINT: {
    message: 'Paddock starts the agent container with an empty entrypoint and its own command (a wrapper that loads secrets and runs the agent in tmux), so this ENTRYPOINT never runs. Put setup in RUN steps, or what should run in the workspace\'s `command`.',
    removable: true,
  },
  CMD: {
    message: 'Paddock replaces CMD with its own command, which runs the workspace\'s agent (or its `command` from the config), so this CMD never runs.',
    removable: true,
  },
  USER: {
    message: 'Paddock starts the container as 1000:1000 (the agent user) whatever USER says, so this only changes the user of the build steps after it. The base leaves the build as root so that overlays can install packages.',
    removable: false,
  },
  WORKDIR: {
    message: 'Paddock starts the agent in the workspace\'s first path, so WORKDIR only sets the folder of the build steps after it (and the start folder of a workspace without paths).',
    removable: false,
  },
  HEALTHCHECK: {
    message: 'Paddock sets its own health check on the agent container (is the agent\'s tmux session, or OpenCode\'s port, up?), which replaces this one.',
    removable: true,
  },
  STOPSIGNAL: {
    message: 'Paddock stops a workspace by removing its containers, which ends their processes without a stop signal, so this STOPSIGNAL is never sent.',
    removable: true,
  },
};

/** `overlay/overridden` (info): instructions whose effect Paddock replaces at run time. */
function checkOverridden(context: LintContext, instr: Instr): void {
  const entry = OVERRIDDEN[instr.keyword];
  if (!entry) return;
  context.report({
    rule: 'overlay/overridden',
    severity: 'info',
    message: entry.message,
    start: instr.start,
    end: instr.end,
    ...(entry.removable ? { fix: { title: `Remove the ${instr.keyword}`, edits: [deleteInstruction(context, instr)] } } : {}),
  });
}
