import { describe, expect, it } from 'vitest';
import { analyzeDockerfile, injectArgBase } from '../../core/images/dockerfile.ts';

/** The lines of a text, line breaks dropped (CRLF or LF). */
const linesOf = (text: string) => text.split(/\r?\n/);

describe('analyzeDockerfile: instructions and line numbers', () => {
  it('numbers instructions from 1, counting comments and blank lines', () => {
    const info = analyzeDockerfile('# a comment\n\nFROM ubuntu:24.04\n\n# another\nRUN true\nCMD ["bash"]\n');
    expect(info.instructions.map((i) => [i.keyword, i.line, i.endLine, i.stage])).toEqual([
      ['FROM', 3, 3, 0],
      ['RUN', 6, 6, 0],
      ['CMD', 7, 7, 0],
    ]);
  });

  it('gives a multi-line RUN its first and last line and joins the continuation lines', () => {
    const text = ['FROM ubuntu:24.04', 'RUN apt-get update \\', '    && apt-get install -y \\', '       git curl', 'WORKDIR /src'].join('\n');
    const run = analyzeDockerfile(text).instructions[1];
    expect(run).toEqual({ keyword: 'RUN', text: 'RUN apt-get update && apt-get install -y git curl', line: 2, endLine: 4, stage: 0 });
    expect(analyzeDockerfile(text).instructions[2]).toMatchObject({ keyword: 'WORKDIR', line: 5, endLine: 5 });
  });

  it('counts CRLF lines like LF lines and drops the CRs from the text', () => {
    const text = 'FROM ubuntu:24.04\r\nRUN a \\\r\n  b\r\nENV X=1\r\n';
    const info = analyzeDockerfile(text);
    expect(info.instructions.map((i) => [i.keyword, i.text, i.line, i.endLine])).toEqual([
      ['FROM', 'FROM ubuntu:24.04', 1, 1],
      ['RUN', 'RUN a b', 2, 3],
      ['ENV', 'ENV X=1', 4, 4],
    ]);
  });

  it('upper-cases keywords written in lower case', () => {
    const info = analyzeDockerfile('from ubuntu:24.04 as build\nrun make\n');
    expect(info.instructions.map((i) => i.keyword)).toEqual(['FROM', 'RUN']);
    expect(info.stages[0]).toMatchObject({ name: 'build', image: 'ubuntu:24.04' });
  });

  it('puts ARGs before the first FROM in stage -1 and counts stages from 0', () => {
    const info = analyzeDockerfile('ARG V=1\nARG BASE\nFROM a\nRUN x\nFROM b\nRUN y\n');
    expect(info.instructions.map((i) => `${i.keyword}:${i.stage}`)).toEqual(['ARG:-1', 'ARG:-1', 'FROM:0', 'RUN:0', 'FROM:1', 'RUN:1']);
  });

  it('joins continuation lines that use the escape character of an `# escape=` directive', () => {
    // With `# escape=\``, the backtick continues a line; a trailing backslash is part of the text.
    const info = analyzeDockerfile('# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n    C:\\\n');
    expect(info.instructions[1]).toMatchObject({ keyword: 'RUN', line: 3, endLine: 4, text: 'RUN dir C:\\' });
  });

  it('leaves comment lines inside a continuation out of the joined text, as Docker does', () => {
    const info = analyzeDockerfile('FROM ubuntu\nRUN apt-get update \\\n# the tools we need\n    && apt-get install -y git\n');
    expect(info.instructions[1]).toMatchObject({ keyword: 'RUN', line: 2, endLine: 4, text: 'RUN apt-get update && apt-get install -y git' });
  });

  it('has nothing for an empty file', () => {
    expect(analyzeDockerfile('')).toEqual({ instructions: [], stages: [], declaresBase: false, finalStageUsesBase: false });
  });
});

describe('analyzeDockerfile: stages', () => {
  it('lists every stage with its name, image as written and line', () => {
    const text = [
      'ARG GO=1.24',
      'FROM golang:${GO} AS build',
      'RUN go build -o /out/tool ./cmd/tool',
      '',
      'FROM --platform=linux/amd64 alpine:3.20 as certs',
      'FROM ${BASE}',
      'COPY --from=build /out/tool /usr/local/bin/tool',
    ].join('\n');
    expect(analyzeDockerfile(text).stages).toEqual([
      { index: 0, name: 'build', image: 'golang:${GO}', line: 2 },
      { index: 1, name: 'certs', image: 'alpine:3.20', line: 5 },
      { index: 2, name: null, image: '${BASE}', line: 6 },
    ]);
  });

  it('multi-stage with a builder FROM golang: the final FROM ${BASE} stage uses BASE', () => {
    const text = 'FROM golang:1.24 AS builder\nRUN go build ./...\nFROM ${BASE}\nCOPY --from=builder /go/bin/app /usr/local/bin/\n';
    const info = analyzeDockerfile(text);
    expect(info.stages.map((s) => s.image)).toEqual(['golang:1.24', '${BASE}']);
    expect(info.finalStageUsesBase).toBe(true);
    expect(info.declaresBase).toBe(false);
  });

  it('a final stage FROM golang does not use BASE, even when an earlier stage does', () => {
    const info = analyzeDockerfile('FROM ${BASE} AS base\nRUN x\nFROM golang:1.24\nCOPY --from=base /x /x\n');
    expect(info.finalStageUsesBase).toBe(false);
  });

  it.each([
    ['FROM ${BASE}', true],
    ['FROM $BASE', true],
    ['FROM ${BASE} AS final', true],
    ['FROM --platform=$BUILDPLATFORM ${BASE}', true],
    ['FROM ${BASE:-ubuntu:24.04}', true],
    ['FROM ${BASE:+x}', true],
    ['FROM ubuntu:24.04', false],
    ['FROM ${BASE_IMAGE}', false],
    ['FROM $BASEIMAGE', false],
    ['FROM ${BASE}-slim', false],
    ['FROM base', false],
  ])('%s → final stage uses BASE: %s', (from, expected) => {
    expect(analyzeDockerfile(`ARG BASE\n${from}\nRUN true\n`).finalStageUsesBase).toBe(expected);
  });

  it('follows the final stage through stage aliases back to ${BASE}', () => {
    const text = 'FROM ${BASE} AS base\nRUN a\nFROM base AS tools\nRUN b\nFROM golang:1.24 AS build\nRUN c\nFROM tools\nCOPY --from=build /x /x\n';
    expect(analyzeDockerfile(text).finalStageUsesBase).toBe(true);
  });

  it('matches stage aliases case-insensitively, as Docker does', () => {
    expect(analyzeDockerfile('FROM $BASE AS Base\nFROM BASE AS Mid\nFROM mid\n').finalStageUsesBase).toBe(true);
  });

  it('does not follow an alias to a builder stage that is not built on BASE', () => {
    expect(analyzeDockerfile('FROM golang:1.24 AS builder\nFROM builder\n').finalStageUsesBase).toBe(false);
  });

  it('only follows names of earlier stages (a later stage or an unknown name is an image)', () => {
    expect(analyzeDockerfile('FROM later\nFROM ${BASE} AS later\nFROM later AS x\nFROM other\n').finalStageUsesBase).toBe(false);
  });

  it('does not loop on a stage named like the image it is built from', () => {
    expect(analyzeDockerfile('FROM x AS x\nFROM x AS y\nFROM y\n').finalStageUsesBase).toBe(false);
  });
});

describe('analyzeDockerfile: declaresBase', () => {
  it.each([
    ['ARG BASE\nFROM ${BASE}\n', true],
    ['ARG BASE=ubuntu:24.04\nFROM ${BASE}\n', true],
    ['ARG BASE="ubuntu:24.04"\nFROM ${BASE}\n', true],
    ['arg BASE\nFROM ${BASE}\n', true],
    ['# syntax=docker/dockerfile:1\n# a comment\nARG BASE\nFROM ${BASE}\n', true],
    ['ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n', false],
    ['ARG BASEIMAGE=x\nFROM x\n', false],
    ['FROM ${BASE}\nARG BASE\n', false],
    ['FROM ubuntu\n', false],
  ])('%j → %s', (text, expected) => {
    expect(analyzeDockerfile(text).declaresBase).toBe(expected);
  });
});

describe('injectArgBase', () => {
  it('puts ARG BASE on the first line when there are no parser directives', () => {
    const result = injectArgBase('FROM ${BASE}\nRUN true\n');
    expect(result).toEqual({ text: 'ARG BASE\nFROM ${BASE}\nRUN true\n', injected: true });
  });

  it.each([
    ['# syntax=docker/dockerfile:1'],
    ['# escape=`'],
    ['# escape=\\'],
    ['# check=skip=all'],
    ['# check=error=true'],
    ['#syntax=docker/dockerfile:1.7'],
    ['#  syntax = docker/dockerfile:1'],
    ['# SYNTAX=docker/dockerfile:1'],
  ])('keeps the directive %j first and injects right after it', (directive) => {
    const result = injectArgBase(`${directive}\nFROM \${BASE}\n`);
    expect(result.injected).toBe(true);
    expect(linesOf(result.text)).toEqual([directive, 'ARG BASE', 'FROM ${BASE}', '']);
  });

  it('injects after all directives when there are several of them', () => {
    const text = '# syntax=docker/dockerfile:1\n# escape=\\\n# check=skip=JSONArgsRecommended\nFROM ${BASE}\n';
    expect(linesOf(injectArgBase(text).text)).toEqual([
      '# syntax=docker/dockerfile:1',
      '# escape=\\',
      '# check=skip=JSONArgsRecommended',
      'ARG BASE',
      'FROM ${BASE}',
      '',
    ]);
  });

  it('treats a directive after a comment as a comment (injects at the top)', () => {
    expect(linesOf(injectArgBase('# my image\n# syntax=docker/dockerfile:1\nFROM ${BASE}\n').text)[0]).toBe('ARG BASE');
  });

  it('stops at the first blank line: later directive-looking lines are comments', () => {
    expect(linesOf(injectArgBase('# syntax=docker/dockerfile:1\n\n# escape=`\nFROM ${BASE}\n').text)).toEqual([
      '# syntax=docker/dockerfile:1',
      'ARG BASE',
      '',
      '# escape=`',
      'FROM ${BASE}',
      '',
    ]);
  });

  it('keeps CRLF line endings, including on the injected line', () => {
    const result = injectArgBase('FROM ${BASE}\r\nRUN true\r\n');
    expect(result.text).toBe('ARG BASE\r\nFROM ${BASE}\r\nRUN true\r\n');
  });

  it('keeps CRLF with directives, with no bare LF anywhere', () => {
    const text = '# syntax=docker/dockerfile:1\r\n# check=skip=all\r\nFROM $BASE\r\nRUN a \\\r\n  b\r\n';
    const result = injectArgBase(text);
    expect(result.text).toBe('# syntax=docker/dockerfile:1\r\n# check=skip=all\r\nARG BASE\r\nFROM $BASE\r\nRUN a \\\r\n  b\r\n');
    expect(result.text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('works without a trailing newline, and on an empty file', () => {
    expect(injectArgBase('FROM ${BASE}').text).toBe('ARG BASE\nFROM ${BASE}');
    expect(injectArgBase('# syntax=docker/dockerfile:1').text).toBe('# syntax=docker/dockerfile:1\nARG BASE');
    expect(injectArgBase('')).toEqual({ text: 'ARG BASE\n', injected: true });
  });

  it('skips a leading byte order mark before a directive', () => {
    expect(injectArgBase('\uFEFF# syntax=docker/dockerfile:1\nFROM ${BASE}\n').text).toBe('\uFEFF# syntax=docker/dockerfile:1\nARG BASE\nFROM ${BASE}\n');
  });

  it('keeps a leading byte order mark first when there is no directive (a BOM on line 2 breaks FROM)', () => {
    // Docker strips a BOM from the first line only; moved below ARG BASE it would glue onto FROM.
    const result = injectArgBase('\uFEFFFROM ${BASE}\nRUN true\n');
    expect(result.injected).toBe(true);
    expect(result.text.indexOf('\uFEFF')).toBeLessThanOrEqual(0);
    const info = analyzeDockerfile(result.text);
    expect(info.instructions.map((i) => i.keyword)).toEqual(['ARG', 'FROM', 'RUN']);
    expect(info.finalStageUsesBase).toBe(true);
  });

  it.each([
    'ARG BASE\nFROM ${BASE}\n',
    'ARG BASE=ubuntu:24.04\nFROM ${BASE}\n',
    '# syntax=docker/dockerfile:1\nARG BASE\nFROM ${BASE}\n',
    'ARG VERSION=1\nARG BASE\nFROM ${BASE}\n',
    'ARG BASE\r\nFROM ${BASE}\r\n',
  ])('leaves %j alone: it already declares ARG BASE', (text) => {
    expect(injectArgBase(text)).toEqual({ text, injected: false });
  });

  it('still injects when ARG BASE only appears inside a stage (it does not reach FROM)', () => {
    const result = injectArgBase('FROM ${BASE}\nARG BASE\n');
    expect(result).toEqual({ text: 'ARG BASE\nFROM ${BASE}\nARG BASE\n', injected: true });
  });

  it('still injects when only a look-alike such as ARG BASE_IMAGE is declared', () => {
    expect(injectArgBase('ARG BASE_IMAGE\nFROM ${BASE}\n').injected).toBe(true);
  });

  it('is idempotent and leaves a file that declares BASE before the first FROM', () => {
    const once = injectArgBase('# syntax=docker/dockerfile:1\nFROM golang:1.24 AS build\nFROM ${BASE}\n');
    const info = analyzeDockerfile(once.text);
    expect(info.declaresBase).toBe(true);
    expect(info.stages.map((s) => s.line)).toEqual([3, 4]);
    expect(info.instructions[0]).toMatchObject({ keyword: 'ARG', text: 'ARG BASE', line: 2, stage: -1 });
    expect(injectArgBase(once.text)).toEqual({ text: once.text, injected: false });
  });
});
