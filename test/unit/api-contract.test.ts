import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ApiCallError,
  apiErrorSchema,
  callNames,
  calls,
  configEditSchema,
  eventNames,
  events,
  isCallName,
  progressEventSchema,
  tomlValueSchema,
} from '../../core/api/contract.ts';
import { clientMessageSchema, serverMessageSchema } from '../../core/api/ws-protocol.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** Module specifiers of static and dynamic imports and re-exports. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((match) => match[1] ?? '');
}

describe('the API contract', () => {
  it('lists every call and event by name', () => {
    expect(callNames).toEqual(Object.keys(calls));
    expect(eventNames).toEqual(Object.keys(events));
    expect(callNames).toEqual(expect.arrayContaining(['app.info', 'config.save', 'workspaces.up', 'logs.follow', 'images.layers']));
    expect(isCallName('workspaces.list')).toBe(true);
    expect(isCallName('toString')).toBe(false);
    expect(isCallName('__proto__')).toBe(false);
  });

  it('stays loadable in a browser: the contract, its domains and the socket protocol import zod and each other only', () => {
    const browserSafe = ['zod', './contract.ts', './primitives.ts', './net.contract.ts'];
    for (const file of ['core/api/contract.ts', 'core/api/ws-protocol.ts', 'core/api/primitives.ts', 'core/api/net.contract.ts']) {
      const imports = importsOf(fs.readFileSync(path.join(root, file), 'utf8'));
      expect(imports.filter((specifier) => !browserSafe.includes(specifier)), file).toEqual([]);
    }
  });

  it('takes no input as an empty object, and refuses unknown keys', () => {
    expect(calls['app.info'].input.safeParse({}).success).toBe(true);
    expect(calls['app.info'].input.safeParse({ extra: 1 }).success).toBe(false);
    expect(calls['workspaces.up'].input.safeParse({ workspace: 'web', force: true }).success).toBe(false);
  });

  it('refuses workspace names that could reach outside a label or a file name', () => {
    for (const workspace of ['../etc', 'Web', 'a b', '', 'a/b']) {
      expect(calls['workspaces.up'].input.safeParse({ workspace }).success, workspace).toBe(false);
    }
    expect(calls['workspaces.up'].input.safeParse({ workspace: 'web-2' }).success).toBe(true);
  });

  it('fills defaults on the way in', () => {
    expect(calls['logs.tail'].input.parse({ workspace: 'web' })).toEqual({ workspace: 'web', tail: 200 });
    expect(calls['images.build'].input.parse({ workspace: 'web' })).toEqual({ workspace: 'web', rebuild: false, pull: false });
    expect(calls['instances.stats'].input.parse({ workspace: 'web' })).toEqual({ workspace: 'web', service: 'agent' });
  });

  it('takes images.layers by workspace or by image, not both', () => {
    const input = calls['images.layers'].input;
    expect(input.safeParse({ workspace: 'web' }).success).toBe(true);
    expect(input.safeParse({ image: 'debian:bookworm' }).success).toBe(true);
    expect(input.safeParse({ workspace: 'web', image: 'x' }).success).toBe(false);
    expect(input.safeParse({}).success).toBe(false);
  });

  it('describes config edits as the editor applies them', () => {
    expect(configEditSchema.safeParse({ op: 'set', path: ['workspaces', 'web', 'memory'], value: '8g' }).success).toBe(true);
    expect(configEditSchema.safeParse({ op: 'add', path: ['workspaces', 'web', 'paths'], value: '~/src' }).success).toBe(true);
    expect(configEditSchema.safeParse({ op: 'createWorkspace', name: 'web', values: { cpu: 2, env: ['A=1'], nested: { a: [1, true] } } }).success).toBe(true);
    expect(configEditSchema.safeParse({ op: 'set', path: [], value: 1 }).success).toBe(false);
    expect(configEditSchema.safeParse({ op: 'set', path: ['a', -1], value: 1 }).success).toBe(false);
    expect(configEditSchema.safeParse({ op: 'rename', path: ['a'] }).success).toBe(false);
    expect(tomlValueSchema.safeParse(null).success).toBe(false);
    expect(tomlValueSchema.safeParse(Number.NaN).success).toBe(false);
  });

  it('carries build and launch progress', () => {
    const samples = [
      { type: 'plan', workspace: 'web', steps: [{ kind: 'embedded', source: 'embedded (full)', tag: 'paddock-base:embedded-1' }] },
      { type: 'step', tag: 't', step: 1, steps: 3, instruction: 'RUN make', line: 4 },
      { type: 'pull', tag: null, image: 'debian', layer: null, status: 'Pulling', current: null, total: null },
      { type: 'service', service: 'agent', action: 'recreated', id: 'abc' },
      { type: 'ready', workspace: 'web', port: 24001 },
      { type: 'stopped', removed: ['agent', 'firewall'] },
    ];
    for (const sample of samples) expect(progressEventSchema.safeParse(sample).success, sample.type).toBe(true);
    expect(progressEventSchema.safeParse({ type: 'step', tag: 't' }).success).toBe(false);
  });

  it('ends every operation with one of three outcomes', () => {
    const done = events['operation.done'];
    const base = { operation: 'op-1', kind: 'up', workspace: 'web' };
    expect(done.safeParse({ ...base, status: 'succeeded', result: { type: 'stopped', removed: [], volumesRemoved: [] } }).success).toBe(true);
    expect(done.safeParse({ ...base, status: 'failed', error: { name: 'LaunchError', code: 'launch-failed', message: 'no' } }).success).toBe(true);
    expect(done.safeParse({ ...base, status: 'cancelled' }).success).toBe(true);
    expect(done.safeParse({ ...base, status: 'failed' }).success).toBe(false);
  });

  it('turns an ApiError into something a client can throw and catch', () => {
    const error = new ApiCallError({ name: 'ConfigConflictError', code: 'config-conflict', message: 'changed on disk', details: { file: 'x' } });
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message, error.details]).toEqual(['ConfigConflictError', 'config-conflict', 'changed on disk', { file: 'x' }]);
    expect(apiErrorSchema.safeParse({ name: 'x', code: 'y' }).success).toBe(false);
  });
});

describe('the WebSocket protocol', () => {
  it('accepts calls with a string or number id, with or without input', () => {
    expect(clientMessageSchema.safeParse({ type: 'call', id: 1, method: 'app.info' }).success).toBe(true);
    expect(clientMessageSchema.safeParse({ type: 'call', id: 'a', method: 'logs.tail', input: { workspace: 'web' } }).success).toBe(true);
  });

  it('refuses anything else a client might send', () => {
    for (const message of [
      { type: 'result', id: 1, output: {} },
      { type: 'call', method: 'app.info' },
      { type: 'call', id: 1.5, method: 'app.info' },
      { type: 'call', id: {}, method: 'app.info' },
      { type: 'call', id: 1, method: '' },
      { type: 'call', id: 1, method: 'app.info', extra: true },
      null,
      [],
    ]) {
      expect(clientMessageSchema.safeParse(message).success, JSON.stringify(message)).toBe(false);
    }
  });

  it('describes what the server sends', () => {
    expect(serverMessageSchema.safeParse({ type: 'result', id: 1, output: null }).success).toBe(true);
    expect(serverMessageSchema.safeParse({ type: 'error', id: null, error: { name: 'P', code: 'invalid-message', message: 'no' } }).success).toBe(true);
    expect(serverMessageSchema.safeParse({ type: 'event', event: 'engine.changed', payload: {} }).success).toBe(true);
  });
});
