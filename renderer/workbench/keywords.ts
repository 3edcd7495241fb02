/**
 * What each Dockerfile instruction means, and what Paddock does with it: the editor shows these
 * when the pointer rests on an instruction and beside each one it completes. The Paddock half
 * follows docs/workbench.md (the overlay rules) and docs/images.md (the classic builder).
 */
export interface KeywordHelp {
  meaning: string;
  paddock: string;
}

export const KEYWORDS: Record<string, KeywordHelp> = {
  FROM: {
    meaning: 'Starts a build stage from an image.',
    paddock: 'The last stage must be FROM ${BASE}: Paddock passes its base image (the agent user, its home, its tools) as BASE. Earlier stages may start from any image, such as a compiler for a builder stage.',
  },
  RUN: {
    meaning: 'Runs a shell command while building, and keeps what it changed as a layer.',
    paddock: 'Runs as root, so it can install packages. Clean up in the same RUN that made the mess: a later RUN cannot shrink an earlier layer. Paddock builds with the classic builder, so RUN --mount and heredocs do not work.',
  },
  COPY: {
    meaning: 'Copies files from the build context (or from another stage with --from) into the image.',
    paddock: 'The context is the Dockerfile’s folder unless build_context says otherwise. Your project is mounted at run time, so an overlay rarely needs to copy it. --chmod and --link need BuildKit and do not work.',
  },
  ADD: {
    meaning: 'Like COPY, but also unpacks local archives and downloads URLs.',
    paddock: 'Downloads are not checked (the classic builder has no --checksum): prefer curl in a RUN with a SHA-256 check, and COPY for local files.',
  },
  ENV: {
    meaning: 'Sets an environment variable for the later steps and for the running container.',
    paddock: 'Kept when the agent runs. When you change PATH, keep ${PATH} in it, or the agent’s own tools are lost. Never put a secret here: it stays readable in the image; use a Paddock secret.',
  },
  ARG: {
    meaning: 'Declares a variable that exists only while building.',
    paddock: 'ARG BASE receives the tag of Paddock’s base image (Paddock adds the line when it is missing). Defaults are kept in the image’s history: no secrets.',
  },
  WORKDIR: {
    meaning: 'Sets the folder the later steps run in.',
    paddock: 'Only for the build: the agent starts in the workspace’s first folder.',
  },
  USER: {
    meaning: 'Sets the user the later steps run as.',
    paddock: 'Paddock always runs the agent as 1000:1000 (the agent user), whatever the image says; USER only changes who runs the later build steps.',
  },
  VOLUME: {
    meaning: 'Marks a folder as a volume, stored outside the container.',
    paddock: 'Best left out: on /home/agent it puts the agent’s home in a throwaway volume, and below a workspace folder it hides your files from the agent.',
  },
  ENTRYPOINT: {
    meaning: 'Sets the program the container runs.',
    paddock: 'Replaced: Paddock starts the agent through its own wrapper (secrets, then the agent in tmux).',
  },
  CMD: {
    meaning: 'Sets the default command of the container.',
    paddock: 'Replaced by the workspace’s agent, or by its command setting.',
  },
  EXPOSE: {
    meaning: 'Documents a port the container listens on; it publishes nothing by itself.',
    paddock: 'Paddock publishes only the OpenCode server’s port, and only on 127.0.0.1.',
  },
  LABEL: {
    meaning: 'Adds metadata to the image.',
    paddock: 'Kept. Paddock adds its own dev.paddock.* labels at the end of the stage it builds.',
  },
  SHELL: {
    meaning: 'Changes the shell that runs the later RUN, CMD and ENTRYPOINT lines written as plain text.',
    paddock: 'Affects only the build steps after it; the agent’s shell is the image’s own.',
  },
  HEALTHCHECK: {
    meaning: 'Tells Docker how to check that the container is healthy.',
    paddock: 'Replaced by Paddock’s own check: the agent’s tmux session, or OpenCode’s port.',
  },
  STOPSIGNAL: {
    meaning: 'Sets the signal that asks the container to stop.',
    paddock: 'Never sent: Paddock stops a workspace by removing its containers.',
  },
  ONBUILD: {
    meaning: 'Adds an instruction that runs later, when another image builds FROM this one.',
    paddock: 'Nothing in Paddock builds on a workspace’s image, so it never runs.',
  },
  MAINTAINER: {
    meaning: 'Names the image’s author (deprecated: use LABEL).',
    paddock: 'Kept as metadata; it changes nothing.',
  },
};

/**
 * The instruction keyword at `offset` of a line, if the pointer is on one: the first word of a
 * line that does not continue the line before it (an escape at its end).
 */
export function keywordAt(line: string, previousLine: string | null, offset: number): { word: string; from: number; to: number } | null {
  if (previousLine !== null && /\\\s*$/.test(previousLine) && !/^\s*#/.test(previousLine)) return null;
  const match = /^(\s*)([A-Za-z]+)\b/.exec(line);
  if (!match) return null;
  const from = match[1]?.length ?? 0;
  const word = match[2] ?? '';
  const to = from + word.length;
  if (offset < from || offset > to || !Object.hasOwn(KEYWORDS, word.toUpperCase())) return null;
  return { word: word.toUpperCase(), from, to };
}
