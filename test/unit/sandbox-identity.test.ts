import { describe, expect, it } from 'vitest';
import { decideAgentIdentity, type EngineFacts } from '../../core/sandbox/identity.ts';

const linuxEngine: EngineFacts = { localSocket: true, operatingSystem: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-18-amd64', name: 'build-box', securityOptions: ['name=seccomp,profile=default'] };

describe('decideAgentIdentity', () => {
  it("takes the host user's IDs on a Linux host with a local rootful engine", () => {
    expect(decideAgentIdentity('linux', { uid: 1001, gid: 1002 }, linuxEngine)).toMatchObject({ uid: 1001, gid: 1002, remapped: true });
  });

  it('keeps 1000 when Paddock runs as root: the agent is never 0', () => {
    expect(decideAgentIdentity('linux', { uid: 0, gid: 0 }, linuxEngine)).toMatchObject({ uid: 1000, gid: 1000, remapped: false });
  });

  it('never puts the agent in group 0', () => {
    expect(decideAgentIdentity('linux', { uid: 1001, gid: 0 }, linuxEngine)).toMatchObject({ uid: 1001, gid: 1000, remapped: true });
  });

  it("keeps 1000 with the Docker sidecar, whose socket is 1000's", () => {
    expect(decideAgentIdentity('linux', { uid: 1001, gid: 1001 }, linuxEngine, { dockerSidecar: true })).toMatchObject({ uid: 1000, remapped: false });
  });

  it('needs no layer for a host user who is 1000:1000', () => {
    expect(decideAgentIdentity('linux', { uid: 1000, gid: 1000 }, linuxEngine).remapped).toBe(false);
  });

  it('keeps 1000 on macOS and Windows, and on VM-backed, rootless and remote engines', () => {
    const user = { uid: 501, gid: 20 };
    expect(decideAgentIdentity('darwin', user, linuxEngine).remapped).toBe(false);
    expect(decideAgentIdentity('win32', user, linuxEngine).remapped).toBe(false);
    for (const engine of [
      { ...linuxEngine, operatingSystem: 'Docker Desktop', kernel: '6.10.14-linuxkit' },
      { ...linuxEngine, operatingSystem: 'OrbStack' },
      { ...linuxEngine, name: 'colima' },
      { ...linuxEngine, securityOptions: ['name=seccomp,profile=default', 'name=rootless', 'name=cgroupns'] },
      { ...linuxEngine, localSocket: false },
    ]) {
      expect(decideAgentIdentity('linux', { uid: 1001, gid: 1001 }, engine)).toMatchObject({ uid: 1000, gid: 1000, remapped: false });
    }
  });
});
