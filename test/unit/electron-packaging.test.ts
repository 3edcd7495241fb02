import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(path.join(root, 'package.json'));
const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  linux: { target: string[]; executableName: string };
  mac: { target: string[] };
  win: { target: string[] };
  files: string[];
  electronFuses: Record<string, boolean>;
};
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string>; bin: Record<string, string> };

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = fs.readFileSync(file);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it('builds AppImage and deb on Linux, a dmg on macOS and an NSIS installer on Windows, as dev.paddock.app', () => {
    expect(config.appId).toBe('dev.paddock.app');
    expect(config.productName).toBe('Paddock');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.asar).toBe(true);
  });

  it('packs the built app (dist/) and not the sources', () => {
    expect(config.files).toContain('dist/**');
    expect(config.files.some((pattern) => /^(core|electron|renderer)\b/.test(pattern))).toBe(false);
  });

  it('does not put the app’s executable on the PATH as `paddock`, the CLI’s name', () => {
    expect(Object.keys(pkg.bin)).not.toContain(config.linux.executableName);
  });

  it('hardens the Electron fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      // The UI loads from app://, so file:// keeps no more power than in a browser.
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('says in docs/architecture.md what each fuse does on which platform', () => {
    const docs = fs.readFileSync(path.join(root, 'docs', 'architecture.md'), 'utf8');
    const table = docs.slice(docs.indexOf('| fuse |'));
    for (const fuse of Object.keys(config.electronFuses)) expect(table).toMatch(new RegExp(`\\| \`${fuse}\` \\| (on|off) \\| [^|]*(Linux|macOS|Windows)`));
  });

  it('uses only keys electron-builder knows: its own validator accepts the file, and rejects a misspelt fuse', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(config: unknown, logger: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } }, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
    const scheme = require('app-builder-lib/scheme.json') as { definitions: { FuseOptionsV1: { properties: Record<string, unknown> } } };
    for (const fuse of Object.keys(config.electronFuses)) expect(scheme.definitions.FuseOptionsV1.properties).toHaveProperty(fuse);
  });

  it('has the icons: a 512×512 app icon and a tray icon per state at 1× and 2×', () => {
    expect(pngSize(path.join(root, 'build', 'icon.png'))).toEqual({ width: 512, height: 512 });
    for (const state of ['idle', 'running', 'warning']) {
      expect(pngSize(path.join(root, 'build', `tray-${state}.png`))).toEqual({ width: 16, height: 16 });
      expect(pngSize(path.join(root, 'build', `tray-${state}@2x.png`))).toEqual({ width: 32, height: 32 });
    }
    expect(fs.existsSync(path.join(root, 'build', 'icon.svg'))).toBe(true);
  });
});

describe('package.json', () => {
  it('starts Electron at the bundled main process, and has the start, build:electron and dist scripts', () => {
    expect(pkg.main).toBe('dist/electron/main.cjs');
    expect(pkg.scripts.start).toBe('node scripts/start.mjs');
    expect(pkg.scripts['build:electron']).toBe('node scripts/build-electron.mjs');
    expect(pkg.scripts.dist).toMatch(/build-cli\.mjs.*build-renderer\.mjs.*build-electron\.mjs.*electron-builder$/);
  });
});

describe('npm start: Electron, or the browser when it cannot run', () => {
  type Plan = { mode: 'electron'; binary: string } | { mode: 'browser'; reason: string };
  const load = async () =>
    (await import(pathToFileURL(path.join(root, 'scripts', 'start.mjs')).href)) as {
      launchPlan(found: { platform: NodeJS.Platform; env: NodeJS.ProcessEnv; binary: string | null; installError: string | null }): Plan;
      hasDisplay(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean;
    };

  it('opens the desktop app when the binary is there and there is a display', async () => {
    const { launchPlan } = await load();
    expect(launchPlan({ platform: 'linux', env: { DISPLAY: ':0' }, binary: '/e/electron', installError: null })).toEqual({ mode: 'electron', binary: '/e/electron' });
    expect(launchPlan({ platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' }, binary: '/e/electron', installError: null }).mode).toBe('electron');
    expect(launchPlan({ platform: 'darwin', env: {}, binary: '/e/Electron.app/Contents/MacOS/Electron', installError: null }).mode).toBe('electron');
    expect(launchPlan({ platform: 'win32', env: {}, binary: 'C:\\e\\electron.exe', installError: null }).mode).toBe('electron');
  });

  it('falls back to the browser, saying why in one line, when the download failed', async () => {
    const { launchPlan } = await load();
    const plan = launchPlan({ platform: 'darwin', env: {}, binary: null, installError: 'RequestError: getaddrinfo ENOTFOUND github.com' });
    expect(plan).toEqual({ mode: 'browser', reason: "Electron's binary could not be downloaded (RequestError: getaddrinfo ENOTFOUND github.com)" });
    expect(launchPlan({ platform: 'linux', env: { DISPLAY: ':0' }, binary: null, installError: null })).toEqual({ mode: 'browser', reason: "Electron's binary is not installed" });
  });

  it('falls back to the browser on a Linux machine without a display, binary or not', async () => {
    const { launchPlan, hasDisplay } = await load();
    const plan = launchPlan({ platform: 'linux', env: {}, binary: '/e/electron', installError: null });
    expect(plan.mode).toBe('browser');
    expect(plan.mode === 'browser' && plan.reason).toMatch(/no display/);
    expect(plan.mode === 'browser' && plan.reason).not.toContain('\n');
    expect(hasDisplay('linux', { DISPLAY: '' })).toBe(false);
    expect(hasDisplay('win32', {})).toBe(true);
  });
});
