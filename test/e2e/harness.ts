import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { chromium, type Browser } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');

export interface ServeProcess {
  url: string;
  origin: string;
  port: number;
  token: string;
  output(): string;
  stop(): Promise<void>;
}

/** `paddock serve` as a user starts it, from the CLI bundle, with the test's own home and config. */
export function startServe(env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'bin', 'paddock.mjs'), 'serve', '--port', '0', '--no-open'], { cwd: env.HOME, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`paddock serve printed no address within 20 s:\n${output}`));
    }, 20_000);
    const check = () => {
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      const port = Number(match[1]);
      resolve({ url: match[0], origin: `http://127.0.0.1:${port}`, port, token: match[2] as string, output: () => output, stop });
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`paddock serve exited with ${code}:\n${output}`));
    });
  });
}

const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, as DESIGN.md's testing section says (playwright-core downloads no browser). */
export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`the end-to-end tests drive Debian's Chromium at ${CHROMIUM}; install it (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export interface EngineEvent {
  /** When this process received it (Date.now()), on the same clock as the page's. */
  receivedAt: number;
  action: string;
  service: string | undefined;
}

/** The engine's own container events for one workspace, each stamped on arrival. */
export async function watchEngineEvents(docker: Docker, workspace: string): Promise<{ events: EngineEvent[]; stop(): void }> {
  const events: EngineEvent[] = [];
  const stream = (await docker.getEvents({ filters: JSON.stringify({ type: ['container'], label: [`dev.paddock.workspace=${workspace}`] }) })) as unknown as Readable;
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    const receivedAt = Date.now();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter((text) => text.trim())) {
      const message = JSON.parse(line) as { Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };
      events.push({ receivedAt, action: message.Action ?? message.status ?? '', service: message.Actor?.Attributes?.['dev.paddock.service'] });
    }
  });
  return { events, stop: () => stream.destroy() };
}
