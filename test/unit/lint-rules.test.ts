import { describe, expect, it } from 'vitest';
import { applyFix, lintDockerfile, type Diagnostic, type LintOptions, type RuleId } from '../../core/lint/index.ts';

/** An overlay: Paddock's two first lines, then the body. */
const overlay = (...body: string[]) => ['ARG BASE', 'FROM ${BASE}', ...body, ''].join('\n');

const of = (text: string, rule: RuleId, options?: LintOptions) => lintDockerfile(text, options).filter((d) => d.rule === rule);

/** Applies every fix of the rule, one at a time, and checks that each makes its finding go away. */
function expectFixesWork(text: string, rule: RuleId, options?: LintOptions): void {
  const found = of(text, rule, options);
  for (const diagnostic of found.filter((d) => d.fix)) {
    const fixed = applyFix(text, diagnostic.fix as NonNullable<Diagnostic['fix']>);
    expect(fixed, `fix "${diagnostic.fix?.title}"`).not.toBe(text);
    expect(of(fixed, rule, options).length, `after "${diagnostic.fix?.title}":\n${fixed}`).toBeLessThan(found.length);
    const before = new Set(of(text, 'syntax/invalid').map((d) => d.message));
    expect(of(fixed, 'syntax/invalid').filter((d) => !before.has(d.message)), `the fix keeps the file valid:\n${fixed}`).toEqual([]);
  }
}

interface RuleCases {
  severity: Diagnostic['severity'];
  hits: string[];
  misses: string[];
  options?: LintOptions;
}

const CASES: Partial<Record<RuleId, RuleCases>> = {
  'syntax/invalid': {
    severity: 'fatal',
    hits: [
      overlay('RUNN echo hi'),
      overlay('FOO bar'),
      'RUN echo no FROM\n',
      overlay('EXPOSE notaport'),
      overlay('RUN <<EOF', 'echo hi', 'EOF'),
      overlay('COPY <<EOF /etc/motd', 'hello', 'EOF'),
      overlay('RUN --mount=type=cache,target=/root/.cache pip install --no-cache-dir x'),
      overlay('COPY --chmod=755 run.sh /usr/local/bin/'),
      overlay('COPY --link tool /usr/local/bin/'),
      overlay('ADD --checksum=sha256:0123 https://example.com/x /x'),
      'FROM ${OTHER}\n',
    ],
    misses: [
      overlay('RUN echo hi'),
      'FROM ${BASE}\nRUN echo the ARG is injected by Paddock\n',
      'FROM $BASE\n',
      '# syntax=docker/dockerfile:1\nARG BASE\nFROM ${BASE}\n',
      overlay('run echo lower-case instructions build'),
      overlay('COPY --from=builder --chown=1000:1000 /out /opt/out'),
      overlay('ADD --chown=agent:agent file /x'),
      'FROM --platform=linux/amd64 ${BASE}\n',
    ],
  },
  'overlay/from-base': {
    severity: 'breaking',
    hits: ['FROM debian:bookworm\nRUN echo\n', 'ARG BASE\nFROM golang:1.24 AS builder\nFROM builder\n', 'ARG BASE\nFROM ${BASE} AS base\nFROM ubuntu:24.04\n', 'FROM ${IMAGE}\n'],
    misses: [
      overlay(),
      'FROM $BASE\n',
      'FROM ${BASE:-ubuntu:24.04}\n',
      'ARG BASE\nFROM golang:1.24 AS builder\nRUN go build\nFROM ${BASE}\nCOPY --from=builder /go/bin/x /usr/local/bin/x\n',
      'ARG BASE\nFROM ${BASE} AS base\nRUN echo\nFROM base AS tools\nFROM tools\n',
      'ARG BASE\nFROM ${BASE} AS Base\nFROM base\n',
    ],
  },
  'overlay/agent-user': {
    severity: 'fatal',
    hits: [
      overlay('RUN userdel agent'),
      overlay('RUN userdel -r agent'),
      overlay('RUN deluser --remove-home agent'),
      overlay('RUN usermod -u 2000 agent'),
      overlay('RUN usermod --uid=1001 agent'),
      overlay('RUN usermod -d /home/dev -m agent'),
      overlay('RUN rm -rf /home/agent'),
      overlay('RUN rm -fr /home/agent/'),
      overlay('RUN rm -r /home/agent/*'),
      overlay('RUN sudo rm -rf /home'),
      overlay('RUN set -e; user="$(getent passwd 1000 | cut -d: -f1)"; userdel "$user"'),
      overlay('ENV AGENT_HOME=/home/agent', 'RUN rm -rf "$AGENT_HOME"'),
      overlay('RUN ["userdel", "agent"]'),
      overlay('RUN ["sh", "-c", "apt-get remove -y sudo && userdel agent"]'),
    ],
    misses: [
      overlay('RUN useradd -m dev'),
      overlay('RUN userdel dev'),
      overlay('RUN deluser agent sudo'),
      overlay('RUN usermod -aG docker agent'),
      overlay('RUN usermod -u 1000 agent'),
      overlay('RUN rm -rf /home/agent/.cache/pip'),
      overlay('RUN rm /home/agent/notes.txt'),
      overlay('RUN echo "userdel agent" > /tmp/how-not-to.txt'),
      overlay('# RUN userdel agent'),
      overlay('RUN apt-get purge -y sudo iptables && rm -f /usr/bin/setpriv'),
      'FROM debian AS scratchpad\nRUN userdel agent\nARG BASE\nFROM ${BASE}\n',
    ],
  },
  'overlay/path-override': {
    severity: 'breaking',
    hits: [overlay('ENV PATH=/opt/tool/bin'), overlay('ENV PATH="/opt/tool/bin:/usr/bin"'), overlay("ENV PATH='/opt/x'"), overlay('ENV PATH /opt/tool/bin'), overlay('ENV A=1 PATH=/usr/bin:/bin'), overlay('ENV PATH=')],
    misses: [
      overlay('ENV PATH=/opt/tool/bin:$PATH'),
      overlay('ENV PATH="${PATH}:/opt/tool/bin"'),
      overlay('ENV PATH=/home/agent/.local/bin:/usr/local/bin:/usr/bin:/bin'),
      overlay('ENV PATHS=/x'),
      overlay('ENV MYPATH=/x'),
      overlay('ARG PATH=/x'),
      'FROM golang:1.24 AS builder\nENV PATH=/usr/local/go/bin\nARG BASE\nFROM ${BASE}\n',
    ],
  },
  'overlay/volume': {
    severity: 'breaking',
    options: { workspacePaths: ['/work/project'] },
    hits: [overlay('VOLUME /home/agent'), overlay('VOLUME ["/home/agent/.npm"]'), overlay('VOLUME /data /home/agent/cache'), overlay('VOLUME /work/project/node_modules'), overlay('ENV H=/home/agent', 'VOLUME $H/x'), overlay('VOLUME /home')],
    misses: [overlay('VOLUME /data'), overlay('VOLUME ["/var/lib/postgresql"]'), overlay('VOLUME /home/agentx'), overlay('VOLUME /work'), overlay('VOLUME /work/projectx')],
  },
  'overlay/overridden': {
    severity: 'info',
    hits: [overlay('ENTRYPOINT ["/entry.sh"]'), overlay('CMD ["bash"]'), overlay('USER agent'), overlay('WORKDIR /app'), overlay('HEALTHCHECK CMD true'), overlay('STOPSIGNAL SIGINT'), 'ARG BASE\nFROM ${BASE} AS base\nUSER agent\nFROM base\n'],
    misses: [overlay('RUN echo'), 'FROM golang AS build\nWORKDIR /src\nCMD ["x"]\nARG BASE\nFROM ${BASE}\n'],
  },
  'practice/apt-update-separate': {
    severity: 'warning',
    hits: [overlay('RUN apt-get update', 'RUN apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*'), overlay('RUN apt-get update && echo done')],
    misses: [
      overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*'),
      overlay('RUN echo apt-get update'),
      overlay('RUN apt-get update; apt-get install -y --no-install-recommends jq; rm -rf /var/lib/apt/lists/*'),
    ],
  },
  'practice/apt-lists': {
    severity: 'warning',
    hits: [
      overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq'),
      overlay('RUN apt-get update \\', '    && apt-get install -y --no-install-recommends jq \\', '    && apt-get clean'),
      overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq', 'RUN rm -rf /var/lib/apt/lists/*'),
      overlay('RUN ["sh", "-c", "apt-get update && apt-get install -y --no-install-recommends jq"]'),
      overlay('RUN set -e; apt-get update; apt-get install -y --no-install-recommends jq;'),
    ],
    misses: [
      overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*'),
      overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists'),
      'FROM debian AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc\nARG BASE\nFROM ${BASE}\n',
    ],
  },
  'practice/apt-no-recommends': {
    severity: 'warning',
    hits: [overlay('RUN apt-get update && apt-get install -y jq && rm -rf /var/lib/apt/lists/*'), overlay('RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt install -y jq && rm -rf /var/lib/apt/lists/*')],
    misses: [
      overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*'),
      overlay('RUN apt-get update && apt-get -y install jq --no-install-recommends && rm -rf /var/lib/apt/lists/*'),
      overlay('RUN apt-get update && apt-get install -o APT::Install-Recommends=false -y jq && rm -rf /var/lib/apt/lists/*'),
      overlay(`RUN echo 'APT::Install-Recommends "0";' > /etc/apt/apt.conf.d/99norecommends`, 'RUN apt-get update && apt-get install -y jq && rm -rf /var/lib/apt/lists/*'),
    ],
  },
  'practice/pip-cache': {
    severity: 'warning',
    hits: [overlay('RUN pip install flask'), overlay('RUN pip3 install -r requirements.txt'), overlay('RUN python3 -m pip install flask'), overlay('RUN /opt/venv/bin/pip install flask'), overlay('RUN bash -c "pip install flask"')],
    misses: [
      overlay('RUN pip install --no-cache-dir flask'),
      overlay('RUN PIP_NO_CACHE_DIR=1 pip install flask'),
      overlay('ENV PIP_NO_CACHE_DIR=1', 'RUN pip install flask'),
      overlay('RUN pip download flask'),
      overlay('RUN pip --version'),
      overlay('RUN echo "pip install flask"'),
    ],
  },
  'practice/npm-cache': {
    severity: 'warning',
    hits: [overlay('RUN npm install -g typescript'), overlay('RUN npm ci'), overlay('RUN cd /app && npm i')],
    misses: [overlay('RUN npm ci --prefer-offline'), overlay('RUN npm install -g typescript && npm cache clean --force'), overlay('RUN npm run build'), overlay('RUN npm --version')],
  },
  'practice/apk-cache': {
    severity: 'warning',
    hits: [overlay('RUN apk add curl'), overlay('RUN apk update && apk add curl')],
    misses: [overlay('RUN apk add --no-cache curl'), overlay('RUN apk add curl && rm -rf /var/cache/apk/*'), overlay('RUN apk del curl')],
  },
  'practice/layer-order': {
    severity: 'warning',
    hits: [overlay('COPY . /app', 'RUN cd /app && npm ci --prefer-offline'), overlay('COPY ./ /src/', 'RUN pip install --no-cache-dir -r /src/requirements.txt'), overlay('COPY src/ /app/src/', 'RUN go mod download')],
    misses: [
      overlay('COPY package.json package-lock.json /app/', 'RUN cd /app && npm ci --prefer-offline', 'COPY . /app'),
      overlay('COPY --from=builder /out/ /opt/', 'RUN pip install --no-cache-dir x'),
      overlay('COPY . /app', 'RUN make -C /app'),
      'FROM node AS web\nCOPY . /app\nARG BASE\nFROM ${BASE}\nRUN npm ci --prefer-offline\n',
    ],
  },
  'safety/curl-pipe-shell': {
    severity: 'warning',
    hits: [
      overlay('RUN curl -fsSL https://example.com/install.sh | sh'),
      overlay('RUN curl -fsSL https://example.com/install.sh | sudo bash -s -- --yes'),
      overlay('RUN wget -qO- https://example.com/install.sh | bash -'),
      overlay('RUN curl -sSL https://bootstrap.pypa.io/get-pip.py | python3'),
      overlay('RUN sh -c "$(curl -fsSL https://example.com/install.sh)"'),
      overlay('RUN bash <(curl -fsSL https://example.com/install.sh)'),
      overlay('RUN ["/bin/sh", "-c", "curl -fsSL https://example.com/i.sh | sh"]'),
    ],
    misses: [
      overlay('RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh && sha256sum -c sums && sh /tmp/install.sh'),
      overlay('RUN curl -fsSL https://example.com/data.json | jq .version'),
      overlay('RUN curl -fsSL https://example.com/data.json | python3 -c "import json,sys; print(json.load(sys.stdin))"'),
      overlay('RUN echo "curl https://x | sh"'),
      overlay('RUN curl https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/x.gpg'),
    ],
  },
  'safety/add-url': {
    severity: 'warning',
    hits: [overlay('ADD https://example.com/tool.tar.gz /opt/'), overlay('ADD ["http://example.com/x", "/x"]')],
    misses: [overlay('ADD tool.tar.gz /opt/'), overlay('COPY https-config /etc/'), overlay('RUN curl -fsSLo /x https://example.com/x')],
  },
  'safety/secret': {
    severity: 'warning',
    hits: [
      overlay('ARG GITHUB_TOKEN=ghp_abcdef'),
      overlay('ENV DB_PASSWORD=hunter2'),
      overlay('ENV OPENAI_API_KEY="sk-123"'),
      overlay('ENV AWS_SECRET_ACCESS_KEY wJalr'),
      overlay('ENV A=1 NPM_TOKEN=abc B=2'),
      'ARG REGISTRY_PASSWORD=pw\nARG BASE\nFROM ${BASE}\n',
    ],
    misses: [
      overlay('ARG GITHUB_TOKEN'),
      overlay('ARG GITHUB_TOKEN='),
      overlay('ENV GITHUB_TOKEN=""'),
      overlay('ARG NPM_TOKEN', 'ENV NPM_TOKEN=${NPM_TOKEN}'),
      overlay('ENV TOKEN_FILE=/run/secrets/token'),
      overlay('ENV PASSWORD_URL=https://vault.example.com'),
      overlay('ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D'),
      overlay('ENV DISABLE_PASSWORD=true'),
      overlay('ENV KEYBOARD=us'),
    ],
  },
};

describe.each(Object.entries(CASES) as Array<[RuleId, RuleCases]>)('%s', (rule, cases) => {
  it.each(cases.hits)('reports %j', (text) => {
    const found = of(text, rule, cases.options);
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((d) => d.severity === cases.severity)).toBe(true);
    for (const d of found) {
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
      expect(d.endLine * 10000 + d.endColumn).toBeGreaterThanOrEqual(d.line * 10000 + d.column);
      expect(d.message.length).toBeGreaterThan(20);
    }
  });

  it.each(cases.misses)('does not report %j', (text) => {
    expect(of(text, rule, cases.options)).toEqual([]);
  });

  it.each(cases.hits)('has fixes that remove the finding in %j', (text) => {
    expectFixesWork(text, rule, cases.options);
  });
});

describe('findings in detail', () => {
  it('points at the offending text with 1-based lines and columns, end exclusive', () => {
    const [d] = of(overlay('ENV PATH=/opt/bin'), 'overlay/path-override');
    expect(d).toMatchObject({ line: 3, column: 5, endLine: 3, endColumn: 18 });
    const [from] = of('FROM debian:bookworm\n', 'overlay/from-base');
    expect(from).toMatchObject({ line: 1, column: 6, endLine: 1, endColumn: 21 });
    expect(from?.message).toContain('FROM debian:bookworm');
    expect(from?.message).toContain('Use FROM ${BASE}');
  });

  it('follows stage aliases to the image the final stage really builds on', () => {
    const [d] = of('ARG BASE\nFROM node:22 AS deps\nFROM deps AS app\nFROM app\n', 'overlay/from-base');
    expect(d?.message).toMatch(/FROM app, which builds FROM node:22/);
    expect(d?.fix).toBeUndefined();
  });

  it('does not ask for ARG BASE, which Paddock injects', () => {
    expect(lintDockerfile('FROM ${BASE}\n')).toEqual([]);
  });

  it('suggests the instruction a typo meant', () => {
    const [d] = of(overlay('RUNN echo hi'), 'syntax/invalid');
    expect(d?.message).toMatch(/did you mean RUN/);
    expect(applyFix(overlay('RUNN echo hi'), d?.fix as NonNullable<Diagnostic['fix']>)).toBe(overlay('RUN echo hi'));
  });

  it('never repeats a secret in the message', () => {
    for (const d of lintDockerfile(overlay('ENV DB_PASSWORD=hunter2', 'ARG GITHUB_TOKEN=ghp_abcdef'))) {
      expect(d.message).not.toMatch(/hunter2|ghp_abcdef/);
    }
  });

  it('treats removing sudo, iptables or setpriv as harmless: nothing above info', () => {
    const text = overlay('RUN apt-get purge -y --auto-remove sudo iptables && rm -f /usr/bin/setpriv', 'RUN deluser --remove-home sudo-user || true');
    expect(lintDockerfile(text).filter((d) => d.severity !== 'info')).toEqual([]);
  });

  it('reports an install without any apt-get update as fatal: the base ships without package lists', () => {
    const text = overlay('RUN apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*');
    const [d] = of(text, 'practice/apt-update-separate');
    expect(d?.severity).toBe('fatal');
    expect(applyFix(text, d?.fix as NonNullable<Diagnostic['fix']>)).toBe(overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*'));
    // After an earlier RUN that removed the lists, the next install must update again.
    const again = overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*', 'RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*');
    expect(of(again, 'practice/apt-update-separate').map((f) => f.line)).toEqual([4]);
  });

  it('moves a lone apt-get update into the install RUN that follows it', () => {
    const text = overlay('RUN apt-get update', 'RUN apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*');
    const [d] = of(text, 'practice/apt-update-separate');
    expect(applyFix(text, d?.fix as NonNullable<Diagnostic['fix']>)).toBe(overlay('RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*'));
  });

  it('appends a cleanup on its own continued line when the RUN spans lines', () => {
    const text = overlay('RUN apt-get update \\', '    && apt-get install -y --no-install-recommends jq');
    const [d] = of(text, 'practice/apt-lists');
    expect(applyFix(text, d?.fix as NonNullable<Diagnostic['fix']>)).toBe(overlay('RUN apt-get update \\', '    && apt-get install -y --no-install-recommends jq \\', '    && rm -rf /var/lib/apt/lists/*'));
  });

  it('appends inside the script of an exec-form sh -c, keeping the JSON valid', () => {
    const text = overlay('RUN ["sh", "-c", "npm ci"]');
    const [d] = of(text, 'practice/npm-cache');
    expect(applyFix(text, d?.fix as NonNullable<Diagnostic['fix']>)).toBe(overlay('RUN ["sh", "-c", "npm ci && npm cache clean --force"]'));
  });

  it('offers no shell edit for an exec-form argv, which has no shell', () => {
    const [d] = of(overlay('RUN apt-get update', 'RUN ["apt-get", "install", "-y", "jq"]'), 'practice/apt-no-recommends');
    expect(d).toBeDefined();
    expect(d?.fix).toBeUndefined();
  });

  it('removes one path from a VOLUME that also has a harmless one', () => {
    const text = overlay('VOLUME /data /home/agent/cache');
    const [d] = of(text, 'overlay/volume');
    expect(applyFix(text, d?.fix as NonNullable<Diagnostic['fix']>)).toBe(overlay('VOLUME /data'));
  });

  it('explains that a VOLUME exactly on a workspace path does nothing, rather than calling it breaking', () => {
    const [d] = of(overlay('VOLUME /work/project'), 'overlay/volume', { workspacePaths: ['/work/project/'] });
    expect(d?.severity).toBe('info');
    expect(of(overlay('VOLUME /work/project/.venv'), 'overlay/volume', { workspacePaths: ['/work/project'] })[0]?.severity).toBe('breaking');
  });

  it('says what Paddock uses instead of each overridden instruction', () => {
    const messages = Object.fromEntries(lintDockerfile(overlay('USER agent', 'WORKDIR /app', 'CMD ["x"]', 'ENTRYPOINT ["y"]', 'HEALTHCHECK CMD true', 'STOPSIGNAL SIGINT')).map((d) => [d.line, d.message]));
    expect(messages[3]).toMatch(/1000:1000/);
    expect(messages[4]).toMatch(/first path/);
    expect(messages[5]).toMatch(/own command/);
    expect(messages[6]).toMatch(/empty entrypoint/);
    expect(messages[7]).toMatch(/health check/);
    expect(messages[8]).toMatch(/removing its containers/);
  });

  it('quotes the ENV PATH fix inside double quotes and after single quotes', () => {
    const fix = (text: string) => applyFix(text, of(text, 'overlay/path-override')[0]?.fix as NonNullable<Diagnostic['fix']>);
    expect(fix(overlay('ENV PATH="/opt/bin"'))).toBe(overlay('ENV PATH="/opt/bin:${PATH}"'));
    expect(fix(overlay("ENV PATH='/opt/bin'"))).toBe(overlay('ENV PATH="/opt/bin:${PATH}"'));
    expect(fix(overlay('ENV PATH /opt/bin'))).toBe(overlay('ENV PATH /opt/bin:${PATH}'));
  });

  it('removes only the secret from an ENV with several variables', () => {
    const text = overlay('ENV A=1 NPM_TOKEN=abc B=2');
    expect(applyFix(text, of(text, 'safety/secret')[0]?.fix as NonNullable<Diagnostic['fix']>)).toBe(overlay('ENV A=1 B=2'));
  });

  it('keeps CRLF files CRLF when it edits them', () => {
    const text = 'ARG BASE\r\nFROM ${BASE}\r\nRUN apt-get update \\\r\n    && apt-get install -y --no-install-recommends jq\r\n';
    const [d] = of(text, 'practice/apt-lists');
    expect(d).toMatchObject({ line: 4, column: 8 });
    expect(applyFix(text, d?.fix as NonNullable<Diagnostic['fix']>)).toBe('ARG BASE\r\nFROM ${BASE}\r\nRUN apt-get update \\\r\n    && apt-get install -y --no-install-recommends jq \\\r\n    && rm -rf /var/lib/apt/lists/*\r\n');
  });

  it('follows the escape directive for line continuations', () => {
    const text = '# escape=`\nARG BASE\nFROM ${BASE}\nRUN apt-get update `\n    && apt-get install -y jq `\n    && rm -rf /var/lib/apt/lists/*\n';
    expect(lintDockerfile(text).map((d) => d.rule)).toEqual(['practice/apt-no-recommends']);
  });

  it('sorts findings by position, then by severity', () => {
    const found = lintDockerfile(overlay('RUN apt-get install jq', 'USER agent'));
    expect(found.map((d) => `${d.line}:${d.severity}`)).toEqual(['3:fatal', '3:warning', '3:warning', '4:info']);
  });

  it('lints a long Dockerfile quickly enough to run on every keystroke', () => {
    const body = Array.from({ length: 300 }, (_, i) => `RUN apt-get update && apt-get install -y pkg${i} && pip install x${i} # step ${i}`);
    const text = overlay(...body);
    lintDockerfile(text);
    const start = performance.now();
    const found = lintDockerfile(text);
    expect(performance.now() - start).toBeLessThan(500);
    expect(found.length).toBeGreaterThan(300);
  });
});
