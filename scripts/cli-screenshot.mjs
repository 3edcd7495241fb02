// Renders real `paddock` output, colours included, as a terminal-like PNG for the README:
//   node scripts/cli-screenshot.mjs OUT.png -- <shell commands…>
// Each command runs with FORCE_COLOR=1; its ANSI colours become HTML, and headless Chromium
// (/usr/bin/chromium, or $CHROMIUM) takes the screenshot.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [out, separator, ...commands] = process.argv.slice(2);
if (!out || separator !== '--' || commands.length === 0) {
  console.error('usage: node scripts/cli-screenshot.mjs OUT.png -- "paddock doctor" ["…"]');
  process.exit(2);
}

const colours = { 1: 'font-weight:bold', 2: 'opacity:.6', 31: 'color:#ff6b6b', 32: 'color:#69db7c', 33: 'color:#ffd43b' };
const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
function ansiToHtml(text) {
  let open = 0;
  const html = escape(text).replace(/\u001b\[(\d+)m/g, (_, code) => {
    if (colours[code]) {
      open++;
      return `<span style="${colours[code]}">`;
    }
    if (open === 0) return '';
    open--;
    return '</span>';
  });
  return html + '</span>'.repeat(open);
}

let body = '';
for (const command of commands) {
  const run = spawnSync('bash', ['-c', command], { env: { ...process.env, FORCE_COLOR: '1' }, encoding: 'utf8' });
  body += `<span style="color:#74c0fc">$</span> ${escape(command.replace(/^node bin\/paddock\.mjs/, 'paddock'))}\n${ansiToHtml(run.stdout + run.stderr)}\n`;
}
const page = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e2e">
<pre style="margin:0;padding:20px 24px;color:#e0e0e0;font:14px/1.45 'DejaVu Sans Mono',monospace;white-space:pre-wrap">${body.trimEnd()}</pre>`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-shot-'));
const html = path.join(dir, 'page.html');
fs.writeFileSync(html, page);
// Long lines wrap at about 125 characters in an 1100-pixel window.
const lines = body.replace(/<[^>]+>/g, '').split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / 125)), 0);
execFileSync(process.env.CHROMIUM ?? '/usr/bin/chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--hide-scrollbars',
  `--user-data-dir=${path.join(dir, 'profile')}`, `--window-size=1100,${Math.ceil(lines * 20.3 + 48)}`, `--screenshot=${path.resolve(out)}`, `file://${html}`,
], { stdio: 'ignore' });
fs.rmSync(dir, { recursive: true, force: true });
console.log(`wrote ${out}`);
