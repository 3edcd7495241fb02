import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { discoverEndpoints, DockerConnectionError, endpointFromAddress, type DiscoveryEnvironment } from '../../core/docker/connect.ts';

function discovery(files: Record<string, string>, env: NodeJS.ProcessEnv = {}, platform: NodeJS.Platform = 'linux'): DiscoveryEnvironment {
  return {
    env,
    home: '/home/alice',
    platform,
    exists: (file) => file in files || Object.keys(files).some((known) => known.startsWith(`${file}/`)),
    readText: (file) => {
      const text = files[file];
      if (text === undefined) throw new Error(`ENOENT ${file}`);
      return text;
    },
  };
}

const contextId = (name: string) => crypto.createHash('sha256').update(name).digest('hex');

describe('engine discovery', () => {
  it('uses DOCKER_HOST alone when it is set', () => {
    const found = discoverEndpoints(discovery({ '/var/run/docker.sock': '' }, { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }));
    expect(found.explicit).toBe(true);
    expect(found.endpoints).toHaveLength(1);
    expect(found.endpoints[0]?.options).toEqual({ socketPath: '/run/user/1000/docker.sock' });
    expect(found.endpoints[0]?.source).toBe('DOCKER_HOST');
  });

  it('reads TLS material for tcp:// when DOCKER_TLS_VERIFY is set', () => {
    const files = { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' };
    const found = discoverEndpoints(discovery(files, { DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }));
    expect(found.endpoints[0]?.options).toMatchObject({ protocol: 'https', host: '10.0.0.5', port: 2376, ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: true });
  });

  it('uses plain http for tcp:// without TLS variables, on port 2375 by default', () => {
    expect(endpointFromAddress('tcp://engine.local', 'DOCKER_HOST', null).options).toEqual({ protocol: 'http', host: 'engine.local', port: 2375 });
  });

  it('understands ssh:// and npipe:// addresses', () => {
    expect(endpointFromAddress('ssh://bob@build-box:2222', 'DOCKER_HOST', null).options).toMatchObject({ protocol: 'ssh', host: 'build-box', port: '2222', username: 'bob' });
    expect(endpointFromAddress('npipe:////./pipe/docker_engine', 'DOCKER_HOST', null).options).toEqual({ socketPath: '//./pipe/docker_engine' });
  });

  it('refuses unknown schemes and non-addresses with what to use instead', () => {
    expect(() => endpointFromAddress('fd://', 'DOCKER_HOST', null)).toThrow(/unix:\/\/, tcp:\/\/, ssh:\/\/ or npipe:\/\//);
    expect(() => endpointFromAddress('/var/run/docker.sock', 'DOCKER_HOST', null)).toThrow(DockerConnectionError);
  });

  it('follows the current docker context from ~/.docker/config.json', () => {
    const meta = `/home/alice/.docker/contexts/meta/${contextId('colima')}/meta.json`;
    const files = {
      '/home/alice/.docker/config.json': JSON.stringify({ currentContext: 'colima' }),
      [meta]: JSON.stringify({ Name: 'colima', Endpoints: { docker: { Host: 'unix:///home/alice/.colima/default/docker.sock' } } }),
    };
    const found = discoverEndpoints(discovery(files));
    expect(found.explicit).toBe(true);
    expect(found.endpoints[0]).toMatchObject({ source: 'docker context "colima"', options: { socketPath: '/home/alice/.colima/default/docker.sock' } });
  });

  it('lets DOCKER_CONTEXT override the config file, and DOCKER_CONFIG move the folder', () => {
    const meta = `/cfg/contexts/meta/${contextId('remote')}/meta.json`;
    const files = { [meta]: JSON.stringify({ Endpoints: { docker: { Host: 'tcp://remote:2375' } } }) };
    const found = discoverEndpoints(discovery(files, { DOCKER_CONTEXT: 'remote', DOCKER_CONFIG: '/cfg' }));
    expect(found.endpoints[0]?.options).toMatchObject({ host: 'remote', port: '2375' });
  });

  it('says how to fix a current context that does not exist', () => {
    const files = { '/home/alice/.docker/config.json': JSON.stringify({ currentContext: 'gone' }) };
    expect(() => discoverEndpoints(discovery(files))).toThrow(/"gone", but it does not exist.*docker context ls/);
  });

  it('treats the "default" context as no context', () => {
    const files = { '/home/alice/.docker/config.json': JSON.stringify({ currentContext: 'default' }), '/var/run/docker.sock': '' };
    expect(discoverEndpoints(discovery(files)).endpoints[0]?.source).toBe('default socket');
  });

  it('tries only the well-known sockets that exist, in order, and lists the missing ones', () => {
    const files = { '/home/alice/.orbstack/run/docker.sock': '', '/run/user/1000/podman/podman.sock': '' };
    const found = discoverEndpoints(discovery(files, { XDG_RUNTIME_DIR: '/run/user/1000' }));
    expect(found.explicit).toBe(false);
    expect(found.endpoints.map((e) => e.source)).toEqual(['OrbStack socket', 'Podman socket (rootless)']);
    expect(found.missing).toContain('/var/run/docker.sock');
  });

  it('uses named pipes on Windows', () => {
    const found = discoverEndpoints(discovery({}, {}, 'win32'));
    expect(found.endpoints[0]).toMatchObject({ address: 'npipe:////./pipe/docker_engine', options: { socketPath: '//./pipe/docker_engine' } });
  });
});
