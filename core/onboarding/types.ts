export type Language = 'node' | 'python' | 'go' | 'rust' | 'ruby' | 'java';

/** Where a finding comes from. */
export interface Evidence {
  /** The file, relative to the project folder, with `/` separators. */
  file: string;
  /** What in it: `engines.node`, `psycopg2==2.9.9`, `packageManager`, … */
  detail?: string;
}

export interface LanguageFinding {
  language: Language;
  /** The files that show the project uses the language. */
  evidence: Evidence[];
  /** The version the project asks for, as written there (`20`, `>=18`, `1.22.3`, `3.12`), if it names one. */
  version: { value: string; evidence: Evidence } | null;
  /**
   * The package manager or build tool: npm, pnpm, yarn or bun; pip, poetry, pipenv or uv; go;
   * cargo; bundler; maven or gradle. `wrapper` says the project brings its own launcher
   * (`./mvnw`, `./gradlew`), so the tool itself need not be installed.
   */
  tool: { name: string; version: string | null; evidence: Evidence; wrapper: boolean } | null;
}

export interface SystemPackageFinding {
  /** The Debian/Ubuntu package. */
  name: string;
  /** Why it is needed, one entry per dependency that needs it. */
  reasons: string[];
  /** The manifests that name those dependencies (`detail`: the dependency as written). */
  evidence: Evidence[];
}

export interface DetectResult {
  /** The folder looked at, absolute. */
  dir: string;
  languages: LanguageFinding[];
  systemPackages: SystemPackageFinding[];
  /** What was skipped or had to be guessed, in words. */
  notes: string[];
}
