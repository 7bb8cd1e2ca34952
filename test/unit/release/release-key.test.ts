/**
 * A release build takes its vendor key from FACEVAULT_VENDOR_KEY_FILE only, and refuses every other
 * way: no key, the checkout's development key, a key inside the checkout, a key others can read, a
 * file that is not a vendor secret key. Each refusal has a stable code and never echoes key bytes.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadReleaseKey, ReleaseKeyError, VENDOR_KEY_ENV } from '../../../scripts/release/release-key.ts';
import { encodeVendorKeyList, encodeVendorSecretKey } from '../../../src/main/model/key-files.ts';

const base = mkdtempSync(join(tmpdir(), 'fv-relkey-'));
const root = join(base, 'checkout');
mkdirSync(join(root, 'build'), { recursive: true });
const keyFile = (dir: string, secret: Uint8Array, mode = 0o600) => {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, 'vendor.key.json');
  writeFileSync(p, encodeVendorSecretKey(secret), { mode });
  chmodSync(p, mode);
  return p;
};
const release = ed25519.keygen();
const dev = ed25519.keygen();
const releaseFile = keyFile(join(base, 'secrets'), release.secretKey);
// The development key lives outside the checkout in the new layout (a build cache), inside it in the old one.
const devKeyFiles = [
  keyFile(join(base, 'build-cache', 'vendor'), dev.secretKey),
  keyFile(join(root, 'build', 'vendor'), ed25519.keygen().secretKey),
];

const codeOf = (env: NodeJS.ProcessEnv): string => {
  try {
    loadReleaseKey({ root, devKeyFiles, env });
    return 'ok';
  } catch (e) {
    if (e instanceof ReleaseKeyError) {
      expect(e.message).not.toContain(Buffer.from(release.secretKey).toString('base64'));
      return e.code;
    }
    throw e;
  }
};

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('release vendor key', () => {
  it('accepts a vendor secret key outside the checkout, mode 0600, and returns its key pair', () => {
    const k = loadReleaseKey({ root, devKeyFiles, env: { [VENDOR_KEY_ENV]: releaseFile } });
    expect(Buffer.from(k.publicKey)).toEqual(Buffer.from(release.publicKey));
    expect(Buffer.from(k.secretKey)).toEqual(Buffer.from(release.secretKey));
  });

  it('refuses to build without a key, and says what to set', () => {
    expect(codeOf({})).toBe('RELEASE_KEY_MISSING');
    expect(codeOf({ [VENDOR_KEY_ENV]: '  ' })).toBe('RELEASE_KEY_MISSING');
    expect(() => loadReleaseKey({ root, devKeyFiles, env: {} })).toThrow(/FACEVAULT_VENDOR_KEY_FILE/);
  });

  it('refuses the per-checkout development key where it lives and when copied elsewhere', () => {
    expect(codeOf({ [VENDOR_KEY_ENV]: devKeyFiles[0]! })).toBe('RELEASE_KEY_IS_DEV_KEY');
    expect(codeOf({ [VENDOR_KEY_ENV]: keyFile(join(base, 'copied-dev'), dev.secretKey) })).toBe(
      'RELEASE_KEY_IS_DEV_KEY',
    );
  });

  it('refuses any key inside the checkout (it could be packed or committed)', () => {
    expect(codeOf({ [VENDOR_KEY_ENV]: join(root, 'build', 'vendor', 'vendor.key.json') })).toBe(
      'RELEASE_KEY_IN_CHECKOUT',
    );
    expect(codeOf({ [VENDOR_KEY_ENV]: keyFile(join(root, 'keys'), ed25519.keygen().secretKey) })).toBe(
      'RELEASE_KEY_IN_CHECKOUT',
    );
  });

  it.skipIf(process.platform === 'win32')('refuses a key file other users can read', () => {
    expect(
      codeOf({ [VENDOR_KEY_ENV]: keyFile(join(base, 'loose'), ed25519.keygen().secretKey, 0o644) }),
    ).toBe('RELEASE_KEY_PERMISSIONS');
  });

  it('refuses a missing file, a public key and garbage, without quoting them', () => {
    expect(codeOf({ [VENDOR_KEY_ENV]: join(base, 'nope.json') })).toBe('RELEASE_KEY_UNREADABLE');
    const pub = join(base, 'pub.json');
    writeFileSync(pub, encodeVendorKeyList([release.publicKey]), { mode: 0o600 });
    expect(codeOf({ [VENDOR_KEY_ENV]: pub })).toBe('RELEASE_KEY_MALFORMED');
    const junk = join(base, 'junk.json');
    writeFileSync(junk, 'not json at all', { mode: 0o600 });
    expect(codeOf({ [VENDOR_KEY_ENV]: junk })).toBe('RELEASE_KEY_MALFORMED');
  });
});
