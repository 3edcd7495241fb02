/**
 * A new overlay's first text: the two lines every overlay starts with, and in comments what goes
 * below them and what Paddock needs left alone (the same rules the linter checks).
 */
export function newOverlayTemplate(workspace: string): string {
  return [
    `# What the workspace "${workspace}" needs on top of Paddock's base image.`,
    '# Paddock builds this file with --build-arg BASE=<its base image>: keep these two lines first.',
    'ARG BASE',
    'FROM ${BASE}',
    '',
    '# Add what the agent needs below ("Insert recipe" has the usual cases), for example:',
    '#   RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*',
    '#',
    '# Paddock runs the agent as UID 1000 (the agent user, home /home/agent) and starts it its own',
    '# way. Keep that user and its home, keep ${PATH} when you set PATH, and put no VOLUME on',
    '# /home/agent or on your project folders.',
    '',
  ].join('\n');
}
