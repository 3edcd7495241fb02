import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHttpError, lazyDocker, lightEngine } from '../../core/docker/lazy.ts';
import { demuxToText } from '../../core/docker/streams.ts';

/** A small HTTP server on a Unix socket that answers like the Engine API and records each request. */
describe('the light engine client and the lazy dockerode', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-lazy-'));
  const socketPath = path.join(dir, 'engine.sock');
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/_ping') return response.end('OK');
    if (request.url?.startsWith('/containers/json')) return json(200, [{ Id: 'abc', Labels: {} }]);
    if (request.url === '/containers/abc/json') return json(200, { Id: 'abc', State: { Running: true } });
    if (request.url?.startsWith('/containers/abc/logs')) {
      // One stdout frame: an 8-byte header (stream 1, length) and the bytes, with no content type,
      // as engines before API 1.42 send them. The length's low byte is above 0x7f: not UTF-8.
      response.writeHead(200);
      const payload = Buffer.from(`${'rules installed '.repeat(9)}\n`);
      const header = Buffer.alloc(8);
      header[0] = 1;
      header.writeUInt32BE(payload.length, 4);
      return response.end(Buffer.concat([header, payload]));
    }
    if (request.url === '/images/paddock-test/debian:bookworm/json') return json(200, { Id: 'sha256:1' });
    return json(404, { message: `No such object: ${request.url}` });
  });

  beforeAll(() => new Promise<void>((resolve) => server.listen(socketPath, resolve)));
  afterAll(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('GETs JSON, with the query encoded', async () => {
    const engine = lightEngine({ socketPath });
    expect(await engine?.get('/containers/json', { all: 'true', filters: '{"label":["a=b"]}' })).toEqual([{ Id: 'abc', Labels: {} }]);
    expect(requests.at(-1)).toBe('GET /containers/json?all=true&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D');
  });

  it('fails like dockerode: statusCode and the engine\'s message', async () => {
    const failure = await lightEngine({ socketPath })?.get('/containers/nope/json').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineHttpError);
    expect(failure).toMatchObject({ statusCode: 404, json: { message: 'No such object: /containers/nope/json' } });
    expect((failure as Error).message).toBe('(HTTP code 404) not found - No such object: /containers/nope/json');
  });

  it('has no light path over SSH', () => {
    expect(lightEngine({ protocol: 'ssh', host: 'example.com' } as Docker.DockerOptions)).toBeNull();
  });

  it('answers pings, lists and inspects without loading dockerode', async () => {
    let loads = 0;
    const docker = lazyDocker({ socketPath }, async () => {
      loads++;
      return {} as Docker;
    });
    await docker.ping();
    expect(await docker.listContainers({ all: true })).toHaveLength(1);
    const container = docker.getContainer('abc');
    expect(container.id).toBe('abc');
    expect(await container.inspect()).toMatchObject({ State: { Running: true } });
    expect(await docker.getImage('paddock-test/debian:bookworm').inspect()).toEqual({ Id: 'sha256:1' });
    const output = await container.logs({ follow: false, stdout: true, stderr: true, since: '1700000000.5', timestamps: true, tail: 20 });
    expect(demuxToText(output)).toBe(`${'rules installed '.repeat(9)}\n`);
    expect(requests.at(-1)).toBe('GET /containers/abc/logs?stdout=true&stderr=true&since=1700000000.5&timestamps=true&tail=20');
    expect(loads).toBe(0);
  });

  it('loads dockerode once, on the first call that needs it, and hands it the call', async () => {
    let loads = 0;
    const started: string[] = [];
    const real = {
      createNetwork: async (options: { Name: string }) => `created ${options.Name}`,
      getContainer: (id: string) => ({ start: async () => started.push(id) }),
    };
    const docker = lazyDocker({ socketPath }, async () => {
      loads++;
      return real as unknown as Docker;
    });
    expect(await docker.createNetwork({ Name: 'n' })).toBe('created n');
    await docker.getContainer('abc').start();
    expect(started).toEqual(['abc']);
    expect(loads).toBe(1);
  });

  it('is not mistaken for a promise when awaited', async () => {
    const docker = lazyDocker({ socketPath }, async () => {
      throw new Error('must not load');
    });
    expect(await Promise.resolve(docker)).toBe(docker);
    expect(await Promise.resolve(docker.getContainer('abc'))).toHaveProperty('id', 'abc');
  });
});
