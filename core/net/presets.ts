/**
 * Named lists of hosts for `allow_presets`: what a package manager or an agent's provider needs,
 * so an allowlist workspace does not have to know each host. docs/configuration.md lists them name
 * by name (a unit test keeps the two equal).
 */
export const ALLOW_PRESETS = {
  github: { title: 'GitHub: git over HTTPS, the API, release downloads, raw files and the container registry', hosts: ['github.com', '*.github.com', '*.githubusercontent.com', 'ghcr.io'] },
  npm: { title: 'the npm and Yarn registries', hosts: ['registry.npmjs.org', 'registry.yarnpkg.com'] },
  pypi: { title: 'the Python Package Index (pip, uv, poetry)', hosts: ['pypi.org', 'files.pythonhosted.org'] },
  crates: { title: "Rust's crates.io and the toolchain downloads of rustup", hosts: ['crates.io', 'index.crates.io', 'static.crates.io', 'static.rust-lang.org'] },
  go: { title: "Go's module proxy and checksum database, and Go's downloads", hosts: ['proxy.golang.org', 'sum.golang.org', 'go.dev', 'dl.google.com'] },
  debian: { title: "Debian's package mirrors (apt-get)", hosts: ['deb.debian.org', 'security.debian.org'] },
  ubuntu: { title: "Ubuntu's package mirrors (apt-get), country mirrors included", hosts: ['archive.ubuntu.com', '*.archive.ubuntu.com', 'security.ubuntu.com', 'ports.ubuntu.com'] },
  anthropic: { title: "Anthropic's API, for Claude Code and OpenCode with Claude models", hosts: ['api.anthropic.com', 'statsig.anthropic.com', 'claude.ai', 'console.anthropic.com'] },
  openai: { title: "OpenAI's API and sign-in, for Codex and OpenCode with OpenAI models", hosts: ['api.openai.com', 'auth.openai.com', 'chatgpt.com'] },
  google: { title: "Google's Gemini API and sign-in, for Gemini CLI", hosts: ['generativelanguage.googleapis.com', 'cloudcode-pa.googleapis.com', 'oauth2.googleapis.com', 'accounts.google.com'] },
  opencode: { title: "OpenCode's model catalogue and its own services", hosts: ['opencode.ai', '*.opencode.ai', 'models.dev'] },
} as const satisfies Record<string, { title: string; hosts: readonly string[] }>;

export type AllowPreset = keyof typeof ALLOW_PRESETS;
export const ALLOW_PRESET_NAMES = Object.keys(ALLOW_PRESETS) as AllowPreset[];

export function isAllowPreset(name: string): name is AllowPreset {
  return Object.hasOwn(ALLOW_PRESETS, name);
}

/** The presets an agent's model provider needs (OpenCode talks to several: its catalogue by default). */
export const AGENT_PRESETS: Record<'opencode' | 'claude' | 'codex' | 'gemini' | 'shell', AllowPreset[]> = {
  opencode: ['opencode'],
  claude: ['anthropic'],
  codex: ['openai'],
  gemini: ['google'],
  shell: [],
};

/** The presets a detected language's package manager needs (the onboarding's languages). */
export const LANGUAGE_PRESETS: Record<'node' | 'python' | 'go' | 'rust' | 'ruby' | 'java', AllowPreset[]> = {
  node: ['npm'],
  python: ['pypi'],
  go: ['go'],
  rust: ['crates'],
  ruby: [],
  java: [],
};
