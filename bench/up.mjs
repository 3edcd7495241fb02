// `paddock up` against the tools a user could start the same workspace with, side by side:
//
//   stopped  the workspace's images are present, its containers are not (`paddock down` between
//            rounds; volumes stay). Paddock: network, firewall, wait for the firewall's rules,
//            agent in its network namespace, wait for the agent's health check. Against
//            `docker run -d` of the agent alone (same image, user, capabilities, security options,
//            init, limits, mounts and command, on the default bridge; `docker rm -f` between
//            rounds) and `docker-compose up -d` of the file `paddock compose` prints (which waits
//            for the firewall to be healthy, as Paddock does; `docker-compose down` between rounds).
//   no-op    the workspace is running and unchanged: what does "nothing to do" cost? Next to it,
//            the floor: a bare `node` and `paddock --version`, and one run through a logging proxy
//            in front of the engine that shows every request it makes.
//
// Machines are noisy, so no absolute time is trusted on its own: the contenders run interleaved,
// several rounds, and the medians and their ratio are printed. The script reports; it does not
// judge (it exits non-zero only when it could not run). Nothing is pulled: the base image must be
// local (PADDOCK_TEST_BASE_IMAGE, default paddock-test/debian:bookworm). The first `paddock up`
// builds the minimal image and the firewall image when they are missing (the firewall needs the
// Debian mirror); that run is not timed, and what it built is removed at the end.
//
//   node scripts/build-cli.mjs && node bench/up.mjs      (or: npm run bench:up)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { BASE, BenchError, CLI, children, docker, imageId, isolateChildren, letSignalsIn, median, ms, parseEvents, projectFolder, ROOT, run, runBench, secs, table, timed } from './lib.mjs';

const WORKSPACE = 'benchup';
const PROJECT = `paddock-${WORKSPACE}`;
const RUN_NAME = 'paddock-bench-run';
const RUN_VOLUMES = { [`${PROJECT}_data`]: `${RUN_NAME}_data`, [`${PROJECT}_cache`]: `${RUN_NAME}_cache` };
const ROUNDS = 5;
const NOOP_RUNS = 10;

// ---------------------------------------------------------------------------------------------
// Child processes

function inspect(container) {
  const result = docker(['inspect', container], { allowFailure: true });
  return result.status === 0 ? JSON.parse(result.stdout)[0] : null;
}

/** The containers of the workspace's Compose project, whoever made them (Paddock or docker-compose). */
function projectContainers(service) {
  const filters = ['--filter', `label=com.docker.compose.project=${PROJECT}`];
  if (service) filters.push('--filter', `label=com.docker.compose.service=${service}`);
  return docker(['ps', '-aq', '--no-trunc', ...filters]).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Contenders

let temp = null;
let project = '';
let configFile = '';
let composeFile = '';
let haveCompose = false;
/** Images the first `paddock up` built (they were not there before): removed at the end. */
const builtHere = new Set();

const paddock = (...args) => [CLI, '--config', configFile, ...args];
const composeArgs = (...args) => ['-p', PROJECT, '-f', composeFile, ...args];

/** The `docker run` that starts the agent as Paddock does, read back from Paddock's own agent. */
function dockerRunArgs(agent) {
  const { Config: config, HostConfig: host } = agent;
  const imageEnv = new Set(JSON.parse(docker(['image', 'inspect', '--format', '{{json .Config.Env}}', config.Image]).stdout) ?? []);
  const args = ['run', '-d', '--name', RUN_NAME];
  if (config.User) args.push('--user', config.User);
  for (const cap of host.CapDrop ?? []) args.push('--cap-drop', cap);
  for (const cap of host.CapAdd ?? []) args.push('--cap-add', cap);
  for (const opt of host.SecurityOpt ?? []) args.push('--security-opt', opt);
  if (host.Init) args.push('--init');
  if (host.Memory) args.push('--memory', String(host.Memory));
  if (host.MemorySwap) args.push('--memory-swap', String(host.MemorySwap));
  if (host.NanoCpus) args.push('--cpus', String(host.NanoCpus / 1e9));
  if (host.PidsLimit) args.push('--pids-limit', String(host.PidsLimit));
  for (const entry of config.Env ?? []) if (!imageEnv.has(entry)) args.push('--env', entry);
  if (config.WorkingDir) args.push('--workdir', config.WorkingDir);
  for (const mount of host.Mounts ?? []) {
    const source = mount.Type === 'volume' ? (RUN_VOLUMES[mount.Source] ?? `${RUN_NAME}_${path.basename(mount.Target)}`) : mount.Source;
    args.push('--mount', `type=${mount.Type},source=${source},target=${mount.Target}${mount.ReadOnly ? ',readonly' : ''}`);
  }
  const health = config.Healthcheck;
  if (health?.Test?.length) {
    // `docker run` only takes a shell form; the probe is the same command.
    const [kind, ...test] = health.Test;
    args.push('--health-cmd', kind === 'CMD-SHELL' ? test[0] : test.join(' '));
    if (health.Interval) args.push('--health-interval', `${health.Interval / 1e6}ms`);
    if (health.Timeout) args.push('--health-timeout', `${health.Timeout / 1e6}ms`);
    if (health.Retries) args.push('--health-retries', String(health.Retries));
  }
  // Paddock replaces the image's entrypoint with [""], which the engine reports as null.
  args.push(`--entrypoint=${(config.Entrypoint ?? []).join(' ')}`);
  args.push(config.Image, ...(config.Cmd ?? []));
  return args;
}

/** Removes everything the bench starts: never two contenders' containers at the same time. */
function stopAll() {
  docker(['rm', '-f', RUN_NAME], { allowFailure: true });
  if (haveCompose && fs.existsSync(composeFile)) run('docker-compose', composeArgs('down'), { allowFailure: true });
  run(process.execPath, paddock('down', WORKSPACE, '--json'), { allowFailure: true });
  const left = projectContainers();
  if (left.length) docker(['rm', '-f', ...left], { allowFailure: true });
}

function assertNothingRunning(what) {
  const left = projectContainers();
  if (left.length || inspect(RUN_NAME)) throw new BenchError(`before ${what}, containers of an earlier contender were still there (${[...left.map((id) => id.slice(0, 12)), ...(inspect(RUN_NAME) ? [RUN_NAME] : [])].join(', ')})`);
}

// ---------------------------------------------------------------------------------------------
// Where the time goes, from the engine's own timestamps

const engineLocal = () => !process.env.DOCKER_HOST || process.env.DOCKER_HOST.startsWith('unix://');

/** An engine timestamp in ms since the epoch, or null for "never". */
function when(stamp) {
  if (!stamp || stamp.startsWith('0001-')) return null;
  return Date.parse(stamp.replace(/(\.\d{3})\d+/, '$1'));
}

/** Created, started and first passing health probe of a container, in seconds after `startedAt`. */
function milestones(id, startedAt) {
  const info = id ? inspect(id) : null;
  if (!info) return { created: null, started: null, healthy: null };
  const rel = (ms) => (ms === null ? null : (ms - startedAt) / 1000);
  const pass = (info.State.Health?.Log ?? []).find((probe) => probe.ExitCode === 0);
  return { created: rel(when(info.Created)), started: rel(when(info.State.StartedAt)), healthy: rel(when(pass?.End ?? null)) };
}

function phases(key, result) {
  const firewall = key === 'docker' ? null : projectContainers('firewall')[0];
  const agent = key === 'docker' ? RUN_NAME : projectContainers('agent')[0];
  return { firewall: milestones(firewall, result.startedAt), agent: milestones(agent, result.startedAt), exit: result.seconds };
}

// ---------------------------------------------------------------------------------------------
// Statistics and output

function phaseTable(rows) {
  const columns = [
    ['firewall created', (p) => p.firewall.created],
    ['started', (p) => p.firewall.started],
    ['healthy', (p) => p.firewall.healthy],
    ['agent created', (p) => p.agent.created],
    ['started', (p) => p.agent.started],
    ['healthy', (p) => p.agent.healthy],
    ['exit', (p) => p.exit],
  ];
  const width = Math.max(...rows.map((row) => row.name.length));
  const lines = [
    "where the time goes, stopped → running (medians, seconds after the command started; from the engine's timestamps; \"healthy\" = end of the first passing probe, - = not before the command exited)",
    `  ${''.padEnd(width)}  ${columns.map(([label]) => label.padStart(Math.max(7, label.length))).join('  ')}`,
  ];
  for (const row of rows) {
    const cells = columns.map(([label, pick]) => {
      const values = row.phases.map(pick).filter((v) => v !== null);
      // A milestone counts only when every round reached it before the command exited.
      const reached = values.length === row.phases.length ? values.filter((v, i) => v <= row.phases[i].exit + 0.01) : [];
      const text = reached.length === row.phases.length ? median(reached).toFixed(2) : '-';
      return text.padStart(Math.max(7, label.length));
    });
    lines.push(`  ${row.name.padEnd(width)}  ${cells.join('  ')}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Cleanup, also on failure and on Ctrl-C

let cleanedUp = false;
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  if (configFile) {
    try {
      stopAll();
      run(process.execPath, paddock('down', WORKSPACE, '--volumes', '--json'), { allowFailure: true });
      docker(['volume', 'rm', ...Object.values(RUN_VOLUMES)], { allowFailure: true });
      // Not forced: an image another container (or another Paddock) uses by now stays.
      if (builtHere.size) docker(['rmi', ...builtHere], { allowFailure: true });
    } catch (error) {
      process.stderr.write(`cleanup: removing containers, volumes or images failed: ${error.message}\n`);
    }
  }
  if (temp) fs.rmSync(temp, { recursive: true, force: true });
  if (project) fs.rmSync(project, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    cleanup();
    process.exit(128 + os.constants.signals[signal]);
  });
}

// ---------------------------------------------------------------------------------------------
// One no-op `paddock up` through a logging proxy in front of the engine

/** The engine's unix socket, as Paddock would find it, or null when it is not a local socket. */
function engineSocket() {
  const host = process.env.DOCKER_HOST;
  if (host) return host.startsWith('unix://') ? host.slice('unix://'.length) : null;
  return fs.existsSync('/var/run/docker.sock') ? '/var/run/docker.sock' : null;
}

async function profiledNoop(upstream) {
  const socket = path.join(temp, 'engine.sock');
  const requests = [];
  const server = http.createServer((req, res) => {
    const start = performance.now();
    const forward = http.request({ socketPath: upstream, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => requests.push({ what: `${req.method} ${req.url.replace(/^\/v[\d.]+/, '')}`, start, end: performance.now(), status: answer.statusCode }));
    });
    forward.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(forward);
  });
  await new Promise((resolve, reject) => server.listen(socket, resolve).once('error', reject));
  try {
    const started = performance.now();
    const child = spawn(process.execPath, paddock('up', WORKSPACE, '--json'), { env: { ...children.env, DOCKER_HOST: `unix://${socket}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    const total = performance.now() - started;
    if (code !== 0) throw new BenchError(`the profiled no-op \`paddock up\` exited with ${code}:\n${`${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n')}`);
    return { total, stdout, requests: requests.map((r) => ({ ...r, start: r.start - started, end: r.end - started })) };
  } finally {
    server.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The bench

/**
 * spawnSync blocks the event loop, so a SIGINT/SIGTERM sent to this process alone is handled only
 * when the loop turns: every run is preceded by one turn, so a signal stops the bench (and
 * cleans up) once the run under way ends. Ctrl-C in a terminal also stops that run at once.
 */

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.mjs'))) throw new BenchError('the CLI is not built; run `node scripts/build-cli.mjs` first');
  const info = run('docker', ['info', '--format', '{{.ServerVersion}}'], { allowFailure: true });
  if (info.status !== 0) throw new BenchError(`no Docker engine: ${info.stderr.trim()}`);
  if (!imageId(BASE)) throw new BenchError(`the base image ${BASE} is not local, and this bench never pulls; create it or set PADDOCK_TEST_BASE_IMAGE`);
  const composeVersion = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  haveCompose = !composeVersion.error && composeVersion.status === 0;

  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-up-'));
  project = projectFolder('bench-up-');
  configFile = path.join(temp, 'config.toml');
  composeFile = path.join(temp, 'exported.yml');
  isolateChildren(temp);
  fs.writeFileSync(path.join(project, 'README.md'), 'A folder for bench/up.mjs.\n');
  fs.writeFileSync(
    configFile,
    `[base]\nfrom = ${JSON.stringify(BASE)}\nvariant = "minimal"\n\n[workspaces.${WORKSPACE}]\npaths = [${JSON.stringify(project)}]\nagent = "shell"\n`,
  );

  process.stdout.write(
    `engine ${info.stdout.trim()}, base ${BASE}, ${os.cpus().length} CPUs; docker-compose ${haveCompose ? composeVersion.stdout.trim() : 'absent: no Compose comparison'}\n`,
  );
  stopAll(); // leftovers of an interrupted run
  run(process.execPath, paddock('down', WORKSPACE, '--volumes', '--json'), { allowFailure: true });
  docker(['volume', 'rm', ...Object.values(RUN_VOLUMES)], { allowFailure: true });
  const startedAt = Math.floor(Date.now() / 1000);
  const oddities = [];

  // --- the first up: builds what is missing, untimed -------------------------------------------
  process.stdout.write('first `paddock up` (builds what is missing; untimed) ... ');
  await letSignalsIn();
  const first = timed(process.execPath, paddock('up', WORKSPACE, '--json'));
  const firstEvents = parseEvents(first.stdout);
  for (const event of firstEvents) if (event.type === 'image-done') builtHere.add(event.tag);
  const present = firstEvents.filter((e) => e.type === 'image-skip').map((e) => e.tag);
  process.stdout.write(`${secs(first.seconds)} s; ${builtHere.size ? `built ${[...builtHere].join(', ')}` : 'nothing built'}${present.length ? `; present: ${present.join(', ')}` : ''}\n`);
  const agentInfo = inspect(`${PROJECT}-agent-1`);
  if (!agentInfo) throw new BenchError(`after \`paddock up\` there is no ${PROJECT}-agent-1 to copy the flags from`);
  const runArgs = dockerRunArgs(agentInfo);
  if (haveCompose) fs.writeFileSync(composeFile, run(process.execPath, paddock('compose', WORKSPACE)).stdout);
  process.stdout.write(`docker run flags (from \`docker inspect ${PROJECT}-agent-1\`): ${runArgs.slice(4, runArgs.indexOf(agentInfo.Config.Image)).filter((a) => !a.includes('\n')).join(' ')}\n`);
  stopAll();

  // --- stopped → running ---------------------------------------------------------------------
  const contenders = [
    { key: 'paddock', name: 'paddock up', command: process.execPath, args: () => paddock('up', WORKSPACE, '--json') },
    { key: 'docker', name: 'docker run -d', command: 'docker', args: () => runArgs },
  ];
  if (haveCompose) contenders.push({ key: 'compose', name: 'docker-compose up -d', command: 'docker-compose', args: () => composeArgs('up', '-d') });

  /** Checks that a contender did its job; returns nothing, records what was odd. */
  function verify(c, result) {
    if (c.key === 'paddock') {
      const events = parseEvents(result.stdout);
      const services = Object.fromEntries(events.filter((e) => e.type === 'service').map((e) => [e.service, e.action]));
      if (services.firewall !== 'created' || services.agent !== 'created') oddities.push(`BUG? an up of a stopped workspace reported ${JSON.stringify(services)} (expected both "created")`);
      if (!events.some((e) => e.type === 'ready')) oddities.push('BUG? an up of a stopped workspace ended without a "ready" event');
      const rebuilt = events.filter((e) => e.type === 'image-done').map((e) => e.tag);
      if (rebuilt.length) oddities.push(`an up of a stopped workspace rebuilt ${rebuilt.join(', ')}: that round includes a build`);
      // up returns as soon as its own run of each health test passes; Docker's status catches up
      // at its next interval, so "starting" is fine here, "unhealthy" or not running is not.
      for (const service of ['firewall', 'agent']) {
        const state = inspect(`${PROJECT}-${service}-1`)?.State;
        if (!state?.Running || !['healthy', 'starting'].includes(state.Health?.Status)) oddities.push(`BUG? after an up of a stopped workspace the ${service} is ${state ? `${state.Status}, ${state.Health?.Status ?? 'no health check'}` : 'missing'}`);
      }
    } else if (c.key === 'docker') {
      if (!inspect(RUN_NAME)?.State.Running) oddities.push('`docker run -d` left no running container');
    } else {
      const fw = projectContainers('firewall').map(inspect)[0];
      const agent = projectContainers('agent').map(inspect)[0];
      if (!fw?.State.Running || fw.State.Health?.Status !== 'healthy') oddities.push(`after \`docker-compose up -d\` the firewall is ${fw ? `${fw.State.Status}, ${fw.State.Health?.Status}` : 'missing'}`);
      if (!agent?.State.Running) oddities.push(`after \`docker-compose up -d\` the agent is ${agent?.State.Status ?? 'missing'}`);
      else if (agent.HostConfig.NetworkMode !== `container:${fw?.Id}`) oddities.push(`the Compose agent is not in the firewall's network namespace (${agent.HostConfig.NetworkMode})`);
    }
  }

  const once = (c) => {
    assertNothingRunning(c.name);
    const result = timed(c.command, c.args());
    const p = engineLocal() ? phases(c.key, result) : null;
    verify(c, result);
    stopAll();
    return { seconds: result.seconds, phases: p };
  };
  process.stdout.write('warm-up (one untimed run each: volumes, page cache) ...\n');
  for (const c of contenders) {
    await letSignalsIn();
    process.stdout.write(`  ${c.name}: ${secs(once(c).seconds)} s\n`);
  }
  const times = Object.fromEntries(contenders.map((c) => [c.key, []]));
  const phaseRuns = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, and the order alternates so no tool always runs first.
    const order = round % 2 ? [...contenders].reverse() : contenders;
    for (const c of order) {
      await letSignalsIn();
      const { seconds, phases: p } = once(c);
      times[c.key].push(seconds);
      if (p) phaseRuns[c.key].push(p);
    }
    process.stdout.write(`  stopped round ${round + 1}/${ROUNDS}: ${contenders.map((c) => `${c.key} ${secs(times[c.key].at(-1))} s`).join(', ')}\n`);
  }

  // --- no-op -----------------------------------------------------------------------------------
  process.stdout.write('no-op (running and unchanged) ...\n');
  await letSignalsIn();
  const upAgain = timed(process.execPath, paddock('up', WORKSPACE, '--json'));
  verify(contenders[0], upAgain);
  const noop = () => {
    const result = timed(process.execPath, paddock('up', WORKSPACE, '--json'));
    const services = parseEvents(result.stdout).filter((e) => e.type === 'service');
    const actions = Object.fromEntries(services.map((e) => [e.service, e.action]));
    if (actions.firewall !== 'kept' || actions.agent !== 'kept') oddities.push(`BUG? a no-op up reported ${JSON.stringify(actions)} (expected both "kept")`);
    return result.seconds;
  };
  // Right after a start Docker still calls the agent "starting": its own first check comes a whole
  // interval later, so up reads the agent's output for its ready line instead. That case is shown
  // on its own; the rounds measure a workspace whose health Docker has settled.
  const unsettled = noop();
  for (let i = 0; i < 100 && !projectContainers().every((id) => inspect(id)?.State?.Health?.Status === 'healthy'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const floor = [
    { key: 'node', name: 'node -e 0 (runtime start)', run: () => timed(process.execPath, ['-e', '0']).seconds },
    { key: 'version', name: 'paddock --version (CLI load)', run: () => timed(process.execPath, [CLI, '--version']).seconds },
    { key: 'noop', name: 'paddock up (no-op)', run: noop },
  ];
  const noopTimes = Object.fromEntries(floor.map((f) => [f.key, []]));
  for (let i = 0; i < NOOP_RUNS; i++) {
    const order = i % 2 ? [...floor].reverse() : floor;
    for (const f of order) {
      await letSignalsIn();
      noopTimes[f.key].push(f.run());
    }
  }
  const upstream = engineSocket();
  const profile = upstream ? await profiledNoop(upstream) : null;
  if (profile) {
    const actions = Object.fromEntries(parseEvents(profile.stdout).filter((e) => e.type === 'service').map((e) => [e.service, e.action]));
    if (actions.firewall !== 'kept' || actions.agent !== 'kept') oddities.push(`BUG? the profiled no-op up reported ${JSON.stringify(actions)}`);
  }

  // --- report ----------------------------------------------------------------------------------
  const rows = contenders.map((c) => ({ name: c.name, times: times[c.key] }));
  process.stdout.write(`\n${table(`stopped → running, ${ROUNDS} interleaved rounds (images present; containers removed between rounds, volumes kept)`, rows)}\n`);
  if (engineLocal()) process.stdout.write(`${phaseTable(contenders.map((c) => ({ name: c.name, phases: phaseRuns[c.key] })))}\n`);
  process.stdout.write(`${table(`no-op up, ${NOOP_RUNS} interleaved runs (running and unchanged), with the floor under it`, floor.map((f) => ({ name: f.name, times: noopTimes[f.key] })), 'ms')}\n`);
  if (profile) {
    const { requests, total } = profile;
    const engineMs = requests.reduce((sum, r) => sum + (r.end - r.start), 0);
    const firstAt = requests.length ? Math.min(...requests.map((r) => r.start)) : total;
    const lastAt = requests.length ? Math.max(...requests.map((r) => r.end)) : total;
    process.stdout.write(
      `one no-op up through a logging proxy in front of the engine: ${Math.round(total)} ms in all; first request at ${Math.round(firstAt)} ms, last answer at ${Math.round(lastAt)} ms; ${requests.length} requests, ${Math.round(engineMs)} ms waiting on the engine\n`,
    );
    for (const r of requests) process.stdout.write(`  ${String(Math.round(r.start)).padStart(5)} ms  +${String(Math.round(r.end - r.start)).padStart(3)} ms  ${r.status} ${r.what.length > 110 ? `${r.what.slice(0, 107)}...` : r.what}\n`);
  } else {
    process.stdout.write('engine requests: the engine is not on a local unix socket here, so the no-op run was not profiled.\n');
  }
  process.stdout.write('\n');
  if (!haveCompose) process.stdout.write('docker-compose: not installed here (`docker-compose version` failed), so the Compose comparison was skipped.\n');
  if (!engineLocal()) process.stdout.write(`phases: the engine is remote (DOCKER_HOST=${process.env.DOCKER_HOST}), so its timestamps were not compared with this machine's clock.\n`);
  for (const odd of new Set(oddities)) process.stdout.write(`note: ${odd}\n`);
  // A shared engine is the biggest source of noise: say whether someone else started containers meanwhile.
  const events = docker(['events', '--since', String(startedAt), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=container', '--filter', 'event=create', '--format', '{{.Actor.Attributes.name}}'], {
    allowFailure: true,
  });
  const others = events.stdout.split('\n').filter((name) => name.trim() && !name.startsWith(PROJECT) && name !== RUN_NAME);
  if (others.length) process.stdout.write(`note: the engine was shared: ${others.length} container(s) created by something else during the bench (timings are noisier)\n`);

  const p = median(times.paddock);
  const d = median(times.docker);
  process.stdout.write(`up, stopped: paddock ${secs(p)} s vs docker run -d ${secs(d)} s → ${(p / d).toFixed(2)}x (target at most 1.5x)\n`);
  if (haveCompose) {
    const c = median(times.compose);
    process.stdout.write(`up, stopped: paddock ${secs(p)} s vs docker-compose up -d ${secs(c)} s → ${(p / c).toFixed(2)}x (target at most 0.7x)\n`);
  }
  process.stdout.write(`up, no-op: paddock median ${ms(median(noopTimes.noop))} ms, of which ${ms(median(noopTimes.version))} ms is starting the CLI (target under 150 ms median)\n`);
  process.stdout.write(`up, no-op right after a start (Docker's health still "starting", so up reads the agent's ready line): ${ms(unsettled)} ms (one run)\n`);
}

await runBench('bench/up.mjs', main, cleanup);
