// The app's performance targets, measured on the UI users get in a browser (`paddock serve`, the
// built renderer, Debian's Chromium) with a real engine:
//
//   initial JS   the JavaScript the first view loads before it renders, gzipped, against the
//                whole build's (the heavy views are split off and load when opened).
//   first render from navigation to the 50 workspace cards of a 50-workspace config on screen,
//                interleaved with the same page for a 1-workspace config (the floor: page, API
//                socket, config read), several rounds, medians and their ratio.
//   idle CPU     10 workspaces running, the app open on its workspace list, nothing happening:
//                the CPU time `paddock serve` (the core) uses over a minute, next to `docker events`
//                following the same engine over the same minute (a client that only waits), and
//                the messages the core pushed to the page meanwhile.
//
// The script reports; it does not judge (it exits non-zero only when it could not run). Nothing is
// pulled: the base image must be local (PADDOCK_TEST_BASE_IMAGE). The first `paddock up` builds
// the minimal image and the firewall image when they are missing; what it built is removed at the
// end, with the workspaces and their volumes.
//
//   npm run build && npm run build:renderer && npm run bench:app
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { BASE, BenchError, CLI, children, docker, imageId, isolateChildren, median, projectFolder, ROOT, run, runBench } from './lib.mjs';

const MANY = 50;
const RUNNING = 10;
const RENDER_ROUNDS = 7;
const IDLE_SECONDS = Number(process.env.PADDOCK_BENCH_IDLE_SECONDS || 60);
const CHROMIUM = '/usr/bin/chromium';
const CLOCK_TICKS = 100;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

let temp = null;
let projects = null;
const servers = [];
let browser = null;
let runningConfig = '';
const runningNames = [];
let imagesBefore = null;

function paddockImages() {
  return new Set(docker(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=paddock-*']).stdout.split('\n').filter(Boolean));
}

function writeConfig(file, names) {
  const lines = [`[base]`, `from = ${JSON.stringify(BASE)}`, 'variant = "minimal"', '', '[defaults]', 'agent = "shell"', 'memory = "256m"', ''];
  for (const name of names) {
    const folder = path.join(projects, name);
    fs.mkdirSync(folder, { recursive: true });
    lines.push(`[workspaces.${name}]`, `paths = [${JSON.stringify(folder)}]`, '');
  }
  fs.writeFileSync(file, lines.join('\n'));
}

/** `paddock serve` on a free port with this config; resolves once it prints its address. */
function serve(config) {
  const child = spawn(process.execPath, [CLI, '--config', config, 'serve', '--port', '0', '--no-open'], { env: children.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const server = { child, url: '', stop: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')))) };
  servers.push(server);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new BenchError(`paddock serve printed no address within 20 s:\n${output}`)), 20_000);
    const read = (chunk) => {
      output += chunk;
      const address = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(output);
      if (!address) return;
      clearTimeout(timer);
      server.url = address[0];
      resolve(server);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new BenchError(`paddock serve exited with ${code}:\n${output}`)));
  });
}

/** CPU seconds used so far by a process and everything under it, from /proc. */
function cpuSeconds(rootPid) {
  const stats = fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        // The command name is in parentheses and may hold spaces: fields are counted after it.
        const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        return [{ pid: Number(pid), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }];
      } catch {
        return [];
      }
    });
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const stat of stats) {
      if (tree.has(stat.ppid) && !tree.has(stat.pid)) {
        tree.add(stat.pid);
        grew = true;
      }
    }
  }
  return stats.filter((stat) => tree.has(stat.pid)).reduce((sum, stat) => sum + stat.ticks, 0) / CLOCK_TICKS;
}

/**
 * Milliseconds from navigation to `count` workspace cards in the page: in a fresh profile (a cold
 * start: new renderer process, empty cache), and then on a reload of that page (a reopened window:
 * the hashed assets come from the cache). Also the scripts the page asked for before the cards.
 */
async function firstRender(url, count) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.addInitScript((expected) => {
    const check = () => {
      if (!window.__cardsAt && document.querySelectorAll('article[data-workspace]').length >= expected) window.__cardsAt = performance.now();
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
  }, count);
  const scripts = new Set();
  page.on('request', (request) => request.resourceType() === 'script' && scripts.add(new URL(request.url()).pathname));
  const cardsAt = async () => {
    await page.waitForFunction(() => window.__cardsAt, null, { timeout: 30_000 });
    return page.evaluate(() => window.__cardsAt);
  };
  await page.goto(url);
  const cold = await cardsAt();
  const initialScripts = [...scripts];
  await page.reload();
  const warm = await cardsAt();
  await context.close();
  return { cold, warm, scripts: initialScripts };
}

/**
 * The floor: a page that does the least the app's first view must do, in the same browser. One
 * small module script opens a WebSocket, and the server answers with the workspace names, which
 * become the cards.
 */
function floorServer(count) {
  const names = JSON.stringify(Array.from({ length: count }, (_, i) => `floor-${i}`));
  const script = `const socket = new WebSocket(\`ws://\${location.host}/api\`);
socket.onmessage = (message) => {
  for (const name of JSON.parse(message.data)) {
    const card = document.createElement('article');
    card.dataset.workspace = name;
    card.textContent = name;
    document.body.append(card);
  }
};
`;
  const server = http.createServer((request, response) => {
    const js = request.url === '/floor.js';
    response.writeHead(200, { 'Content-Type': js ? 'text/javascript' : 'text/html', 'Cache-Control': js ? 'max-age=31536000, immutable' : 'no-store' });
    response.end(js ? script : '<!doctype html><meta charset="utf-8"><title>floor</title><script type="module" src="/floor.js"></script><body></body>');
  });
  const sockets = new WebSocketServer({ server, path: '/api' });
  sockets.on('connection', (socket) => socket.send(names));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, stop: () => new Promise((done) => (sockets.close(), server.close(done))) })));
}

function measureInitialJs(scripts) {
  const assets = path.join(ROOT, 'dist', 'renderer', 'assets');
  const gzipped = (file) => zlib.gzipSync(fs.readFileSync(path.join(assets, file))).length;
  const all = fs.readdirSync(assets).filter((file) => file.endsWith('.js'));
  const initial = scripts.map((pathname) => path.basename(pathname)).filter((file) => all.includes(file));
  const initialBytes = initial.reduce((sum, file) => sum + gzipped(file), 0);
  const wholeBytes = all.reduce((sum, file) => sum + gzipped(file), 0);
  process.stdout.write(
    `initial JS: ${initial.length} of the build's ${all.length} script files, ${kb(initialBytes)} gzipped; the whole build ${kb(wholeBytes)} gzipped → the first view loads ${((initialBytes / wholeBytes) * 100).toFixed(0)}% of it (target under 250 KB)\n`,
  );
}

async function measureFirstRender(manyConfig, oneConfig) {
  const [many, one, floor] = await Promise.all([serve(manyConfig), serve(oneConfig), floorServer(MANY)]);
  const contenders = [
    { name: `paddock, ${MANY} workspaces`, url: many.url, count: MANY },
    { name: 'paddock, 1 workspace', url: one.url, count: 1 },
    { name: `floor, ${MANY} cards`, url: floor.url, count: MANY },
  ];
  // One warm-up each: the engine connection and the OS file cache, not what a user's first window pays twice.
  for (const contender of contenders) await firstRender(contender.url, contender.count);
  let scripts = [];
  for (let round = 0; round < RENDER_ROUNDS; round++) {
    for (const contender of contenders) {
      const measured = await firstRender(contender.url, contender.count);
      (contender.cold ??= []).push(measured.cold);
      (contender.warm ??= []).push(measured.warm);
      if (contender.url === many.url) scripts = measured.scripts;
    }
  }
  measureInitialJs(scripts);
  const width = Math.max(...contenders.map((contender) => contender.name.length));
  for (const contender of contenders) {
    const runs = (times) => times.map(Math.round).join(' ');
    process.stdout.write(`  ${contender.name.padEnd(width)}  cold median ${String(Math.round(median(contender.cold))).padStart(4)} ms (runs ${runs(contender.cold)}), reload median ${String(Math.round(median(contender.warm))).padStart(4)} ms (runs ${runs(contender.warm)})\n`);
  }
  const [paddock50, paddock1, floorPage] = contenders.map((contender) => ({ cold: median(contender.cold), warm: median(contender.warm) }));
  const line = (kind) =>
    `first render, ${kind}: ${MANY} workspaces ${Math.round(paddock50[kind])} ms vs the floor ${Math.round(floorPage[kind])} ms → ${(paddock50[kind] / floorPage[kind]).toFixed(2)}x; vs 1 workspace ${Math.round(paddock1[kind])} ms → ${(paddock50[kind] / paddock1[kind]).toFixed(2)}x`;
  process.stdout.write(`${line('cold')}\n${line('warm')} (target: ${MANY} workspaces under 500 ms)\n`);
  await Promise.all([many.stop(), one.stop(), floor.stop()]);
}

async function measureIdleCpu() {
  process.stdout.write(`starting ${RUNNING} workspaces…\n`);
  for (const name of runningNames) run(process.execPath, [CLI, '--config', runningConfig, 'up', name, '--json']);
  const server = await serve(runningConfig);
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  let pushed = 0;
  let counting = false;
  page.on('websocket', (socket) => socket.on('framereceived', () => counting && pushed++));
  await page.goto(server.url);
  await page.locator('article[data-workspace] [data-state="running"]').nth(RUNNING - 1).waitFor({ timeout: 60_000 });
  const events = spawn('docker', ['events', '--format', '{{json .}}'], { env: children.env, stdio: ['ignore', 'ignore', 'inherit'] });
  // Settle: whatever the page's first load started (instances, images) has finished.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const before = { core: cpuSeconds(server.child.pid), events: cpuSeconds(events.pid) };
  counting = true;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  counting = false;
  const core = cpuSeconds(server.child.pid) - before.core;
  const reference = cpuSeconds(events.pid) - before.events;
  events.kill();
  await context.close();
  await server.stop();
  const cpu = (used) => used.toFixed(2);
  const percent = (used) => `${((used / seconds) * 100).toFixed(2)}%`;
  process.stdout.write(
    `idle CPU with ${RUNNING} workspaces running and the app open, over ${seconds.toFixed(0)} s: paddock serve ${cpu(core)} s (${percent(core)} of one core) vs docker events ${cpu(reference)} s (${percent(reference)}); ${pushed} messages pushed to the page (target under 1%)\n`,
  );
}
let cleanedUp = false;
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const server of servers) server.child.kill('SIGTERM');
  try {
    for (const name of runningNames) run(process.execPath, [CLI, '--config', runningConfig, 'down', name, '--volumes', '--json'], { allowFailure: true });
    if (imagesBefore) {
      const builtHere = [...paddockImages()].filter((image) => !imagesBefore.has(image));
      // Not forced: an image something else uses by now stays.
      if (builtHere.length) docker(['rmi', ...builtHere], { allowFailure: true });
    }
  } catch (error) {
    process.stderr.write(`cleanup: removing containers, volumes or images failed: ${error.message}\n`);
  }
  if (temp) fs.rmSync(temp, { recursive: true, force: true });
  if (projects) fs.rmSync(projects, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void browser?.close();
    cleanup();
    process.exit(130);
  });
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.mjs'))) throw new BenchError('the CLI is not built; run `node scripts/build-cli.mjs` first');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) throw new BenchError('the UI is not built; run `npm run build:renderer` first');
  if (!fs.existsSync(CHROMIUM)) throw new BenchError(`this bench drives Debian's Chromium at ${CHROMIUM}; install it (apt-get install chromium)`);
  const info = run('docker', ['info', '--format', '{{.ServerVersion}}'], { allowFailure: true });
  if (info.status !== 0) throw new BenchError(`no Docker engine: ${info.stderr.trim()}`);
  if (!imageId(BASE)) throw new BenchError(`the base image ${BASE} is not local, and this bench never pulls; create it or set PADDOCK_TEST_BASE_IMAGE`);
  imagesBefore = paddockImages();

  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-app-'));
  projects = projectFolder('bench-app-');
  isolateChildren(temp);
  const tag = process.pid.toString(36);
  const manyConfig = path.join(temp, 'many.toml');
  const oneConfig = path.join(temp, 'one.toml');
  runningConfig = path.join(temp, 'running.toml');
  writeConfig(manyConfig, Array.from({ length: MANY }, (_, i) => `bench-${tag}-${String(i).padStart(2, '0')}`));
  writeConfig(oneConfig, [`bench-${tag}-solo`]);
  runningNames.push(...Array.from({ length: RUNNING }, (_, i) => `idle-${tag}-${i}`));
  writeConfig(runningConfig, runningNames);

  process.stdout.write(`engine ${info.stdout.trim()}, base ${BASE}, ${os.cpus().length} CPUs, ${chromiumVersion()}\n`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  await measureFirstRender(manyConfig, oneConfig);
  await measureIdleCpu();
}

function chromiumVersion() {
  return run(CHROMIUM, ['--version'], { allowFailure: true }).stdout.trim() || 'Chromium';
}

await runBench('bench/app.mjs', main, async () => {
  await browser?.close();
  cleanup();
});
