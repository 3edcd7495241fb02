import type { HtmlTagDescriptor, Plugin, UserConfig } from 'vite';
import { describe, expect, it } from 'vitest';
import { PAGE_META_POLICY } from '../../core/api/csp.ts';
import { securityHeaders } from '../../core/api/serve.ts';
import { contentSecurityPolicy as electronPolicy } from '../../electron/window.ts';
import viteConfig from '../../renderer/vite.config.ts';

const directives = (csp: string) => new Map(csp.split('; ').map((part) => [part.split(' ')[0] ?? '', part.split(' ').slice(1)]));

/** Whether a source list allows a source: the same source, or a host source with a port wildcard that covers it. */
function allows(sources: string[], source: string): boolean {
  return sources.some((allowed) => allowed === source || (allowed.endsWith(':*') && source.startsWith(allowed.slice(0, -1)) && /^\d+$/.test(source.slice(allowed.length - 1))));
}

describe('the CSP in the page itself (a <meta>), beside the one each host sends', () => {
  const meta = directives(PAGE_META_POLICY);

  it('is as strict as the hosts’ own: the app’s files only, no inline script or eval, no plugins, frames or forms', () => {
    for (const name of ['default-src', 'script-src', 'style-src', 'img-src', 'font-src', 'worker-src']) expect(meta.get(name), name).toEqual(["'self'"]);
    for (const name of ['object-src', 'frame-src', 'base-uri', 'form-action']) expect(meta.get(name), name).toEqual(["'none'"]);
    expect(meta.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:*', 'ws://localhost:*']);
    expect(PAGE_META_POLICY).not.toMatch(/unsafe|data:|http:/);
  });

  it('leaves out what a <meta> cannot carry, which browsers ignore and warn about', () => {
    expect(meta.has('frame-ancestors')).toBe(false);
    expect(meta.has('report-uri')).toBe(false);
    expect(meta.has('sandbox')).toBe(false);
  });

  it('blocks nothing that paddock serve or the Electron window allows: both policies apply, so the page gets what both allow', () => {
    for (const header of [securityHeaders(41234)['Content-Security-Policy'] ?? '', electronPolicy()]) {
      for (const [name, sources] of directives(header)) {
        if (name === 'frame-ancestors') continue;
        for (const source of sources) expect(allows(meta.get(name) ?? [], source), `${name} ${source}`).toBe(true);
      }
    }
  });

  it('is put first in the built index.html by the renderer’s Vite config, and left out of the dev server (whose React preamble is inline)', async () => {
    const config = viteConfig as UserConfig;
    const plugin = (config.plugins ?? []).flat().find((candidate: unknown): candidate is Plugin => Boolean(candidate && typeof candidate === 'object' && 'name' in candidate && candidate.name === 'paddock-csp-meta'));
    expect(plugin?.apply).toBe('build');
    const transform = plugin?.transformIndexHtml as () => HtmlTagDescriptor[];
    expect(transform()).toEqual([{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: PAGE_META_POLICY }, injectTo: 'head-prepend' }]);
  });
});
