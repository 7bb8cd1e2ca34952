/**
 * Unlocks the catalog's protected models for this device into memory-only plaintext buffers, ready to be
 * transferred to the inference worker (which creates the onnxruntime sessions and wipes the buffers), and
 * re-checks the bundles on disk afterwards.
 *
 * For each bundle, the model key comes from, in order:
 *   1. this device's licence cache (`<licenceDir>/<bundle>.device.lic`, see license/device-licence.ts),
 *      opened with the device-bound 'licence-cache' key;
 *   2. a vendor licence issued to this device (`<licenceDir>/vendor/<bundle>.lic`), opened with the device
 *      identity (X25519);
 *   3. first run only: the catalog's demo licence, opened once with the shipped bootstrap key and
 *      re-wrapped to the device (step 1's file), after which the bootstrap key is never needed.
 * A cached device licence that no longer opens (another machine, reset keys, new bundle key) falls
 * through to 2 and 3; anything else that fails (bad signature, tampered body) stops the load.
 *
 * Guarantees: every bundle file's SHA-256(header ‖ body) must equal the digest the signed catalog pins for
 * its entry (BUNDLE_NOT_IN_CATALOG otherwise — a replaced or rolled-back bundle), checked before any licence
 * is opened or anything decrypted; every bundle's signature is checked against the caller's pinned vendor
 * keys before any decryption (load-model.ts); plaintext weights and model keys live only in memory — model keys are zeroed
 * at once, plaintext buffers by the worker after session creation or by `release()`; derived wrapping keys and the bootstrap secret are zeroed after use; `verify()` re-reads
 * each bundle file and compares its signed digest with the one that was loaded, so a swapped file — even a
 * validly signed older one — is reported, and re-reads the catalog (signature + the pinned digests of the
 * loaded bundles), so a catalog modified after loading is reported too.
 */
import { join } from 'node:path';
import { isFaceVaultError } from '../errors/facevault-error.ts';
import {
  describeRefusal,
  readBoundedFileIfExists,
  readBoundedFile,
  type BoundedReadOptions,
} from '../storage/bounded-read.ts';
import { ensurePrivateDir, writeFileAtomic } from '../storage/atomic-write.ts';
import { cannotSave } from '../storage/storage-errors.ts';
import type { DeviceKeys } from '../keys/open-device-keys.ts';
import type { PreprocessingDescriptor } from './bundle/descriptor.ts';
import { maxBundleBytes, verifyBundle, type VerifiedBundle } from './bundle/read-bundle.ts';
import { equalBytes, hex, type VendorPublicKey } from './bundle/signature.ts';
import { parseDeviceSecretKey } from './key-files.ts';
import { bootstrapDeviceLicence } from './license/device-licence.ts';
import { LicenseInvalidError } from './license/errors.ts';
import { LICENSE_MAX_BYTES } from './license/license-format.ts';
import { createStaticIdentity } from './license/static-identity.ts';
import { decryptVerified, verifyBundleFile, type DecryptedModel } from './load-model.ts';
import {
  BundleNotInCatalogError,
  readCatalog,
  type CatalogEntry,
  type ModelCatalog,
  type ModelRole,
} from './model-catalog.ts';
import { readBundleFileSync } from './bundle-file.ts';

/** Licence files (and the demo bootstrap key beside them): a refusal is LICENSE_INVALID naming the file. */
const licenceRead = (name: string, maxBytes = LICENSE_MAX_BYTES): BoundedReadOptions => ({
  maxBytes,
  symlinks: 'refuse',
  refuse: (why) => new LicenseInvalidError(`licence file ${name} ${describeRefusal(why)}`),
});

export type ModelSetKeys = Pick<DeviceKeys, 'identity' | 'deriveKey'>;

export type LicenceSource = 'device-cache' | 'vendor-licence' | 'demo-bootstrap';

export interface OpenedModel {
  readonly role: ModelRole;
  readonly bundlePath: string;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly descriptor: PreprocessingDescriptor;
  /** Decrypted ONNX bytes; transfer (detaches it) or let `release()` wipe it. */
  readonly plaintext: Uint8Array;
  readonly digest: Uint8Array;
  readonly licence: LicenceSource;
}

export interface IntegrityFailure {
  readonly role: ModelRole;
  readonly modelId: string;
  readonly code: string;
  readonly message: string;
}

export interface ModelSet {
  readonly models: readonly OpenedModel[];
  /** Re-verifies every bundle on disk against what was loaded; empty when all is intact. */
  verify(): Promise<IntegrityFailure[]>;
  /** Wipes every plaintext buffer still held here (transferred ones are already detached). */
  release(): void;
  /** Key id of the vendor key that signed the catalog (hex), for the settings screen. */
  readonly signerKeyId?: string;
}

export interface OpenModelSetOptions {
  readonly catalog: ModelCatalog;
  readonly pinnedVendorKeys: readonly VendorPublicKey[];
  /**
   * The device keys, or the promise of them: given a promise, every bundle is read and verified while the
   * key store is still being opened (the keychain's D-Bus round trip, the TPM's tool runs).
   */
  readonly deviceKeys: ModelSetKeys | Promise<ModelSetKeys>;
  /** Per-user directory for device licences (absolute); created 0700. */
  readonly licenceDir: string;
  /** Unix seconds for licence expiry checks (tests). */
  readonly now?: number;
  /**
   * Called with each model as soon as it is decrypted, before the next one is opened, so the caller can
   * hand it to the inference worker (by transfer) and session creation there overlaps the decryption of
   * the rest. A model transferred away is detached here; `release()` skips it.
   */
  readonly onModel?: (model: OpenedModel) => void;
}

/** Zeroes a buffer unless it was transferred away (a detached buffer has nothing left to wipe). */
const wipe = (b: Uint8Array): void => {
  if (b.byteLength > 0) b.fill(0);
};

const isLicenceFailure = (e: unknown): boolean =>
  isFaceVaultError(e) && (e.code === 'LICENSE_INVALID' || e.code === 'LICENSE_WRONG_DEVICE');

interface PreparedEntry {
  readonly entry: CatalogEntry;
  readonly bundlePath: string;
  readonly verified: VerifiedBundle;
}

/**
 * Phase 1, no key needed: read the bundle, check its structure and its vendor signature, and check that
 * it is the exact bundle the signed catalog names (digest pin: refuses swapped or rolled-back — older,
 * validly signed — bundles). The pin compares the digest the signature was just checked over: one
 * SHA-256 pass per bundle.
 */
function prepareEntry(o: OpenModelSetOptions, entry: CatalogEntry): PreparedEntry {
  const bundlePath = join(o.catalog.dir, entry.bundle);
  const data = readBundleFileSync(bundlePath, maxBundleBytes()); // a Buffer is a Uint8Array: no second copy
  const verified = verifyBundle(data, o.pinnedVendorKeys);
  const { header } = verified;
  if (hex(verified.digest) !== entry.sha256) {
    throw new BundleNotInCatalogError(
      `${entry.role} bundle ${entry.bundle} (model "${header.modelId}" ${header.modelVersion}) is not the one the signed catalog names: replaced or rolled back`,
    );
  }
  return { entry, bundlePath, verified };
}

/** Phase 2: find this device's licence for the bundle, open it, decrypt. */
async function unlockEntry(
  o: OpenModelSetOptions,
  keys: ModelSetKeys,
  p: PreparedEntry,
): Promise<OpenedModel> {
  const { entry, bundlePath, verified } = p;
  const { header } = verified;
  const devicePath = join(o.licenceDir, `${entry.bundle}.device.lic`);
  const vendorPath = join(o.licenceDir, 'vendor', `${entry.bundle}.lic`);
  const common = {
    pinnedVendorKeys: o.pinnedVendorKeys,
    consumeBundle: true, // the bundle bytes were read here for this one use: decrypt over them
    ...(o.now === undefined ? {} : { now: o.now }),
  };
  const done = (m: DecryptedModel, licence: LicenceSource): OpenedModel => ({
    role: entry.role,
    bundlePath,
    modelId: m.header.modelId,
    modelVersion: m.header.modelVersion,
    descriptor: m.header.descriptor,
    plaintext: m.plaintext,
    digest: m.digest,
    licence,
  });

  const wrappingKey = await keys.deriveKey('licence-cache');
  try {
    const cached = await readBoundedFileIfExists(devicePath, licenceRead(devicePath));
    if (cached) {
      try {
        return done(
          await decryptVerified(verified, {
            ...common,
            keySource: { kind: 'device-licence', licence: cached, wrappingKey },
          }),
          'device-cache',
        );
      } catch (e) {
        if (!isLicenceFailure(e)) throw e;
      }
    }
    const vendor = await readBoundedFileIfExists(vendorPath, licenceRead(vendorPath));
    if (vendor) {
      const identity = keys.identity;
      return done(
        await decryptVerified(verified, {
          ...common,
          keySource: { kind: 'vendor-licence', licence: vendor, identity },
        }),
        'vendor-licence',
      );
    }
    if (entry.demoLicence && o.catalog.bootstrapKey) {
      const demo = await readBoundedFile(
        join(o.catalog.dir, entry.demoLicence),
        licenceRead(entry.demoLicence),
      );
      const { secretKey } = parseDeviceSecretKey(
        await readBoundedFile(
          join(o.catalog.dir, o.catalog.bootstrapKey),
          licenceRead(o.catalog.bootstrapKey, 64 * 1024),
        ),
      );
      let licence: Uint8Array;
      try {
        licence = await bootstrapDeviceLicence(
          demo,
          createStaticIdentity(secretKey),
          o.pinnedVendorKeys,
          wrappingKey,
          {
            expect: { keyId: header.keyId, modelId: header.modelId },
            ...(o.now === undefined ? {} : { now: o.now }),
          },
        );
      } finally {
        secretKey.fill(0);
      }
      const save = cannotSave('the device licence');
      await ensurePrivateDir(o.licenceDir, save);
      await writeFileAtomic(devicePath, licence, { fail: save });
      return done(
        await decryptVerified(verified, {
          ...common,
          keySource: { kind: 'device-licence', licence, wrappingKey },
        }),
        'demo-bootstrap',
      );
    }
    throw new LicenseInvalidError(`no licence for model "${header.modelId}" on this device`);
  } finally {
    wrappingKey.fill(0);
  }
}

export async function openModelSet(o: OpenModelSetOptions): Promise<ModelSet> {
  const models: OpenedModel[] = [];
  // Phase 1 for every bundle before any key is touched (and, when deviceKeys is a promise, while the key
  // store is still answering): a tampered or foreign bundle fails here, with no licence opened.
  const prepared = o.catalog.models.map((entry) => prepareEntry(o, entry));
  const keys = await o.deviceKeys;
  try {
    // Sequential: decryption is CPU-bound and the licence cache writes must not race.
    for (const p of prepared) {
      const m = await unlockEntry(o, keys, p);
      models.push(m);
      o.onModel?.(m);
    }
  } catch (e) {
    for (const m of models) wipe(m.plaintext);
    throw e;
  }
  return {
    models,
    signerKeyId: o.catalog.signerKeyId,
    async verify() {
      const failures: IntegrityFailure[] = [];
      let pinnedDigests: Map<string, string> | null = null;
      try {
        const now = await readCatalog(o.catalog.dir, o.pinnedVendorKeys);
        pinnedDigests = new Map(now.models.map((e) => [`${e.role}:${join(now.dir, e.bundle)}`, e.sha256]));
      } catch (e) {
        const first = models[0];
        failures.push({
          role: first?.role ?? 'detector',
          modelId: 'catalog.json',
          code: isFaceVaultError(e) ? e.code : 'MODEL_CATALOG_INVALID',
          message: isFaceVaultError(e) ? e.message : 'the model catalog cannot be read',
        });
      }
      for (const m of models) {
        if (pinnedDigests && pinnedDigests.get(`${m.role}:${m.bundlePath}`) !== hex(m.digest)) {
          failures.push({
            role: m.role,
            modelId: m.modelId,
            code: 'BUNDLE_NOT_IN_CATALOG',
            message: 'the catalog no longer names this bundle',
          });
        }
        try {
          const check = await verifyBundleFile(m.bundlePath, o.pinnedVendorKeys);
          if (!equalBytes(check.digest, m.digest)) {
            failures.push({
              role: m.role,
              modelId: m.modelId,
              code: 'BUNDLE_INTEGRITY',
              message: 'the bundle file was replaced',
            });
          }
        } catch (e) {
          failures.push({
            role: m.role,
            modelId: m.modelId,
            code: isFaceVaultError(e) ? e.code : 'BUNDLE_INTEGRITY',
            message: isFaceVaultError(e) ? e.message : 'the bundle file cannot be read',
          });
        }
      }
      return failures;
    },
    release() {
      for (const m of models) wipe(m.plaintext);
    },
  };
}
