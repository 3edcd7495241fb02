import { DockerfileParser } from 'dockerfile-ast';

export interface DockerfileInstruction {
  keyword: string;
  /** The instruction as written, continuation lines joined, for progress and layer views. */
  text: string;
  /** 1-based first and last line in the Dockerfile. */
  line: number;
  endLine: number;
  /** Index of the build stage it belongs to; -1 for ARGs before the first FROM. */
  stage: number;
}

export interface DockerfileStage {
  index: number;
  name: string | null;
  /** The FROM image as written (`${BASE}`, `golang:1.24`, or an earlier stage's name). */
  image: string;
  line: number;
}

export interface DockerfileInfo {
  instructions: DockerfileInstruction[];
  stages: DockerfileStage[];
  /** An `ARG BASE` before the first FROM. */
  declaresBase: boolean;
  /** The final stage builds on `${BASE}`, directly or through earlier stages. */
  finalStageUsesBase: boolean;
}

const BASE_REFERENCE = /^\$(\{BASE(:[-+][^}]*)?\}|BASE)$/;

export function analyzeDockerfile(text: string): DockerfileInfo {
  const lines = text.split(/\r?\n/);
  const parsed = DockerfileParser.parse(text);
  const escape = parsed.getEscapeCharacter();
  let stage = -1;
  const stages: DockerfileStage[] = [];
  const instructions = parsed.getInstructions().map((instruction) => {
    const range = instruction.getRange();
    const keyword = instruction.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      stage++;
      const from = parsed.getFROMs()[stage];
      stages.push({ index: stage, name: from?.getBuildStage() ?? null, image: from?.getImage() ?? '', line: range.start.line + 1 });
    }
    // Docker drops comment lines inside a continued instruction, and continues with the escape character.
    const raw = lines
      .slice(range.start.line, range.end.line + 1)
      .filter((line, i) => i === 0 || !line.trim().startsWith('#'))
      .map((line) => {
        const trimmed = line.trim();
        return (trimmed.endsWith(escape) ? trimmed.slice(0, -1) : trimmed).trim();
      });
    return { keyword, text: raw.join(' ').replace(/^\uFEFF/, ''), line: range.start.line + 1, endLine: range.end.line + 1, stage };
  });
  const declaresBase = instructions.some((i) => i.stage === -1 && i.keyword === 'ARG' && /^BASE(=|\s|$)/.test(i.text.slice(3).trim()));
  return { instructions, stages, declaresBase, finalStageUsesBase: usesBase(stages, stages.length - 1, new Set()) };
}

function usesBase(stages: DockerfileStage[], index: number, seen: Set<number>): boolean {
  const stage = stages[index];
  if (!stage || seen.has(index)) return false;
  seen.add(index);
  if (BASE_REFERENCE.test(stage.image)) return true;
  const earlier = stages.slice(0, index).findLastIndex((candidate) => candidate.name !== null && candidate.name.toLowerCase() === stage.image.toLowerCase());
  return earlier >= 0 && usesBase(stages, earlier, seen);
}

const DIRECTIVE = /^#\s*(syntax|escape|check)\s*=.*$/i;

/**
 * Overlays may omit `ARG BASE`: it is injected after the parser directives (which must stay
 * first), so `FROM ${BASE}` always resolves to the base Paddock built.
 */
export function injectArgBase(text: string): { text: string; injected: boolean } {
  if (analyzeDockerfile(text).declaresBase) return { text, injected: false };
  // Docker strips a byte order mark from the first line only: it must stay in front.
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines = text.slice(bom.length).split('\n');
  let after = 0;
  while (after < lines.length && DIRECTIVE.test((lines[after] ?? '').replace(/\r$/, '').trim())) after++;
  const eol = text.includes('\r\n') ? '\r' : '';
  lines.splice(after, 0, `ARG BASE${eol}`);
  return { text: bom + lines.join('\n'), injected: true };
}
