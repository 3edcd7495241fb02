import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { dataDir } from '../config/paths.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError } from './io.ts';

/**
 * Opens the page without putting the token on a command line (which every local user can read in
 * `ps`): the browser gets a private file that redirects to the address with the token.
 */
function openBrowser(url: string, folder: string, port: number): string | null {
  const file = path.join(folder, `serve-${port}.html`);
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const target = JSON.stringify(url);
  fs.writeFileSync(
    file,
    `<!doctype html><meta charset="utf-8"><title>Paddock</title><meta http-equiv="refresh" content="0;url=${url}"><script>location.replace(${target})</script>\n`,
    { mode: 0o600 },
  );
  const [command, ...args] = process.platform === 'darwin' ? ['open', file] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', file] : ['xdg-open', file];
  try {
    const child = spawn(command as string, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener on this system: the printed address still works.
  }
  return file;
}

const serveCommand: Command = {
  words: ['serve'],
  args: '',
  summary: 'Serve the app to a browser on this machine, at a token-protected local address',
  options: {
    port: { type: 'string', description: 'listen on this port of 127.0.0.1 (default: a free one)' },
    'no-open': { type: 'boolean', description: 'only print the address; do not open a browser' },
  },
  maxPositionals: 0,
  async run(context) {
    const portOption = context.options.port;
    const port = typeof portOption === 'string' ? Number(portOption) : 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes a port number (1-65535), or 0 for a free one');
    const { io } = context;
    // The API and its WebSocket server load only for this command: no other command needs them.
    const [{ createApi }, { serve }] = await Promise.all([import('../api/handlers.ts'), import('../api/serve.ts')]);
    const api = createApi({
      configFile: context.configFile,
      env: io.env,
      home: context.host.home,
      onError: (error) => {
        if (io.env.PADDOCK_DEBUG) io.stderr(`${(error as Error)?.stack ?? String(error)}\n`);
      },
    });
    let server: Awaited<ReturnType<typeof serve>>;
    try {
      server = await serve({ api, port });
    } catch (error) {
      await api.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${port} on 127.0.0.1 is taken; pick another with --port, or leave it out for a free one`);
      throw error;
    }
    // Listening for the signals before the address is printed: whoever reads it may stop us at once.
    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    const redirect = context.options['no-open'] === true ? null : openBrowser(server.url, dataDir(io.env), server.port);
    if (context.json) io.stdout(`${JSON.stringify({ url: server.url, port: server.port, token: server.token })}\n`);
    else io.stdout(`Paddock is serving at ${context.style.bold(server.url)}\nOpen that address (it carries the access token). Press Ctrl-C to stop.\n`);
    await stopped;
    if (!context.json) io.stdout('Stopping…\n');
    await server.close();
    await api.close();
    if (redirect) fs.rmSync(redirect, { force: true });
    return EXIT.ok;
  },
};

export const SERVE_COMMANDS: Command[] = [serveCommand];
