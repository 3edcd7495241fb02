// Egress, measured side by side in one run (issue: "Egress that works and can be steered"):
//   1. a DNS lookup through the workspace's own resolver vs through the engine's resolver from a
//      plain container on the same network: 200 lookups each, interleaved, p50 ratio (target ≤ 1.5x);
//   2. the idle CPU of the firewall (resolver, log, rules) of a workspace whose agent does nothing
//      (target < 0.1 % of a core);
//   3. `paddock net -f --json` while the agent makes 1,000 DNS queries a second for 10 s: every
//      event counted, and the follower's memory at the start and the end;
//   4. `paddock allow` and `paddock deny` on the running workspace: how long the firewall takes to
//      hold the new list (target within 2 s), next to the whole command's time.
// The lookups run from a small Node client entered into each container's network namespace (as
// UID 1000, like the agent), timed with hrtime: a container has no sub-millisecond clock to offer.
//
//   PADDOCK_TEST_BASE_IMAGE=paddock-test/debian:bookworm-nft node bench/net.mjs
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import Docker from 'dockerode';
import { BASE, BenchError, CLI, children, docker, imageId, isolateChildren, median, projectFolder, run, runBench, timed } from './lib.mjs';

const WORKSPACE = 'bench-net';
const PROJECT = `paddock-${WORKSPACE}`;
const PLAIN = `${PROJECT}-plain`;
const LOOKUPS = 200;
const RATE = 1000;
const SECONDS = 10;
let temp = '';
let project = '';

const paddock = (...args) => [CLI, ...args];
const pidOf = (container) => docker(['inspect', '--format', '{{.State.Pid}}', container]).stdout.trim();

/** A client in a container's network namespace: each line it reads makes one lookup, and it prints the time it took in microseconds. */
function lookupClient(container, server, name) {
  const script = `
const dgram = require('node:dgram');
const socket = dgram.createSocket('udp4');
const labels = process.argv[2].split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
let id = 1, started = 0n;
socket.on('message', (reply) => {
  if (reply.readUInt16BE(0) !== id) return;
  process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1000) + '\\n');
});
require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
  id = (id + 1) % 65536;
  const query = Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  started = process.hrtime.bigint();
  socket.send(query, 53, process.argv[1]);
});`;
  const child = spawn('nsenter', [`--net=/proc/${pidOf(container)}/ns/net`, 'setpriv', '--reuid=1000', '--regid=1000', '--clear-groups', process.execPath, '-e', script, server, name], { stdio: ['pipe', 'pipe', 'inherit'] });
  const replies = readline.createInterface({ input: child.stdout });
  const waiting = [];
  replies.on('line', (line) => waiting.shift()?.(Number(line)));
  return {
    lookup: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new BenchError(`no DNS answer within 5 s in ${container}`)), 5000);
        waiting.push((micros) => {
          clearTimeout(timer);
          resolve(micros);
        });
        child.stdin.write('go\n');
      }),
    close: () => child.kill(),
  };
}

async function cpuNanos(engine, container) {
  const stats = await engine.getContainer(container).stats({ stream: false });
  return stats.cpu_stats.cpu_usage.total_usage;
}

function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function main() {
  if (process.getuid?.() !== 0) throw new BenchError('this bench enters container namespaces with nsenter: run it as root');
  if (!imageId(BASE)) throw new BenchError(`the base image ${BASE} is not local, and this bench never pulls; create it or set PADDOCK_TEST_BASE_IMAGE`);
  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-net-'));
  project = projectFolder('bench-net-');
  isolateChildren(temp);
  const config = path.join(temp, 'config.toml');
  fs.writeFileSync(config, `[base]\nfrom = ${JSON.stringify(BASE)}\nvariant = "minimal"\n\n[workspaces.${WORKSPACE}]\npaths = [${JSON.stringify(project)}]\nagent = "shell"\n`);
  children.env.PADDOCK_CONFIG = config;
  const engine = new Docker();

  process.stdout.write(`base ${BASE}, ${os.cpus().length} CPUs\nstarting the workspace (builds what is missing) ... `);
  run(process.execPath, paddock('up', WORKSPACE, '--json'));
  // Its alias is the name the load queries: the engine's resolver answers it itself, so no query leaves the machine.
  const marker = `load-${Date.now()}`;
  docker(['run', '-d', '--name', PLAIN, '--network', `${PROJECT}_default`, '--network-alias', marker, BASE, 'sleep', 'infinity']);
  process.stdout.write('done\n');

  // 1. lookups: the same name (the firewall's container name, which the engine's resolver answers itself).
  const name = `${PROJECT}-firewall-1`;
  const ours = lookupClient(`${PROJECT}-agent-1`, '127.0.0.1', name);
  const engines = lookupClient(PLAIN, '127.0.0.11', name);
  const times = { ours: [], engine: [] };
  for (let i = 0; i < 10; i++) {
    await ours.lookup();
    await engines.lookup();
  }
  for (let i = 0; i < LOOKUPS; i++) {
    const order = i % 2 ? [['ours', ours], ['engine', engines]] : [['engine', engines], ['ours', ours]];
    for (const [key, client] of order) times[key].push(await client.lookup());
  }
  ours.close();
  engines.close();
  const p50 = { ours: median(times.ours), engine: median(times.engine) };
  process.stdout.write(`DNS lookup p50 (${LOOKUPS} each, interleaved): workspace resolver ${p50.ours.toFixed(0)} µs vs engine resolver from a plain container ${p50.engine.toFixed(0)} µs → ${(p50.ours / p50.engine).toFixed(2)}x (target at most 1.5x)\n`);

  // 2. idle CPU of the firewall: the agent (a shell in tmux) asks nothing. The resolver and the
  // log are the firewall's processes; the container's own figure also holds the engine's health
  // checks, which are execs it starts there.
  const firewall = `${PROJECT}-firewall-1`;
  const idleSeconds = 30;
  const processes = docker(['top', firewall, '-o', 'pid']).stdout.trim().split('\n').slice(1).map((pid) => pid.trim());
  const ticks = () => processes.reduce((sum, pid) => {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + Number(fields[11]) + Number(fields[12]);
  }, 0);
  const ticksBefore = ticks();
  const before = await cpuNanos(engine, firewall);
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const after = await cpuNanos(engine, firewall);
  const ownMs = ((ticks() - ticksBefore) * 1000) / 100;
  process.stdout.write(
    `idle over ${idleSeconds} s: the resolver and log (perl, nft -i, nft monitor) used ${ownMs.toFixed(0)} ms → ${((ownMs / (idleSeconds * 1000)) * 100).toFixed(3)} % of a core (target under 0.1 %); the whole firewall container, health checks included, ${((after - before) / 1e6).toFixed(0)} ms → ${(((after - before) / (idleSeconds * 1e9)) * 100).toFixed(3)} %\n`,
  );

  // 3. the log under load: RATE queries a second for SECONDS, followed by `paddock net -f --json`.
  const follower = spawn(process.execPath, paddock('net', WORKSPACE, '-f', '--json'), { env: children.env, stdio: ['ignore', 'pipe', 'inherit'] });
  let counted = 0;
  readline.createInterface({ input: follower.stdout }).on('line', (line) => {
    if (line.includes(`"name":"${marker}"`)) counted++;
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rssStart = rssKiB(follower.pid);
  const load = `perl -MIO::Socket::IP -e 'my $s = IO::Socket::IP->new(PeerHost => "127.0.0.1", PeerPort => 53, Proto => "udp") or die; my $q = pack("n6", 1, 256, 1, 0, 0, 0) . join("", map { chr(length) . $_ } split /\\./, "${marker}") . "\\0" . pack("n2", 1, 1); for (1 .. ${(RATE * SECONDS) / 10}) { $s->send($q) for 1 .. 10; select(undef, undef, undef, 0.01) }'`;
  const sent = (RATE * SECONDS);
  const loadStarted = Date.now();
  docker(['exec', `${PROJECT}-agent-1`, 'sh', '-c', load]);
  const loadSeconds = (Date.now() - loadStarted) / 1000;
  for (let waited = 0; counted < sent && waited < 20; waited++) await new Promise((resolve) => setTimeout(resolve, 500));
  const rssEnd = rssKiB(follower.pid);
  follower.kill();
  await steering();
  process.stdout.write(
    `paddock net -f --json under load: ${sent} queries in ${loadSeconds.toFixed(1)} s (${Math.round(sent / loadSeconds)}/s), ${counted} events printed (${sent - counted} lost); follower memory ${Math.round(rssStart / 1024)} MiB at the start, ${Math.round(rssEnd / 1024)} MiB at the end\n`,
  );
}

async function steering() {
  const applied = [];
  const whole = [];
  for (let round = 0; round < 3; round++) {
    for (const verb of ['allow', 'deny']) {
      const result = timed(process.execPath, paddock(verb, WORKSPACE, `steer-${round}.bench.example`, '--json'));
      applied.push(JSON.parse(result.stdout).appliedInMs);
      whole.push(result.seconds * 1000);
    }
  }
  process.stdout.write(`allow/deny on the running workspace: the firewall held the new list ${Math.round(median(applied))} ms (median of ${applied.length}) after it was delivered (target within 2 s); the whole command took ${Math.round(median(whole))} ms, Node's start included\n`);
}

async function cleanup() {
  run('docker', ['rm', '-f', PLAIN], { allowFailure: true });
  if (temp) run(process.execPath, paddock('down', WORKSPACE, '--volumes', '--json'), { allowFailure: true });
  if (temp) fs.rmSync(temp, { recursive: true, force: true });
  if (project) fs.rmSync(project, { recursive: true, force: true });
}

await runBench('bench/net.mjs', main, cleanup);
