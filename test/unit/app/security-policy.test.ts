import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  buildCsp,
  isNavigationAllowed,
  isPermissionAllowed,
  resolveAppAsset,
} from '../../../src/main/app/security-policy.ts';

describe('CSP', () => {
  const csp = buildCsp();
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)] as const));

  it('allows only the app itself to run script, with no inline script, eval or remote origin', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-(inline|eval)|wasm-unsafe|https?:|\*/);
  });

  it('adds only the named connect sources for the e2e harness', () => {
    expect(buildCsp(['ws://127.0.0.1:1234/ipc'])).toContain('connect-src ws://127.0.0.1:1234/ipc');
  });
});

describe('permissions', () => {
  const base = { permission: 'media', requestingOrigin: `${APP_ORIGIN}/index.html`, isMainFrame: true };
  it('grants video capture to the app origin, top frame only', () => {
    expect(isPermissionAllowed({ ...base, mediaTypes: ['video'] })).toBe(true);
    expect(isPermissionAllowed(base)).toBe(true); // a permission check carries no media types
  });
  it.each([
    ['microphone', { ...base, mediaTypes: ['audio'] }],
    ['camera + microphone', { ...base, mediaTypes: ['video', 'audio'] }],
    ['empty media request', { ...base, mediaTypes: [] }],
    ['other origin', { ...base, requestingOrigin: 'https://evil.example', mediaTypes: ['video'] }],
    ['lookalike origin', { ...base, requestingOrigin: 'app://facevault.evil/', mediaTypes: ['video'] }],
    ['sub-frame', { ...base, isMainFrame: false, mediaTypes: ['video'] }],
    ['notifications', { ...base, permission: 'notifications' }],
    ['display capture', { ...base, permission: 'display-capture' }],
    ['garbage origin', { ...base, requestingOrigin: 'not a url' }],
  ])('denies %s', (_n, q) => {
    expect(isPermissionAllowed(q)).toBe(false);
  });
});

describe('navigation', () => {
  it('denies every navigation', () => {
    for (const u of [
      `${APP_ORIGIN}/index.html`,
      'https://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
    ]) {
      expect(isNavigationAllowed(u)).toBe(false);
    }
  });
});

describe('app:// asset resolution', () => {
  const root = '/opt/facevault/resources/app/out/renderer';
  it('maps app paths under the renderer root', () => {
    expect(resolveAppAsset(root, 'app://facevault/')).toBe(`${root}/index.html`);
    expect(resolveAppAsset(root, 'app://facevault/assets/index-1.js')).toBe(`${root}/assets/index-1.js`);
    expect(resolveAppAsset(root, 'app://facevault/index.html?x=1#y')).toBe(`${root}/index.html`);
  });
  it('keeps dot-segments folded by the URL parser inside the root', () => {
    expect(resolveAppAsset(root, 'app://facevault/../../etc/passwd')).toBe(`${root}/etc/passwd`);
    expect(resolveAppAsset(root, 'app://facevault/%2e%2e/%2e%2e/etc/passwd')).toBe(`${root}/etc/passwd`);
  });
  it.each([
    'app://facevault/assets/..%2f..%2f..%2fetc/passwd',
    'app://facevault/assets%5c..%5c..%5csecret',
    'app://facevault/a%00.js',
    'app://facevault/%E0%A4%A',
    'app://other/index.html',
    'https://facevault/index.html',
    'file:///etc/passwd',
    'not a url',
  ])('refuses %s', (u) => {
    expect(resolveAppAsset(root, u)).toBeNull();
  });
});
