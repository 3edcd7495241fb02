import crypto from 'node:crypto';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { imageLayers, instructionOf, type KnownDockerfile } from '../../core/images/layers.ts';

describe('instructionOf', () => {
  it.each([
    ['/bin/sh -c #(nop)  ENV A=1', 'ENV A=1'],
    ['/bin/sh -c #(nop) ENV A=1', 'ENV A=1'],
    ['/bin/sh -c #(nop)  CMD ["/bin/bash"]', 'CMD ["/bin/bash"]'],
    ['/bin/sh -c #(nop) COPY dir:0123abcd in /src ', 'COPY dir:0123abcd in /src'],
    ['/bin/sh -c #(nop)  LABEL dev.paddock.role=overlay', 'LABEL dev.paddock.role=overlay'],
    ['/bin/sh -c apt-get update', 'RUN apt-get update'],
    ['/bin/sh -c apt-get update &&     apt-get install -y git', 'RUN apt-get update &&     apt-get install -y git'],
    ['/bin/bash -c set -o pipefail && make', 'RUN set -o pipefail && make'],
    ['|1 BASE=x /bin/sh -c make', 'RUN make'],
    ['|1 BASE=paddock-base:embedded-0123456789ab /bin/sh -c make install', 'RUN make install'],
    ['|2 BASE=x DEBIAN_FRONTEND=noninteractive /bin/sh -c apt-get update', 'RUN apt-get update'],
    ['|1 EMPTY= /bin/sh -c true', 'RUN true'],
    ['/bin/sh -c printf "a\\nb"\nmore', 'RUN printf "a\\nb"\nmore'],
  ])('%j → %j', (createdBy, expected) => {
    expect(instructionOf(createdBy)).toBe(expected);
  });

  it('passes BuildKit-style and unknown history through as written', () => {
    expect(instructionOf('RUN /bin/sh -c make # buildkit')).toBe('RUN /bin/sh -c make # buildkit');
    expect(instructionOf('COPY . /src # buildkit')).toBe('COPY . /src # buildkit');
    expect(instructionOf('  something else  ')).toBe('something else');
  });

  it('shows the comment for an entry without CreatedBy, or says there is no history', () => {
    expect(instructionOf('', 'Imported from -')).toBe('(Imported from -)');
    expect(instructionOf('', '')).toBe('(no history)');
    expect(instructionOf('')).toBe('(no history)');
  });

  it('ignores the comment when there is a CreatedBy', () => {
    expect(instructionOf('/bin/sh -c make', 'a comment')).toBe('RUN make');
  });

  it('is fast on a long build-arg prefix with no command after it', () => {
    const createdBy = `|40 ${Array.from({ length: 40 }, (_, i) => `A${i}=b=c=d=e=f`).join(' ')}`;
    const started = performance.now();
    instructionOf(createdBy);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('imageLayers', () => {
  const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
  const OVERLAY_ID = `sha256:${'c'.repeat(64)}`;
  const EMBEDDED_ID = `sha256:${'b'.repeat(64)}`;
  const UBUNTU_ID = `sha256:${'a'.repeat(64)}`;
  /** The overlay as built (after `ARG BASE` injection on line 1). */
  const OVERLAY_TEXT = 'ARG BASE\nFROM ${BASE}\nENV A=1\nCOPY . /src\nRUN make\n';

  /** An engine with ubuntu, the embedded base built on it and an overlay on that; history newest first. */
  function engine(): Docker {
    const images: Record<string, { Id: string; Size: number; Config: { Labels: Record<string, string> } }> = {
      'paddock-web:0123456789ab': {
        Id: OVERLAY_ID,
        Size: 75_500,
        Config: { Labels: { 'dev.paddock.role': 'overlay', 'dev.paddock.base': EMBEDDED_ID, 'dev.paddock.dockerfile-sha256': sha256(OVERLAY_TEXT) } },
      },
      [EMBEDDED_ID]: { Id: EMBEDDED_ID, Size: 75_000, Config: { Labels: { 'dev.paddock.role': 'embedded', 'dev.paddock.from': 'ubuntu:24.04' } } },
      'ubuntu:24.04': { Id: UBUNTU_ID, Size: 70_000, Config: { Labels: {} } },
    };
    images[OVERLAY_ID] = images['paddock-web:0123456789ab'] as (typeof images)[string];
    const history = [
      { Id: OVERLAY_ID, Created: 1_700_000_400, CreatedBy: '/bin/sh -c #(nop)  LABEL dev.paddock.role=overlay', Size: 0 },
      { Id: 'sha256:r', Created: 1_700_000_300, CreatedBy: '|1 BASE=paddock-base:embedded-0123456789ab /bin/sh -c make', Size: 300 },
      { Id: 'sha256:q', Created: 1_700_000_300, CreatedBy: '/bin/sh -c #(nop) COPY dir:0123 in /src ', Size: 200 },
      { Id: 'sha256:p', Created: 1_700_000_300, CreatedBy: '/bin/sh -c #(nop)  ENV A=1', Size: 0 },
      { Id: EMBEDDED_ID, Created: 1_700_000_200, CreatedBy: '/bin/sh -c #(nop)  LABEL dev.paddock.role=embedded', Size: 0 },
      { Id: 'sha256:e', Created: 1_700_000_100, CreatedBy: '/bin/sh -c apt-get install -y git', Size: 5_000 },
      { Id: UBUNTU_ID, Created: 1_600_000_000, CreatedBy: '/bin/sh -c #(nop)  CMD ["/bin/bash"]', Size: 0 },
      { Id: '<missing>', Created: 1_600_000_000, CreatedBy: '/bin/sh -c #(nop) ADD file:abc in / ', Size: 70_000 },
    ];
    return {
      getImage: (reference: string) => ({
        inspect: async () => {
          const image = images[reference];
          if (!image) throw Object.assign(new Error('no such image'), { statusCode: 404 });
          return image;
        },
        history: async () => (reference === OVERLAY_ID ? history : []),
      }),
    } as unknown as Docker;
  }

  it('groups the layers into upstream, embedded and overlay, oldest first, without Paddock’s label steps', async () => {
    const result = await imageLayers(engine(), 'paddock-web:0123456789ab');
    expect(result.id).toBe(OVERLAY_ID);
    expect(result.layers.map((l) => [l.index, l.part, l.instruction, l.size])).toEqual([
      [0, 'upstream', 'ADD file:abc in /', 70_000],
      [1, 'upstream', 'CMD ["/bin/bash"]', 0],
      [2, 'embedded', 'RUN apt-get install -y git', 5_000],
      [3, 'overlay', 'ENV A=1', 0],
      [4, 'overlay', 'COPY dir:0123 in /src', 200],
      [5, 'overlay', 'RUN make', 300],
    ]);
    expect(result.parts).toEqual([
      { part: 'upstream', size: 70_000, layers: 2 },
      { part: 'embedded', size: 5_000, layers: 1 },
      { part: 'overlay', size: 500, layers: 3 },
    ]);
    expect(result.layers[0]?.id).toBeNull();
    expect(result.layers[0]?.created).toBe(new Date(1_600_000_000_000).toISOString());
  });

  it('points overlay layers at the lines of the user’s Dockerfile it still has', async () => {
    const known: KnownDockerfile = { text: OVERLAY_TEXT, source: '/home/alice/proj/Dockerfile', userLine: (line) => (line > 1 ? line - 1 : line) };
    const result = await imageLayers(engine(), 'paddock-web:0123456789ab', [known]);
    expect(result.layers.map((l) => [l.instruction, l.source, l.line])).toEqual([
      ['ADD file:abc in /', null, null],
      ['CMD ["/bin/bash"]', null, null],
      ['RUN apt-get install -y git', null, null],
      ['ENV A=1', '/home/alice/proj/Dockerfile', 2],
      ['COPY dir:0123 in /src', '/home/alice/proj/Dockerfile', 3],
      ['RUN make', '/home/alice/proj/Dockerfile', 4],
    ]);
  });

  it('does not point at lines of a Dockerfile whose text changed since the build', async () => {
    const known: KnownDockerfile = { text: `${OVERLAY_TEXT}# edited\n`, source: '/home/alice/proj/Dockerfile', userLine: (line) => line };
    const result = await imageLayers(engine(), 'paddock-web:0123456789ab', [known]);
    expect(result.layers.every((l) => l.source === null && l.line === null)).toBe(true);
  });
});
