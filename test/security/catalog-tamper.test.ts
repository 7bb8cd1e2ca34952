/**
 * One named test per attack on the model catalog (docs/catalog-format.md): an attacker who can write the
 * catalog directory but not the app's pinned-key list. Each attack must be refused with its typed code and
 * before anything is decrypted — observed through the device keys: `deriveKey` (the first step towards any
 * licence or model key) is never called and no device licence is written. Plus a fast-check property: random
 * mutations of catalog.json / catalog.json.sig never crash the reader, they only raise typed errors.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { cp, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFaceVaultError } from '../../src/main/errors/facevault-error.ts';
import {
  pinVendorKey,
  signBundleDigest,
  signCatalogBytes,
  vendorKeyId,
} from '../../src/main/model/bundle/signature.ts';
import { buildCatalog, signCatalogDir } from '../../src/cli/vendor/catalog-builder.ts';
import { randomStaticIdentity } from '../../src/main/model/license/static-identity.ts';
import {
  CATALOG_FILE,
  CATALOG_SIG_FILE,
  encodeCatalogSignature,
  readCatalog,
  verifyCatalog,
  type ModelRole,
} from '../../src/main/model/model-catalog.ts';
import { openModelSet } from '../../src/main/model/model-set.ts';
import { makeVendor, pseudoModel, testDescriptor } from '../support/bundle-fixtures.ts';

const vendor = makeVendor();
let root: string;
let pristine: string; // current catalog (model version 2)
let older: string; // the same models one release earlier (version 1), validly signed by the same vendor
let n = 0;

const models = (version: string, seed: number) =>
  (['detector', 'embedder', 'antispoof'] as const).map((role, i) => ({
    role,
    name: role.slice(0, 3),
    onnx: pseudoModel(700 + i * 50, seed + i),
    modelId: `test.${role}`,
    modelVersion: version,
    descriptor: { ...testDescriptor, family: 'yunet' },
  }));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-catalog-tamper-'));
  older = join(root, 'older');
  pristine = join(root, 'pristine');
  await buildCatalog({
    outDir: older,
    vendorSecretKey: vendor.secretKey,
    models: models('1', 10),
    chunkSize: 64,
  });
  await buildCatalog({
    outDir: pristine,
    vendorSecretKey: vendor.secretKey,
    models: models('2', 20),
    chunkSize: 64,
  });
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

interface Outcome {
  readonly code: string;
  readonly deriveCalls: number;
  readonly licencesWritten: number;
}

/** Copies the pristine catalog, lets `mutate` attack the copy, then runs the app's load path. */
async function attack(mutate: (dir: string) => Promise<void>): Promise<Outcome> {
  const dir = join(root, `case-${n++}`);
  await cp(pristine, dir, { recursive: true });
  await mutate(dir);
  let deriveCalls = 0;
  const deviceKeys = {
    identity: randomStaticIdentity(),
    deriveKey: async () => {
      deriveCalls++;
      return new Uint8Array(32).fill(7);
    },
  };
  const licenceDir = join(dir, '..', `${dir.split('/').pop()}-licences`);
  let code = 'ACCEPTED';
  try {
    const catalog = await readCatalog(dir, vendor.pinned);
    const set = await openModelSet({ catalog, pinnedVendorKeys: vendor.pinned, deviceKeys, licenceDir });
    set.release();
  } catch (e) {
    code = isFaceVaultError(e) ? e.code : `UNTYPED:${e instanceof Error ? e.message : String(e)}`;
  }
  const licencesWritten = await readdir(licenceDir).then(
    (f) => f.length,
    () => 0,
  );
  return { code, deriveCalls, licencesWritten };
}

const refusedBeforeDecryption = (code: string) => ({ code, deriveCalls: 0, licencesWritten: 0 });

type Json = {
  type: string;
  version: number;
  bootstrapKey?: string;
  models: Array<{ role: ModelRole; bundle: string; sha256: string; demoLicence?: string }>;
};
const readJson = async (dir: string): Promise<Json> =>
  JSON.parse(await readFile(join(dir, CATALOG_FILE), 'utf8')) as Json;
const writeJson = (dir: string, j: unknown) =>
  writeFile(join(dir, CATALOG_FILE), `${JSON.stringify(j, null, 2)}\n`);

describe('catalog tampering', () => {
  it('sanity: the untouched catalog loads every model (through the demo licences)', async () => {
    const r = await attack(async () => {});
    expect(r.code).toBe('ACCEPTED');
    expect(r.deriveCalls).toBe(3);
    expect(r.licencesWritten).toBe(3);
  });

  it('removing the anti-spoofing entry (switching liveness off) → MODEL_CATALOG_SIGNATURE', async () => {
    const r = await attack(async (d) => {
      const j = await readJson(d);
      await writeJson(d, { ...j, models: j.models.filter((m) => m.role !== 'antispoof') });
    });
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('swapping the roles of two bundles → MODEL_CATALOG_SIGNATURE', async () => {
    const r = await attack(async (d) => {
      const j = await readJson(d);
      const [a, b] = [j.models[1]!, j.models[2]!];
      [a.role, b.role] = [b.role, a.role];
      await writeJson(d, j);
    });
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('editing a pinned digest → MODEL_CATALOG_SIGNATURE', async () => {
    const r = await attack(async (d) => {
      const j = await readJson(d);
      j.models[0]!.sha256 = `${j.models[0]!.sha256.slice(0, 63)}${j.models[0]!.sha256.endsWith('0') ? '1' : '0'}`;
      await writeJson(d, j);
    });
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('a whitespace-only edit (same JSON meaning) → MODEL_CATALOG_SIGNATURE: the signature covers exact bytes', async () => {
    const r = await attack(async (d) =>
      writeFile(join(d, CATALOG_FILE), `${(await readFile(join(d, CATALOG_FILE), 'utf8')).trimEnd()} \n`),
    );
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('a truncated catalog.json.sig → MODEL_CATALOG_SIGNATURE', async () => {
    for (const keep of [0, 1, 40, 100]) {
      const r = await attack(async (d) => {
        const s = await readFile(join(d, CATALOG_SIG_FILE));
        await writeFile(join(d, CATALOG_SIG_FILE), s.subarray(0, Math.min(keep, s.length - 2)));
      });
      expect(r, `keep ${keep}`).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
    }
  });

  it('removing catalog.json.sig → MODEL_CATALOG_SIGNATURE', async () => {
    const r = await attack((d) => unlink(join(d, CATALOG_SIG_FILE)));
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('an oversized catalog.json.sig → MODEL_CATALOG_SIGNATURE, an oversized catalog.json → MODEL_CATALOG_INVALID', async () => {
    expect(await attack((d) => writeFile(join(d, CATALOG_SIG_FILE), ' '.repeat(4096)))).toEqual(
      refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'),
    );
    expect(await attack((d) => writeFile(join(d, CATALOG_FILE), ' '.repeat(65 * 1024)))).toEqual(
      refusedBeforeDecryption('MODEL_CATALOG_INVALID'),
    );
  });

  it('a catalog re-signed by a key that is not pinned → MODEL_CATALOG_SIGNATURE', async () => {
    const attacker = ed25519.keygen();
    const r = await attack(async (d) => {
      const j = await readJson(d);
      await writeJson(d, { ...j, models: j.models.filter((m) => m.role !== 'antispoof') });
      const bytes = await readFile(join(d, CATALOG_FILE));
      await writeFile(
        join(d, CATALOG_SIG_FILE),
        encodeCatalogSignature(signCatalogBytes(bytes, attacker.secretKey), vendorKeyId(attacker.publicKey)),
      );
    });
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('an attacker signature that names the pinned key id → MODEL_CATALOG_SIGNATURE', async () => {
    const attacker = ed25519.keygen();
    const r = await attack(async (d) => {
      const bytes = await readFile(join(d, CATALOG_FILE));
      await writeFile(
        join(d, CATALOG_SIG_FILE),
        encodeCatalogSignature(signCatalogBytes(bytes, attacker.secretKey), vendor.pinned[0]!.keyId),
      );
    });
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('a vendor signature made in another domain (bundle context) is not a catalog signature → MODEL_CATALOG_SIGNATURE', async () => {
    const r = await attack(async (d) => {
      const bytes = new Uint8Array(await readFile(join(d, CATALOG_FILE)));
      await writeFile(
        join(d, CATALOG_SIG_FILE),
        encodeCatalogSignature(signBundleDigest(bytes, vendor.secretKey), vendor.pinned[0]!.keyId),
      );
    });
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('a version-1 catalog (unsigned, as older builds wrote it) → MODEL_CATALOG_SIGNATURE', async () => {
    const r = await attack(async (d) => {
      const j = await readJson(d);
      await writeJson(d, { ...j, version: 1, models: j.models.map(({ sha256: _, ...m }) => m) });
      await unlink(join(d, CATALOG_SIG_FILE));
    });
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_SIGNATURE'));
  });

  it('a version-1 catalog even when signed by the pinned key → MODEL_CATALOG_INVALID (no digest pins)', async () => {
    const r = await attack(async (d) => {
      const j = await readJson(d);
      await writeJson(d, { ...j, version: 1, models: j.models.map(({ sha256: _, ...m }) => m) });
      const bytes = await readFile(join(d, CATALOG_FILE));
      await writeFile(
        join(d, CATALOG_SIG_FILE),
        encodeCatalogSignature(signCatalogBytes(bytes, vendor.secretKey), vendor.pinned[0]!.keyId),
      );
    });
    expect(r).toEqual(refusedBeforeDecryption('MODEL_CATALOG_INVALID'));
  });

  it('rollback: an older, validly signed bundle (and its demo licence) of the same model → BUNDLE_NOT_IN_CATALOG', async () => {
    const r = await attack(async (d) => {
      for (const f of ['det.fvb', 'det.demo.lic']) await cp(join(older, f), join(d, f));
    });
    expect(r).toEqual(refusedBeforeDecryption('BUNDLE_NOT_IN_CATALOG'));
  });

  it('rollback of the whole catalog directory except catalog.json + .sig: every old bundle is refused', async () => {
    const r = await attack(async (d) => {
      for (const f of await readdir(older))
        if (f !== CATALOG_FILE && f !== CATALOG_SIG_FILE) await cp(join(older, f), join(d, f));
    });
    expect(r).toEqual(refusedBeforeDecryption('BUNDLE_NOT_IN_CATALOG'));
  });

  it('swapping two validly signed bundle files between roles → BUNDLE_NOT_IN_CATALOG', async () => {
    const r = await attack(async (d) => {
      const [a, b] = [await readFile(join(d, 'det.fvb')), await readFile(join(d, 'ant.fvb'))];
      await writeFile(join(d, 'det.fvb'), b);
      await writeFile(join(d, 'ant.fvb'), a);
    });
    expect(r).toEqual(refusedBeforeDecryption('BUNDLE_NOT_IN_CATALOG'));
  });

  it('after loading: a modified catalog and a re-pinned catalog are both reported by verify()', async () => {
    const dir = join(root, 'runtime');
    await cp(pristine, dir, { recursive: true });
    const deviceKeys = {
      identity: randomStaticIdentity(),
      deriveKey: async () => new Uint8Array(32).fill(9),
    };
    const set = await openModelSet({
      catalog: await readCatalog(dir, vendor.pinned),
      pinnedVendorKeys: vendor.pinned,
      deviceKeys,
      licenceDir: join(root, 'runtime-lic'),
    });
    try {
      expect(await set.verify()).toEqual([]);
      const original = await readFile(join(dir, CATALOG_FILE));
      await writeFile(join(dir, CATALOG_FILE), `${original.toString('utf8')} `);
      expect((await set.verify()).map((f) => f.code)).toEqual(['MODEL_CATALOG_SIGNATURE']);
      await writeFile(join(dir, CATALOG_FILE), original);
      expect(await set.verify()).toEqual([]);
      // The vendor (or a key-holder) publishes a catalog pinning the older bundles: the loaded ones no longer match.
      for (const f of ['det.fvb', 'emb.fvb', 'ant.fvb']) await cp(join(older, f), join(dir, `old-${f}`));
      const j = await readJson(dir);
      await signCatalogDir(
        dir,
        { models: j.models.map((m) => ({ role: m.role, bundle: `old-${m.bundle}` })) },
        vendor.secretKey,
      );
      expect((await set.verify()).map((f) => f.code)).toEqual([
        'BUNDLE_NOT_IN_CATALOG',
        'BUNDLE_NOT_IN_CATALOG',
        'BUNDLE_NOT_IN_CATALOG',
      ]);
    } finally {
      set.release();
    }
  });
});

describe('catalog reader fuzzing', () => {
  it('random mutations of catalog.json and catalog.json.sig never crash the reader: accepted only when unchanged, else a typed error', async () => {
    const bytes = new Uint8Array(await readFile(join(pristine, CATALOG_FILE)));
    const sig = new Uint8Array(await readFile(join(pristine, CATALOG_SIG_FILE)));
    const other = [pinVendorKey(ed25519.keygen().publicKey)];
    const mutate = (
      src: Uint8Array,
      m: { at: number; del: number; ins: Uint8Array; flip: number },
    ): Uint8Array => {
      const at = m.at % (src.length + 1);
      const out = new Uint8Array([
        ...src.subarray(0, at),
        ...m.ins,
        ...src.subarray(Math.min(src.length, at + m.del)),
      ]);
      if (out.length > 0 && m.flip > 0) out[m.flip % out.length]! ^= m.flip & 0xff || 1;
      return out;
    };
    const mutation = fc.record({
      at: fc.nat(),
      del: fc.nat({ max: 8 }),
      ins: fc.uint8Array({ maxLength: 8 }),
      flip: fc.nat(),
    });
    fc.assert(
      fc.property(
        fc.option(mutation, { nil: undefined }),
        fc.option(mutation, { nil: undefined }),
        fc.boolean(),
        (mc, ms, pinnedRight) => {
          const c = mc ? mutate(bytes, mc) : bytes;
          const s = ms ? mutate(sig, ms) : sig;
          try {
            verifyCatalog(c, s, pinnedRight ? vendor.pinned : other, pristine);
            // Accepted: must be the exact signed bytes by the pinned key (a sig mutation may only touch ignorable JSON whitespace).
            expect(pinnedRight).toBe(true);
            expect(Buffer.from(c).equals(Buffer.from(bytes))).toBe(true);
          } catch (e) {
            if (!isFaceVaultError(e)) throw e;
            expect(['MODEL_CATALOG_SIGNATURE', 'MODEL_CATALOG_INVALID']).toContain(e.code);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
