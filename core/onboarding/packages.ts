import type { Language } from './types.ts';

/**
 * Dependencies that need Debian/Ubuntu packages to install or run: native extensions that compile
 * against a library, or load it. Only `-dev` and tool packages are named, because their names are
 * the same on Debian 12 and Ubuntu 24.04 (Ubuntu renamed runtime libraries for 64-bit time_t,
 * `libssl3` → `libssl3t64`) and each pulls its runtime library in. Dependencies that ship prebuilt
 * binaries for Linux (sharp, psycopg2-binary, nokogiri, numpy, …) need nothing and are not listed.
 * docs/workbench.md shows this table.
 */
export interface PackageRule {
  language: Language;
  /** The dependency's name as the manifests spell it (Python names compared normalized). */
  dependency: string;
  packages: string[];
  why: string;
}

const PYTHON_BUILD = ['build-essential', 'python3-dev'];
const NODE_GYP = ['build-essential', 'python3'];

export const PACKAGE_RULES: PackageRule[] = [
  { language: 'python', dependency: 'psycopg2', packages: ['libpq-dev', ...PYTHON_BUILD], why: 'builds against libpq (pg_config comes with libpq-dev)' },
  { language: 'python', dependency: 'psycopg', packages: ['libpq-dev'], why: 'loads libpq at run time' },
  { language: 'python', dependency: 'mysqlclient', packages: ['default-libmysqlclient-dev', 'pkg-config', ...PYTHON_BUILD], why: 'builds against the MySQL client library' },
  { language: 'python', dependency: 'pillow', packages: ['libjpeg-dev', 'zlib1g-dev'], why: 'needs libjpeg and zlib when it builds from source' },
  { language: 'python', dependency: 'lxml', packages: ['libxml2-dev', 'libxslt1-dev'], why: 'needs libxml2 and libxslt when it builds from source' },
  { language: 'python', dependency: 'python-ldap', packages: ['libldap2-dev', 'libsasl2-dev', ...PYTHON_BUILD], why: 'builds against OpenLDAP and SASL' },
  { language: 'python', dependency: 'pyodbc', packages: ['unixodbc-dev', ...PYTHON_BUILD], why: 'builds against unixODBC' },
  { language: 'python', dependency: 'pycairo', packages: ['libcairo2-dev', 'pkg-config', ...PYTHON_BUILD], why: 'builds against cairo' },
  { language: 'python', dependency: 'pycurl', packages: ['libcurl4-openssl-dev', 'libssl-dev', ...PYTHON_BUILD], why: 'builds against libcurl' },
  { language: 'python', dependency: 'xmlsec', packages: ['libxmlsec1-dev', 'pkg-config', ...PYTHON_BUILD], why: 'builds against xmlsec1' },
  { language: 'python', dependency: 'gdal', packages: ['libgdal-dev', 'gdal-bin'], why: 'binds the GDAL library of the system' },
  { language: 'python', dependency: 'python-magic', packages: ['libmagic-dev'], why: 'loads libmagic at run time' },
  { language: 'python', dependency: 'uwsgi', packages: PYTHON_BUILD, why: 'compiles its server' },
  { language: 'node', dependency: 'canvas', packages: ['libcairo2-dev', 'libpango1.0-dev', 'libjpeg-dev', 'libgif-dev', 'librsvg2-dev', ...NODE_GYP], why: 'builds against cairo and pango when no prebuilt binary fits' },
  { language: 'node', dependency: 'bcrypt', packages: NODE_GYP, why: 'compiles with node-gyp when no prebuilt binary fits' },
  { language: 'node', dependency: 'sqlite3', packages: NODE_GYP, why: 'compiles with node-gyp when no prebuilt binary fits' },
  { language: 'node', dependency: 'better-sqlite3', packages: NODE_GYP, why: 'compiles with node-gyp when no prebuilt binary fits' },
  { language: 'node', dependency: 'argon2', packages: NODE_GYP, why: 'compiles with node-gyp when no prebuilt binary fits' },
  { language: 'node', dependency: 'node-gyp', packages: NODE_GYP, why: 'compiles native addons' },
  { language: 'node', dependency: 'node-sass', packages: NODE_GYP, why: 'compiles libsass with node-gyp' },
  { language: 'node', dependency: 're2', packages: NODE_GYP, why: 'compiles with node-gyp' },
  { language: 'node', dependency: 'pg-native', packages: ['libpq-dev', ...NODE_GYP], why: 'builds against libpq' },
  { language: 'node', dependency: 'kerberos', packages: ['libkrb5-dev', ...NODE_GYP], why: 'builds against Kerberos' },
  { language: 'ruby', dependency: 'pg', packages: ['libpq-dev'], why: 'builds against libpq' },
  { language: 'ruby', dependency: 'mysql2', packages: ['default-libmysqlclient-dev'], why: 'builds against the MySQL client library' },
  { language: 'ruby', dependency: 'sqlite3', packages: ['libsqlite3-dev'], why: 'builds against SQLite when no prebuilt gem fits' },
  { language: 'ruby', dependency: 'rmagick', packages: ['libmagickwand-dev'], why: 'builds against ImageMagick' },
  { language: 'go', dependency: 'github.com/mattn/go-sqlite3', packages: ['build-essential'], why: 'uses cgo, which needs a C compiler' },
  { language: 'go', dependency: 'github.com/confluentinc/confluent-kafka-go', packages: ['build-essential'], why: 'uses cgo, which needs a C compiler' },
  { language: 'rust', dependency: 'openssl-sys', packages: ['libssl-dev', 'pkg-config'], why: 'builds against OpenSSL' },
  { language: 'rust', dependency: 'openssl', packages: ['libssl-dev', 'pkg-config'], why: 'builds against OpenSSL' },
  { language: 'rust', dependency: 'native-tls', packages: ['libssl-dev', 'pkg-config'], why: 'uses OpenSSL on Linux' },
  { language: 'rust', dependency: 'pq-sys', packages: ['libpq-dev'], why: 'links libpq' },
  { language: 'rust', dependency: 'mysqlclient-sys', packages: ['default-libmysqlclient-dev', 'pkg-config'], why: 'links the MySQL client library' },
  { language: 'rust', dependency: 'libsqlite3-sys', packages: ['libsqlite3-dev'], why: 'links the system SQLite unless built with its "bundled" feature' },
  { language: 'rust', dependency: 'rusqlite', packages: ['libsqlite3-dev'], why: 'links the system SQLite unless built with its "bundled" feature' },
];

/** Python package names compare case-insensitively, with `-`, `_` and `.` the same (PEP 503). */
function normalizeDependency(language: Language, name: string): string {
  return language === 'python' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}

export function rulesFor(language: Language, dependency: string): PackageRule[] {
  const name = normalizeDependency(language, dependency);
  return PACKAGE_RULES.filter((rule) => rule.language === language && normalizeDependency(language, rule.dependency) === name);
}
