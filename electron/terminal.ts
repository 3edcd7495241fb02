import fs from 'node:fs';
import path from 'node:path';

/** A program to spawn (detached) that opens a terminal window running a command. */
export interface TerminalLaunch {
  command: string;
  args: string[];
}

/** The Linux terminals tried in order: Debian's alternative first, it is the user's choice. */
const LINUX_TERMINALS = ['x-terminal-emulator', 'gnome-terminal', 'konsole', 'xterm'] as const;

/**
 * How to open the user's terminal running `argv` (e.g. `paddock attach web`), or null when no
 * terminal we know is installed. `installed` says whether a program is on the PATH.
 */
export function terminalCommand(platform: NodeJS.Platform, argv: readonly string[], installed: (program: string) => boolean): TerminalLaunch | null {
  if (platform === 'darwin') {
    // Terminal.app takes a shell command line through AppleScript; osascript is always there.
    const script = `tell application "Terminal"\n  activate\n  do script "${appleScriptString(shellLine(argv))}"\nend tell`;
    return { command: 'osascript', args: ['-e', script] };
  }
  if (platform === 'win32') {
    // `paddock` is an npm .cmd shim, so it runs under cmd.exe in either case.
    if (installed('wt.exe')) return { command: 'wt.exe', args: ['new-tab', 'cmd.exe', '/k', ...argv] };
    return { command: 'cmd.exe', args: ['/c', 'start', 'cmd.exe', '/k', ...argv] };
  }
  const terminal = LINUX_TERMINALS.find((program) => installed(program));
  if (!terminal) return null;
  // Each takes the command as separate arguments; gnome-terminal's `-e` would want one string.
  return { command: terminal, args: terminal === 'gnome-terminal' ? ['--', ...argv] : ['-e', ...argv] };
}

/**
 * The words that run the `paddock` CLI from a terminal. The packaged app expects the CLI on the
 * PATH (`npm install -g`); a development checkout runs its own bin/paddock.mjs with the Node that
 * npm used (its path travels in npm_node_execpath), as the terminal may have another or none.
 */
export function paddockCli({ packaged, appPath, env }: { packaged: boolean; appPath: string; env: NodeJS.ProcessEnv }): string[] {
  return packaged ? ['paddock'] : [env.npm_node_execpath || 'node', path.join(appPath, 'bin', 'paddock.mjs')];
}

/** `argv` as a POSIX shell command line: every word single-quoted unless it is plainly safe. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}

function appleScriptString(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
}

/** Whether `program` is an executable file in one of PATH's folders (with PATHEXT's endings on Windows). */
export function isOnPath(program: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  const windows = platform === 'win32';
  const folders = (env.PATH ?? env.Path ?? '').split(windows ? ';' : ':').filter(Boolean);
  const endings = windows && !path.extname(program) ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  return folders.some((folder) =>
    endings.some((ending) => {
      const file = path.join(folder, program + ending);
      try {
        // Windows has no execute bit, and wt.exe is an app execution alias that stat cannot follow.
        if (windows) return fs.existsSync(file);
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    }),
  );
}
