/**
 * The app's catalog reader in a child process (a test of a FIFO must survive a reader that blocks forever):
 * `node catalog-reader-child.ts <catalogDir> <vendorPublicKeyHex> <licenceDir>` reads and authenticates the
 * catalog (readCatalog), then opens the model set with device keys that refuse every use (phase 1 — reading
 * and verifying every bundle — needs no key), and prints one JSON line: {"ok":true} or {"code","message"}.
 */
import { isFaceVaultError } from '../../src/main/errors/facevault-error.ts';
import { pinVendorKey } from '../../src/main/model/bundle/signature.ts';
import { readCatalog } from '../../src/main/model/model-catalog.ts';
import { openModelSet, type ModelSetKeys } from '../../src/main/model/model-set.ts';

const [dir, pubHex, licenceDir] = process.argv.slice(2);
if (dir === undefined || pubHex === undefined || licenceDir === undefined)
  throw new Error('usage: catalog-reader-child <dir> <pubHex> <licenceDir>');
const pinned = [pinVendorKey(new Uint8Array(Buffer.from(pubHex, 'hex')))];
const noKeys = {
  get identity(): never {
    throw new Error('no device keys in this test');
  },
  deriveKey: () => Promise.reject(new Error('no device keys in this test')),
} as unknown as ModelSetKeys; // only reached after every bundle was read; the test never gets that far
try {
  const catalog = await readCatalog(dir, pinned);
  const set = await openModelSet({ catalog, pinnedVendorKeys: pinned, deviceKeys: noKeys, licenceDir });
  set.release();
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(
    JSON.stringify(
      isFaceVaultError(e)
        ? { code: e.code, message: e.message }
        : { code: 'OTHER', message: e instanceof Error ? e.message : String(e) },
    ),
  );
}
