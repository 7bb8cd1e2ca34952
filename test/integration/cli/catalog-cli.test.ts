/**
 * `facevault catalog sign|verify` as a child process: a vendor writes a v1-style listing next to two packed
 * bundles, signs it (0), verifies it (0, --json data); a hand edit of the signed catalog (3,
 * MODEL_CATALOG_SIGNATURE), a replaced bundle (3, BUNDLE_NOT_IN_CATALOG), the wrong public key (3), a secret
 * key where a public one belongs (2), a bundle by another vendor at sign time (3) — one-line errors.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot, referenceModelsDir } from '../../support/shared-data.ts';

const CLI = join(projectRoot, 'src', 'cli', 'facevault.ts');
const MODEL = join(referenceModelsDir(), 'yunet', 'face_detection_yunet_2023mar.onnx');
const dir = mkdtempSync(join(tmpdir(), 'fv-cli-catalog-'));
const p = (f: string) => join(dir, f);

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: projectRoot });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('facevault catalog', () => {
  it('sign and verify, and the refusals with their exit codes', () => {
    expect(cli('keygen', '--out', p('vendor')).code).toBe(0);
    expect(cli('keygen', '--out', p('other')).code).toBe(0);
    mkdirSync(p('cat'));
    for (const [name, version] of [
      ['det', '1'],
      ['det-old', '0'],
    ] as const) {
      const r = cli(
        'pack',
        MODEL,
        '--key',
        p('vendor/vendor.key.json'),
        '--out',
        p(`cat/${name}.fvb`),
        '--family',
        'yunet',
        '--model-id',
        'yunet',
        '--model-version',
        version,
      );
      expect(r.code, r.err).toBe(0);
    }
    writeFileSync(
      p('cat/catalog.json'),
      JSON.stringify({
        type: 'facevault/model-catalog',
        version: 1,
        models: [{ role: 'detector', bundle: 'det.fvb' }],
      }),
    );

    let r = cli('catalog', 'verify', p('cat'), '--pub', p('vendor/vendor.pub.json'));
    expect([r.code, r.err]).toEqual([
      3,
      expect.stringMatching(/^facevault catalog verify: MODEL_CATALOG_SIGNATURE: .*not signed/),
    ]);

    r = cli('catalog', 'sign', p('cat'), '--key', p('vendor/vendor.key.json'), '--json');
    expect(r.code, r.err).toBe(0);
    const signed = JSON.parse(r.out) as { signerKeyId: string; models: Array<{ sha256: string }> };
    expect(signed.models[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(p('cat/catalog.json'), 'utf8'))).toMatchObject({ version: 2 });

    r = cli('catalog', 'verify', p('cat'), '--pub', p('vendor/vendor.pub.json'), '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: true,
      signerKeyId: signed.signerKeyId,
      models: [{ role: 'detector', modelId: 'yunet', modelVersion: '1' }],
    });
    expect(cli('catalog', 'verify', p('cat'), '--pub', p('vendor/vendor.pub.json')).out).toMatch(
      /^OK: catalog signed by/,
    );

    // wrong key / wrong key kind
    r = cli('catalog', 'verify', p('cat'), '--pub', p('other/vendor.pub.json'));
    expect([r.code, r.err]).toEqual([3, expect.stringMatching(/MODEL_CATALOG_SIGNATURE: .*not pinned/)]);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(cli('catalog', 'verify', p('cat'), '--pub', p('vendor/vendor.key.json')).code).toBe(2);

    // rollback of the bundle: 3, BUNDLE_NOT_IN_CATALOG
    const current = readFileSync(p('cat/det.fvb'));
    copyFileSync(p('cat/det-old.fvb'), p('cat/det.fvb'));
    r = cli('catalog', 'verify', p('cat'), '--pub', p('vendor/vendor.pub.json'));
    expect([r.code, r.err]).toEqual([3, expect.stringMatching(/BUNDLE_NOT_IN_CATALOG/)]);
    writeFileSync(p('cat/det.fvb'), current);

    // a hand edit of the signed catalog: 3
    const text = readFileSync(p('cat/catalog.json'), 'utf8');
    writeFileSync(p('cat/catalog.json'), text.replace('det.fvb', 'det-old.fvb'));
    r = cli('catalog', 'verify', p('cat'), '--pub', p('vendor/vendor.pub.json'));
    expect([r.code, r.err]).toEqual([3, expect.stringMatching(/MODEL_CATALOG_SIGNATURE: .*does not verify/)]);
    writeFileSync(p('cat/catalog.json'), text);

    // signing over a bundle another vendor signed: 3; a listing that breaks the catalog rules: 2; no key: 1
    r = cli('catalog', 'sign', p('cat'), '--key', p('other/vendor.key.json'));
    expect([r.code, r.err]).toEqual([3, expect.stringMatching(/BUNDLE_SIGNATURE_INVALID/)]);
    writeFileSync(
      p('cat/catalog.json'),
      JSON.stringify({
        type: 'facevault/model-catalog',
        version: 2,
        models: [{ role: 'embedder', bundle: 'det.fvb' }],
      }),
    );
    r = cli('catalog', 'sign', p('cat'), '--key', p('vendor/vendor.key.json'));
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringMatching(/MODEL_CATALOG_INVALID: .*exactly one detector/),
    ]);
    expect(cli('catalog', 'sign', p('cat')).code).toBe(1);
    // nothing the vendor key holds is ever printed
    const vendorSecret = (
      JSON.parse(readFileSync(p('vendor/vendor.key.json'), 'utf8')) as { secretKey: string }
    ).secretKey;
    expect(JSON.stringify(signed).includes(vendorSecret)).toBe(false);
  });
});
