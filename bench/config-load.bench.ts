// Loading a valid config parses it once (smol-toml). The position-tracking parser
// (toml-eslint-parser) runs only when there is an error, a warning or an edit to place.
// This prints how much that saves, side by side: `npm run bench`.
import { bench, describe } from 'vitest';
import { TomlDocument } from '../core/config/document.ts';
import { validateConfigText } from '../core/config/load.ts';
import type { HostView } from '../core/config/schema.ts';

const host: HostView = { home: '/home/bench', exists: () => true, isFile: () => true, readText: () => '' };

const text = [
  '[defaults]\nmemory = "4g"\nenv = ["EDITOR=vim", "LANG=C.UTF-8"]\nallowed_networks = ["10.20.0.0/16"]\n',
  ...Array.from({ length: 40 }, (_, i) =>
    `# project ${i}\n[workspaces.project-${i}]\npaths = ["~/code/project-${i}", "~/code/shared-${i}"]\nagent = "claude"\ncpu = 1.5\nmounts = ["~/.cache/pip-${i}:/home/agent/.cache/pip:rw"]\nenv = ["PROJECT=${i}"]\n`,
  ),
].join('\n');

describe('load a valid 40-workspace config', () => {
  bench('validate (positions on demand, as shipped)', () => {
    validateConfigText(text, 'config.toml', host);
  });
  bench('validate + eager position parse (the alternative)', () => {
    validateConfigText(text, 'config.toml', host);
    new TomlDocument(text);
  });
});
