// Renders the app icon (icon.svg → icon.png, 512×512, from which electron-builder makes the .icns
// and .ico) and the tray icons (tray.svg, one colour per state, at 1× and 2×) with headless
// Chromium. Run it after editing an SVG: `node build/render-icons.mjs`; the PNGs are committed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The tray's states (electron/tray.ts trayIconState) and their colours, legible on light and dark panels. */
const TRAY_STATES = { idle: '#8b939e', running: '#22b573', warning: '#f0a020' };

function render(svg, size, file) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-icon-'));
  try {
    const page = path.join(dir, 'icon.html');
    const sized = svg.replace(/width="\d+" height="\d+"/, `width="${size}" height="${size}"`);
    fs.writeFileSync(page, `<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${sized}`);
    execFileSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        '--default-background-color=00000000',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        `--window-size=${size},${size}`,
        `--screenshot=${path.join(here, file)}`,
        `file://${page}`,
      ],
      { stdio: 'ignore' },
    );
    console.log(`${file} (${size}×${size})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

render(fs.readFileSync(path.join(here, 'icon.svg'), 'utf8'), 512, 'icon.png');
const tray = fs.readFileSync(path.join(here, 'tray.svg'), 'utf8');
for (const [state, color] of Object.entries(TRAY_STATES)) {
  const svg = tray.replaceAll('STATE_COLOR', color);
  render(svg, 16, `tray-${state}.png`);
  render(svg, 32, `tray-${state}@2x.png`);
}
