// Paddock's image builds against `docker build`, side by side, on a 10 000-file, ~100 MB context:
//
//   no-op  both tools fully cached; what does "nothing changed" cost? (Paddock: scan + file-hash
//          cache + one image lookup; docker: send the whole context, replay the cache)
//   cold   nothing cached (images removed, Paddock's file-hash cache deleted): a full build.
//
// Machines are noisy, so no absolute time is trusted on its own: the contenders run interleaved,
// several rounds, and the medians and their ratio are printed. The script reports; it does not
// judge (it exits non-zero only when it could not run). Nothing is pulled: the base image must be
// local (PADDOCK_TEST_BASE_IMAGE, default paddock-test/debian:bookworm).
//
//   node scripts/build-cli.mjs && node bench/images.mjs      (or: npm run bench:images)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { BASE, BenchError, CLI, children, docker, imageId, isolateChildren, letSignalsIn, median, parseEvents, ROOT, run, runBench, secs, table, timed } from './lib.mjs';

const WORKSPACE = 'bench';
const DOCKER_TAG = 'paddock-bench-docker:latest';
const DOCKER_BK_TAG = 'paddock-bench-docker-buildkit:latest';
const NOOP_ROUNDS = 5;
const COLD_ROUNDS = 3;
const FOLDERS = 100;
const FILES_PER_FOLDER = 100;
const FILE_BYTES = 10 * 1024;


// ---------------------------------------------------------------------------------------------
// Child processes



// ---------------------------------------------------------------------------------------------
// Fixture

/** Deterministic "random" bytes: AES-256-CTR over zeros with a fixed key is a fast seeded stream. */
function seededStream(seed) {
  const key = crypto.createHash('sha256').update(seed).digest();
  const cipher = crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (bytes) => cipher.update(Buffer.alloc(bytes));
}

function writeContext(ctx) {
  const next = seededStream('paddock-bench-images-v1');
  for (let d = 0; d < FOLDERS; d++) {
    const folder = path.join(ctx, `d${String(d).padStart(3, '0')}`);
    fs.mkdirSync(folder, { recursive: true });
    for (let f = 0; f < FILES_PER_FOLDER; f++) fs.writeFileSync(path.join(folder, `f${String(f).padStart(3, '0')}.bin`), next(FILE_BYTES));
  }
  fs.writeFileSync(path.join(ctx, 'overlay.Dockerfile'), 'ARG BASE\nFROM ${BASE}\nCOPY . /ctx/\nRUN ls /ctx | wc -l\n');
}

// ---------------------------------------------------------------------------------------------
// Contenders

let temp = null;
let ctx = '';
let dockerfile = '';
let configFile = '';
let paddockCache = '';

function paddockArgs() {
  return [CLI, '--config', configFile, 'build', WORKSPACE, '--json'];
}


/** The last JSON line of a Paddock build: `{"type":"done","image":…,"built":[…],"skipped":[…]}`. */
function doneEvent(stdout) {
  const lines = stdout.trim().split('\n');
  const last = JSON.parse(lines.at(-1) ?? '{}');
  if (last.type !== 'done') throw new BenchError(`Paddock's last JSON line is not a "done" event: ${lines.at(-1)}`);
  return last;
}

function dockerBuildArgs(tag, { quiet, buildkit }) {
  return [
    'build',
    ...(quiet ? ['-q'] : []),
    ...(buildkit ? ['--progress=plain'] : ['--force-rm']),
    '-f',
    dockerfile,
    '--build-arg',
    `BASE=${BASE}`,
    '-t',
    tag,
    ctx,
  ];
}

const LEGACY = { DOCKER_BUILDKIT: '0' };
const BUILDKIT = { DOCKER_BUILDKIT: '1' };

/** Every image this bench made: the docker tags, and Paddock's overlays built from our Dockerfile. */
function benchImages() {
  const ids = new Set();
  const labelled = docker(['images', '-q', '--no-trunc', '--filter', `label=dev.paddock.workspace=${WORKSPACE}`, '--filter', `label=dev.paddock.source=${dockerfile}`], {
    allowFailure: true,
  });
  for (const id of labelled.stdout.split('\n').map((s) => s.trim()).filter(Boolean)) ids.add(id);
  return ids;
}

/**
 * Removes what a tool built, so its next build starts cold. `rmi` also deletes the untagged
 * parents (the legacy builder's per-step images, its whole cache for this Dockerfile) down to the
 * tagged base, which stays.
 */
function removeImages(which) {
  const refs = [];
  if (which.has('paddock')) refs.push(...benchImages());
  if (which.has('docker') && imageId(DOCKER_TAG)) refs.push(DOCKER_TAG);
  if (which.has('buildkit') && imageId(DOCKER_BK_TAG)) refs.push(DOCKER_BK_TAG);
  if (refs.length) docker(['rmi', '-f', ...refs], { allowFailure: true });
  if (which.has('paddock')) fs.rmSync(paddockCache, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Statistics and output


// ---------------------------------------------------------------------------------------------
// Cleanup, also on failure and on Ctrl-C

let cleanedUp = false;
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  try {
    if (dockerfile) removeImages(new Set(['paddock', 'docker', 'buildkit']));
  } catch (error) {
    process.stderr.write(`cleanup: removing images failed: ${error.message}\n`);
  }
  if (temp) fs.rmSync(temp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    cleanup();
    process.exit(128 + os.constants.signals[signal]);
  });
}

// ---------------------------------------------------------------------------------------------
// The bench

/**
 * spawnSync blocks the event loop, so a SIGINT/SIGTERM sent to this process alone is handled only
 * when the loop turns: every build is preceded by one turn, so a signal stops the bench (and
 * cleans up) once the build under way ends. Ctrl-C in a terminal also stops that build at once.
 */

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.mjs'))) throw new BenchError('the CLI is not built; run `node scripts/build-cli.mjs` first');
  const info = run('docker', ['info', '--format', '{{.ServerVersion}}'], { allowFailure: true });
  if (info.status !== 0) throw new BenchError(`no Docker engine: ${info.stderr.trim()}`);
  if (!imageId(BASE)) throw new BenchError(`the base image ${BASE} is not local, and this bench never pulls; create it or set PADDOCK_TEST_BASE_IMAGE`);
  const buildx = run('docker', ['buildx', 'version'], { allowFailure: true });
  const haveBuildKit = buildx.status === 0;

  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-bench-'));
  ctx = path.join(temp, 'ctx');
  dockerfile = path.join(ctx, 'overlay.Dockerfile');
  configFile = path.join(temp, 'config.toml');
  const { cacheHome } = isolateChildren(temp);
  paddockCache = path.join(cacheHome, 'paddock');
  fs.mkdirSync(cacheHome, { recursive: true });

  process.stdout.write(`engine ${info.stdout.trim()}, base ${BASE}, ${os.cpus().length} CPUs; BuildKit (buildx) ${haveBuildKit ? buildx.stdout.trim().split('\n')[0] : 'absent: legacy builder only'}\n`);
  process.stdout.write(`generating ${FOLDERS * FILES_PER_FOLDER} files of ${FILE_BYTES / 1024} KiB in ${ctx} ... `);
  writeContext(ctx);
  fs.writeFileSync(configFile, `[defaults]\nimage = ${JSON.stringify(BASE)}\n\n[workspaces.${WORKSPACE}]\npaths = []\ndockerfile = ${JSON.stringify(dockerfile)}\n`);
  process.stdout.write('done\n');
  removeImages(new Set(['paddock', 'docker', 'buildkit'])); // leftovers of an interrupted run
  const startedAt = Math.floor(Date.now() / 1000);

  const contenders = [
    { key: 'paddock', name: 'paddock build', args: paddockArgs, command: process.execPath },
    { key: 'docker', name: 'docker build (legacy)', command: 'docker', env: LEGACY, tag: DOCKER_TAG, buildkit: false },
  ];
  if (haveBuildKit) contenders.push({ key: 'buildkit', name: 'docker build (BuildKit)', command: 'docker', env: BUILDKIT, tag: DOCKER_BK_TAG, buildkit: true });
  const oddities = [];

  // --- no-op -------------------------------------------------------------------------------
  process.stdout.write('warm-up builds (fill every cache) ...\n');
  const warmIds = {};
  for (const c of contenders) {
    await letSignalsIn();
    if (c.key === 'paddock') {
      const first = timed(c.command, c.args());
      const done = doneEvent(first.stdout);
      if (done.built.length !== 1) oddities.push(`the first Paddock build built ${JSON.stringify(done.built)} (expected one overlay)`);
      warmIds.paddock = imageId(done.image);
      process.stdout.write(`  ${c.name}: ${secs(first.seconds)} s → ${done.image}\n`);
    } else {
      const first = timed(c.command, dockerBuildArgs(c.tag, { quiet: true, buildkit: c.buildkit }), { env: c.env });
      warmIds[c.key] = imageId(c.tag);
      process.stdout.write(`  ${c.name}: ${secs(first.seconds)} s → ${c.tag}\n`);
    }
  }
  // One untimed no-op each: Paddock does not remember hashes of files changed in the last two
  // seconds, so right after the fixture was written its first no-op may still read some files.
  const noop = (c) => {
    if (c.key === 'paddock') {
      const result = timed(c.command, c.args());
      const done = doneEvent(result.stdout);
      if (done.built.length !== 0) oddities.push(`BUG? a no-op Paddock build rebuilt ${JSON.stringify(done.built)}`);
      if (imageId(done.image) !== warmIds.paddock) oddities.push(`a no-op Paddock build changed the image (${done.image})`);
      return result.seconds;
    }
    const result = timed(c.command, dockerBuildArgs(c.tag, { quiet: true, buildkit: c.buildkit }), { env: c.env });
    const id = result.stdout.trim().split('\n').at(-1);
    if (id !== warmIds[c.key]) oddities.push(`a no-op ${c.name} produced ${id}, not the cached ${warmIds[c.key]}`);
    return result.seconds;
  };
  for (const c of contenders) {
    await letSignalsIn();
    noop(c);
  }
  const noopTimes = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < NOOP_ROUNDS; round++) {
    // Interleaved, and the order alternates so neither tool always runs first.
    const order = round % 2 ? [...contenders].reverse() : contenders;
    for (const c of order) {
      await letSignalsIn();
      noopTimes[c.key].push(noop(c));
    }
    process.stdout.write(`  no-op round ${round + 1}/${NOOP_ROUNDS}: ${contenders.map((c) => `${c.key} ${secs(noopTimes[c.key].at(-1))} s`).join(', ')}\n`);
  }

  // --- cold --------------------------------------------------------------------------------
  const cold = (c) => {
    // Every tool's images go before every timed build, so no build can reuse another's layers.
    removeImages(new Set(contenders.map((x) => x.key)));
    if (c.key === 'paddock' && (fs.existsSync(paddockCache) || benchImages().size)) throw new BenchError('Paddock could not be made cold');
    if (c.key !== 'paddock' && imageId(c.tag)) throw new BenchError(`${c.tag} could not be removed`);
    if (c.key === 'paddock') {
      const result = timed(c.command, c.args());
      const events = parseEvents(result.stdout);
      const done = doneEvent(result.stdout);
      if (done.built.length !== 1) oddities.push(`a cold Paddock build built ${JSON.stringify(done.built)}`);
      const cached = events.filter((e) => e.type === 'step-cached').length;
      if (cached) oddities.push(`a cold Paddock build reused ${cached} cached step(s): the cache was not cold`);
      return result.seconds;
    }
    // Not quiet, so the output shows whether any step came from the cache. BuildKit keeps its
    // cache outside images; --no-cache skips it without pruning the engine's other caches.
    const args = dockerBuildArgs(c.tag, { quiet: false, buildkit: c.buildkit });
    if (c.buildkit) args.splice(1, 0, '--no-cache');
    const result = timed(c.command, args, { env: c.env });
    const output = `${result.stdout}\n${result.stderr}`;
    if (/Using cache|^#\d+ CACHED/m.test(output)) oddities.push(`a cold ${c.name} reused cached steps: the cache was not cold`);
    return result.seconds;
  };
  process.stdout.write('cold builds ...\n');
  const coldTimes = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < COLD_ROUNDS; round++) {
    const order = round % 2 ? [...contenders].reverse() : contenders;
    for (const c of order) {
      await letSignalsIn();
      coldTimes[c.key].push(cold(c));
    }
    process.stdout.write(`  cold round ${round + 1}/${COLD_ROUNDS}: ${contenders.map((c) => `${c.key} ${secs(coldTimes[c.key].at(-1))} s`).join(', ')}\n`);
  }

  // --- report ------------------------------------------------------------------------------
  const rows = (times) => contenders.map((c) => ({ name: c.name, times: times[c.key] }));
  process.stdout.write(`\n${table(`no-op build, ${NOOP_ROUNDS} interleaved rounds (everything cached)`, rows(noopTimes))}\n`);
  process.stdout.write(`${table(`cold build, ${COLD_ROUNDS} interleaved rounds (images and Paddock's file-hash cache removed)`, rows(coldTimes))}\n\n`);
  if (!haveBuildKit) process.stdout.write('BuildKit: `docker buildx` is absent here, so only the legacy builder was measured.\n');
  for (const odd of new Set(oddities)) process.stdout.write(`note: ${odd}\n`);
  // A shared engine is the biggest source of noise: say whether someone else built meanwhile.
  const events = docker(['events', '--since', String(startedAt), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=image', '--filter', 'event=tag', '--format', '{{.Actor.Attributes.name}}'], {
    allowFailure: true,
  });
  const others = events.stdout.split('\n').filter((name) => name.trim() && !name.startsWith('paddock-bench'));
  if (others.length) process.stdout.write(`note: the engine was shared: ${others.length} image(s) tagged by something else during the bench (timings are noisier)\n`);

  const p = median(noopTimes.paddock);
  for (const c of contenders.filter((x) => x.key !== 'paddock')) {
    const d = median(noopTimes[c.key]);
    const ratio = d / p;
    const label = c.key === 'docker' ? 'docker build' : 'docker build (BuildKit)';
    process.stdout.write(
      `no-op check: paddock ${secs(p)} s vs ${label} ${secs(d)} s → ${ratio >= 1 ? `${ratio.toFixed(1)}x faster` : `${(1 / ratio).toFixed(1)}x slower`} (target ≥ 10x)\n`,
    );
  }
  const pc = median(coldTimes.paddock);
  for (const c of contenders.filter((x) => x.key !== 'paddock')) {
    const d = median(coldTimes[c.key]);
    const label = c.key === 'docker' ? 'docker build' : 'docker build (BuildKit, --no-cache)';
    process.stdout.write(`cold build: paddock ${secs(pc)} s vs ${label} ${secs(d)} s → ${(pc / d).toFixed(2)}x (target within 10%)\n`);
  }
}

await runBench('bench/images.mjs', main, cleanup);
