import type { DetectResult, LanguageFinding } from './types.ts';
import { goImageTag, javaMajor, nodeMajor, nodeRequirement, rustImageTag } from './versions.ts';

const LANGUAGE_NAMES: Record<LanguageFinding['language'], string> = { node: 'Node.js', python: 'Python', go: 'Go', rust: 'Rust', ruby: 'Ruby', java: 'Java' };

/** `Node.js 20 (pnpm)` for the header. */
function describe(finding: LanguageFinding): string {
  const version = finding.version ? ` ${finding.version.value}` : '';
  const tool = finding.tool && !['go', 'cargo'].includes(finding.tool.name) ? ` (${finding.tool.name})` : '';
  return `${LANGUAGE_NAMES[finding.language]}${version}${tool}`;
}

/** Where the version came from: `.nvmrc`, `go.mod toolchain`. */
function source(finding: LanguageFinding): string {
  const evidence = finding.version?.evidence;
  return evidence ? `${evidence.file}${evidence.detail ? ` ${evidence.detail}` : ''}` : '';
}

const WIDTH = 100;

/** A paragraph as comment lines of at most 100 columns; `indent` continues a list item. */
function comment(text: string, indent = ''): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > 1 && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = `#${indent}`;
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** Lines of a RUN joined with line continuations, one command per line. */
function run(lines: string[]): string {
  return `RUN ${lines.join(' \\\n    ')}`;
}

/** Apt packages, each with the reason shown above the RUN that installs them. */
class AptList {
  readonly packages = new Map<string, string>();

  add(reason: string, ...names: string[]): void {
    for (const name of names) if (!this.packages.has(name)) this.packages.set(name, reason);
  }

  block(): string[] {
    if (this.packages.size === 0) return [];
    const byReason = new Map<string, string[]>();
    for (const [name, reason] of this.packages) byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
    const names = [...this.packages.keys()].sort();
    return [
      ...comment("System packages, in one RUN that updates apt's lists and removes them again, so that no layer keeps them; --no-install-recommends leaves out what nothing here needs:"),
      ...[...byReason].flatMap(([reason, group]) => comment(`  - ${group.join(', ')}: ${reason}`, '    ')),
      `RUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n${names.map((name) => `        ${name} \\\n`).join('')}    && rm -rf /var/lib/apt/lists/*`,
    ];
  }
}

function nodeBlocks(finding: LanguageFinding): string[][] {
  const blocks: string[][] = [];
  const requirement = finding.version ? nodeRequirement(finding.version.value) : null;
  const wanted = finding.version ? `${finding.version.value} (${source(finding)})` : 'no particular version';
  const download = [
    'arch="$(dpkg --print-architecture)"',
    'case "$arch" in amd64) node_arch=x64 ;; arm64) node_arch=arm64 ;; *) echo "no Node.js build for $arch" >&2; exit 1 ;; esac',
    'cd /tmp',
  ];
  const unpack = [
    'grep " ${tarball}\\$" SHASUMS256.txt | sha256sum -c -',
    'tar -xzf "$tarball" -C /usr/local --strip-components=1 --no-same-owner',
    'rm -f "$tarball" SHASUMS256.txt',
    'node --version',
  ];
  let major: number;
  const intro = comment(
    `Node.js: the project asks for ${wanted}. The official build from nodejs.org, its SHA-256 checked before anything is unpacked, goes into /usr/local as in Paddock's full base (whose agent CLIs then run on it too); the step does nothing when the base already has a Node.js that fits.`,
  );
  if (requirement && 'exact' in requirement) {
    major = Number(requirement.exact.split('.')[0]);
    blocks.push([
      ...intro,
      `ARG NODE_VERSION=${requirement.exact}`,
      run([
        'set -eux;',
        'if [ "$(node --version 2>/dev/null || true)" = "v${NODE_VERSION}" ]; then exit 0; fi;',
        ...download.map((line) => `${line};`),
        'tarball="node-v${NODE_VERSION}-linux-${node_arch}.tar.gz";',
        'curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/SHASUMS256.txt";',
        'curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/${tarball}";',
        ...unpack.map((line, i) => (i < unpack.length - 1 ? `${line};` : line)),
      ]),
    ]);
  } else {
    const range = requirement ?? { min: 0, max: null };
    major = nodeMajor(range);
    const fits = range.max === null ? `[ "$major" -ge ${range.min} ]` : `[ "$major" -ge ${range.min} ] && [ "$major" -le ${range.max} ]`;
    blocks.push([
      ...intro,
      `ARG NODE_MAJOR=${major}`,
      run([
        'set -eux;',
        `major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)";`,
        `if [ -n "$major" ] && ${fits}; then exit 0; fi;`,
        ...download.map((line) => `${line};`),
        'curl -fsSLO "https://nodejs.org/dist/latest-v${NODE_MAJOR}.x/SHASUMS256.txt";',
        'tarball="$(grep -o "node-v[0-9.]*-linux-${node_arch}\\.tar\\.gz" SHASUMS256.txt | head -n 1)";',
        'curl -fsSLO "https://nodejs.org/dist/latest-v${NODE_MAJOR}.x/${tarball}";',
        ...unpack.map((line, i) => (i < unpack.length - 1 ? `${line};` : line)),
      ]),
    ]);
  }
  const tool = finding.tool;
  if (tool && (tool.name === 'pnpm' || tool.name === 'yarn')) {
    const which = tool.version ? `the version package.json's packageManager field names (${tool.name}@${tool.version})` : "the version package.json's packageManager field names (without one, corepack's default)";
    // Node.js 25 stopped shipping corepack; from npm it works the same.
    const getCorepack = major >= 25 ? ['npm install -g --no-fund --no-audit corepack', 'npm cache clean --force'] : [];
    blocks.push([
      ...comment(`${tool.name} through corepack, which comes with Node.js and fetches ${which} on first use, without stopping to ask.`),
      'ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0',
      getCorepack.length ? run([...getCorepack, `corepack enable ${tool.name}`].map((line, i) => (i > 0 ? `&& ${line}` : line))) : `RUN corepack enable ${tool.name}`,
    ]);
  } else if (tool?.name === 'bun') {
    blocks.push([
      ...comment(`Bun (${tool.evidence.file}), the single binary of its official image.`),
      `COPY --from=oven/bun:${tool.version ?? '1'} /usr/local/bin/bun /usr/local/bin/bun`,
      'RUN ln -s /usr/local/bin/bun /usr/local/bin/bunx',
    ]);
  }
  return blocks;
}

function pythonBlocks(finding: LanguageFinding, apt: AptList): string[][] {
  apt.add("Python from the distribution, with venv and pip for the project's own environment", 'python3', 'python3-pip', 'python3-venv');
  const tool = finding.tool;
  const wanted = finding.version ? ` The project asks for ${finding.version.value} (${source(finding)}); Debian 12 has 3.11 and Ubuntu 24.04 3.12.` : '';
  if (tool && ['poetry', 'pipenv', 'uv'].includes(tool.name)) {
    const exact = finding.version && tool.name === 'uv' ? ` uv fetches the exact interpreter when they differ (uv python install ${finding.version.value}).` : '';
    return [
      [
        ...comment(`Python is the distribution's python3.${wanted}${exact} ${tool.name} (${tool.evidence.file}) lives in a virtual environment of its own, so that it never mixes with the project's packages; pip runs without its cache, which would otherwise stay in the layer.`),
        run([`python3 -m venv /opt/${tool.name}`, `&& /opt/${tool.name}/bin/pip install --no-cache-dir ${tool.name}`, `&& ln -s /opt/${tool.name}/bin/${tool.name} /usr/local/bin/${tool.name}`]),
      ],
    ];
  }
  return wanted ? [comment(`Python is the distribution's python3.${wanted} The agent makes the project's virtual environment with python3 -m venv.`)] : [];
}

function goBlocks(finding: LanguageFinding): string[][] {
  const tag = goImageTag(finding.version?.value ?? null);
  return [
    [
      ...comment(`Go ${finding.version ? `${finding.version.value} (${source(finding)})` : '(the newest Go 1)'}, copied from the official image: Go is self-contained, so it works on any base. It goes at the end of PATH, so that the agent's own tools in ~/.local/bin still come first; the agent's GOPATH is ~/go.`),
      `COPY --from=golang:${tag} /usr/local/go /usr/local/go`,
      'ENV PATH=${PATH}:/usr/local/go/bin:/home/agent/go/bin',
    ],
  ];
}

function rustBlocks(finding: LanguageFinding, apt: AptList): string[][] {
  apt.add('the C toolchain and linker that Rust builds need', 'build-essential');
  const channel = finding.version?.value ?? null;
  const tag = rustImageTag(channel);
  const pinned = channel && tag === '1' ? ` rustup installs ${channel} (${source(finding)}) on first use.` : '';
  return [
    [
      ...comment(`Rust ${tag === '1' ? '(the newest stable)' : `${channel} (${source(finding)})`}, copied from the official image and owned by the agent (UID 1000), so that rustup can add the toolchains and components the project asks for and cargo can write its registry.${pinned}`),
      `COPY --from=rust:${tag}-slim --chown=1000:1000 /usr/local/rustup /usr/local/rustup`,
      `COPY --from=rust:${tag}-slim --chown=1000:1000 /usr/local/cargo /usr/local/cargo`,
      'ENV RUSTUP_HOME=/usr/local/rustup \\\n    CARGO_HOME=/usr/local/cargo \\\n    PATH=${PATH}:/usr/local/cargo/bin',
    ],
  ];
}

function rubyBlocks(finding: LanguageFinding, apt: AptList): string[][] {
  apt.add('Ruby from the distribution, with its headers and a compiler for gems with native extensions', 'ruby', 'ruby-dev', 'build-essential');
  const tool = finding.tool;
  const wanted = finding.version ? ` The project asks for ${finding.version.value} (${source(finding)}); Debian 12 has 3.1 and Ubuntu 24.04 3.2.` : '';
  return [
    [
      ...comment(`Ruby is the distribution's.${wanted} Bundler${tool?.version ? ` ${tool.version} (${tool.evidence.file})` : ''}; the gems the agent installs go to ~/.local/share/bundle, in the workspace's data volume, which the agent can write (the system's gem folder is root's) and which outlives the container.`),
      `RUN gem install --no-document bundler${tool?.version ? ` -v ${tool.version}` : ''}`,
      'ENV BUNDLE_PATH=/home/agent/.local/share/bundle',
    ],
  ];
}

function javaBlocks(finding: LanguageFinding): string[][] {
  const major = javaMajor(finding.version?.value ?? null);
  const blocks = [
    [
      ...comment(`Java ${major}${finding.version ? ` (${source(finding)})` : ''}: the Eclipse Temurin JDK copied from its official image, self-contained, so it works on any base at the exact major version the project builds with.`),
      `COPY --from=eclipse-temurin:${major}-jdk /opt/java/openjdk /opt/java/openjdk`,
      'ENV JAVA_HOME=/opt/java/openjdk \\\n    PATH=${PATH}:/opt/java/openjdk/bin',
    ],
  ];
  const tool = finding.tool;
  if (tool?.name === 'maven' && !tool.wrapper) {
    blocks.push([...comment('Maven from its official image (the project has no ./mvnw).'), 'COPY --from=maven:3 /usr/share/maven /usr/share/maven', 'RUN ln -s /usr/share/maven/bin/mvn /usr/local/bin/mvn']);
  } else if (tool?.name === 'gradle' && !tool.wrapper) {
    blocks.push([...comment('Gradle from its official image (the project has no ./gradlew).'), 'COPY --from=gradle:8 /opt/gradle /opt/gradle', 'RUN ln -s /opt/gradle/bin/gradle /usr/local/bin/gradle']);
  }
  return blocks;
}

/**
 * An overlay Dockerfile for what `detectStack` found: system packages with apt in one cleaned-up
 * RUN, toolchains copied from official images or downloaded with a checksum, each step with a
 * comment that says why. It lints without fatal, breaking or warning findings.
 */
export function proposeOverlay(result: DetectResult): string {
  const name = result.dir.split(/[\\/]/).filter(Boolean).at(-1) ?? 'the project';
  const apt = new AptList();
  for (const found of result.systemPackages) apt.add(`${found.reasons.join('; ')} (${[...new Set(found.evidence.map((entry) => entry.file))].join(', ')})`, found.name);
  const blocks: string[][] = [];
  for (const finding of result.languages) {
    if (finding.language === 'node') blocks.push(...nodeBlocks(finding));
    else if (finding.language === 'python') blocks.push(...pythonBlocks(finding, apt));
    else if (finding.language === 'go') blocks.push(...goBlocks(finding));
    else if (finding.language === 'rust') blocks.push(...rustBlocks(finding, apt));
    else if (finding.language === 'ruby') blocks.push(...rubyBlocks(finding, apt));
    else blocks.push(...javaBlocks(finding));
  }
  const header = [
    ...comment(`Overlay for ${name}, proposed by \`paddock detect\`: ${result.languages.map(describe).join(', ') || 'no known stack'}.`),
    ...comment("Paddock builds it on the workspace's base image. The base leaves the build running as root, so these steps can install system packages, and Paddock runs the agent as 1000:1000 (agent) whatever this file says: there is no USER to switch back to."),
    ...result.notes.flatMap((note) => comment(`Note: ${note}.`)),
    'ARG BASE',
    'FROM ${BASE}',
  ];
  const empty = result.languages.length === 0 && apt.packages.size === 0
    ? [
        [
          ...comment('Nothing was recognised (no package.json, pyproject.toml, requirements.txt, go.mod, Cargo.toml, Gemfile, pom.xml or build.gradle at the top or one folder down). Add what the project needs, for example:'),
          '#   RUN apt-get update \\',
          '#       && apt-get install -y --no-install-recommends PACKAGES \\',
          '#       && rm -rf /var/lib/apt/lists/*',
        ],
      ]
    : [];
  const sections = [header, apt.block(), ...blocks, ...empty].filter((section) => section.length > 0);
  return `${sections.map((section) => section.join('\n')).join('\n\n')}\n`;
}
