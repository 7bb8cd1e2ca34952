/**
 * The vendor signing key of a release build, and nothing else: a release catalog is signed with the key
 * named by FACEVAULT_VENDOR_KEY_FILE (a `facevault keygen` vendor.key.json kept outside the checkout, e.g.
 * written from a CI secret into the runner's temp folder). The per-checkout development key that
 * `npm run models:build` creates is never accepted for a release, and without a key the build stops
 * before anything is packaged. Refusals are ReleaseKeyError with a stable `code`; the key's bytes are
 * never printed, and the caller wipes `secretKey` after signing.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseVendorSecretKey } from '../../src/main/model/key-files.ts';

export const VENDOR_KEY_ENV = 'FACEVAULT_VENDOR_KEY_FILE';

export type ReleaseKeyErrorCode =
  | 'RELEASE_KEY_MISSING'
  | 'RELEASE_KEY_UNREADABLE'
  | 'RELEASE_KEY_PERMISSIONS'
  | 'RELEASE_KEY_IN_CHECKOUT'
  | 'RELEASE_KEY_MALFORMED'
  | 'RELEASE_KEY_IS_DEV_KEY';

export class ReleaseKeyError extends Error {
  override name = 'ReleaseKeyError';
  readonly code: ReleaseKeyErrorCode;
  constructor(code: ReleaseKeyErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface ReleaseKey {
  readonly path: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

const isInside = (dir: string, p: string): boolean => {
  const rel = relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Public keys of the development keys found at `files` (to refuse them for a release). */
function devPublicKeys(files: readonly string[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    try {
      const k = parseVendorSecretKey(readFileSync(f));
      out.push(k.publicKey);
      k.secretKey.fill(0);
    } catch {
      // an unreadable development key cannot be the release key either
    }
  }
  return out;
}

/** Loads and checks the release key named by FACEVAULT_VENDOR_KEY_FILE (or `env` for tests). */
export function loadReleaseKey(o: {
  root: string;
  devKeyFiles: readonly string[];
  env?: NodeJS.ProcessEnv;
}): ReleaseKey {
  const env = o.env ?? process.env;
  const named = env[VENDOR_KEY_ENV];
  if (named === undefined || named.trim() === '') {
    throw new ReleaseKeyError(
      'RELEASE_KEY_MISSING',
      `A release build needs the vendor signing key: set ${VENDOR_KEY_ENV} to a vendor.key.json made by ` +
        '`npx facevault keygen --out DIR` and kept outside the checkout. The per-checkout development key ' +
        'that npm run models:build makes is never used for a release, so nothing was built.',
    );
  }
  const path = resolve(named);
  let real: string;
  try {
    real = realpathSync(path);
    if (!statSync(real).isFile()) throw new Error('not a file');
  } catch {
    throw new ReleaseKeyError('RELEASE_KEY_UNREADABLE', `${VENDOR_KEY_ENV}=${path} is not a readable file`);
  }
  if (isInside(realpathSync(o.root), real)) {
    throw new ReleaseKeyError(
      'RELEASE_KEY_IN_CHECKOUT',
      `${VENDOR_KEY_ENV}=${path} lies inside the project folder, where it can end up in a package or a commit; keep the release key outside it`,
    );
  }
  if (process.platform !== 'win32') {
    const mode = statSync(real).mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new ReleaseKeyError(
        'RELEASE_KEY_PERMISSIONS',
        `${path} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`,
      );
  }
  let key;
  try {
    key = parseVendorSecretKey(readFileSync(real));
  } catch {
    // the parser's message may quote content; only say which file
    throw new ReleaseKeyError(
      'RELEASE_KEY_MALFORMED',
      `${path} is not a FaceVault vendor secret key (facevault/vendor-secret-key, from facevault keygen)`,
    );
  }
  if (devPublicKeys(o.devKeyFiles).some((p) => equal(p, key.publicKey))) {
    key.secretKey.fill(0);
    throw new ReleaseKeyError(
      'RELEASE_KEY_IS_DEV_KEY',
      `${path} is this checkout's development signing key (made by npm run models:build); a release needs the vendor's own key`,
    );
  }
  return { path: real, publicKey: key.publicKey, secretKey: key.secretKey };
}
