/**
 * The real `facevault` CLI as a child process (node src/cli/facevault.ts): keygen → pack → verify (0) →
 * verify with the wrong key (3, code in message) → corrupt a byte (3) → inspect --json has no key bytes →
 * license issue / inspect; plus the usage / bad-input paths and their documented exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot, referenceModelsDir } from '../../support/shared-data.ts';

const CLI = join(projectRoot, 'src', 'cli', 'facevault.ts');
const MODEL = join(referenceModelsDir(), 'yunet', 'face_detection_yunet_2023mar.onnx');
const dir = mkdtempSync(join(tmpdir(), 'fv-cli-'));
const p = (f: string) => join(dir, f);

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: projectRoot });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('facevault CLI', () => {
  it('full vendor flow with the documented exit codes', () => {
    // keygen
    let r = cli('keygen', '--out', p('vendor'));
    expect(r.code).toBe(0);
    expect(statSync(p('vendor/vendor.key.json')).mode & 0o777).toBe(0o600);
    expect(cli('keygen', '--out', p('vendor')).code).toBe(4); // refuses to overwrite
    expect(cli('keygen', '--out', p('other')).code).toBe(0);
    expect(cli('keygen', '--out', p('dev'), '--kind', 'device').code).toBe(0);

    // pack
    r = cli(
      'pack',
      MODEL,
      '--key',
      p('vendor/vendor.key.json'),
      '--out',
      p('y.fvb'),
      '--family',
      'yunet',
      '--model-id',
      'yunet',
      '--model-version',
      '2023mar',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const packed = JSON.parse(r.out) as { keyId: string; modelKeyFile: string };
    expect(statSync(packed.modelKeyFile).mode & 0o777).toBe(0o600);
    const modelKey = (JSON.parse(readFileSync(packed.modelKeyFile, 'utf8')) as { modelKey: string }).modelKey;

    // verify: 0 with the right key, also with full decryption
    expect(cli('verify', p('y.fvb'), '--pub', p('vendor/vendor.pub.json')).code).toBe(0);
    r = cli(
      'verify',
      p('y.fvb'),
      '--pub',
      p('vendor/vendor.pub.json'),
      '--model-key',
      packed.modelKeyFile,
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, decrypted: true });

    // wrong key: 3, one line, with the error code
    r = cli('verify', p('y.fvb'), '--pub', p('other/vendor.pub.json'));
    expect(r.code).toBe(3);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/BUNDLE_SIGNATURE_INVALID/);
    // a secret key where a public key is expected: 2 and a clear message
    r = cli('verify', p('y.fvb'), '--pub', p('vendor/vendor.key.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/KEY_FILE_INVALID/);

    // corrupt one byte in the body: 3
    const bytes = readFileSync(p('y.fvb'));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
    writeFileSync(p('bad.fvb'), bytes);
    r = cli('verify', p('bad.fvb'), '--pub', p('vendor/vendor.pub.json'));
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/BUNDLE_SIGNATURE_INVALID/);
    // corrupt the magic: 2 (malformed input)
    const b2 = readFileSync(p('y.fvb'));
    b2[0] = 0;
    writeFileSync(p('bad2.fvb'), b2);
    r = cli('verify', p('bad2.fvb'), '--pub', p('vendor/vendor.pub.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/BUNDLE_MALFORMED/);

    // inspect --json: header fields, no key bytes
    r = cli('inspect', p('y.fvb'), '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out) as Record<string, unknown>;
    expect(info).toMatchObject({
      modelId: 'yunet',
      modelVersion: '2023mar',
      family: 'yunet',
      keyId: packed.keyId,
    });
    const secretHex = Buffer.from(modelKey, 'base64').toString('hex');
    const vendorSecret = (
      JSON.parse(readFileSync(p('vendor/vendor.key.json'), 'utf8')) as { secretKey: string }
    ).secretKey;
    for (const s of [
      modelKey,
      secretHex,
      vendorSecret,
      Buffer.from(vendorSecret, 'base64').toString('hex'),
    ]) {
      expect(r.out.includes(s)).toBe(false);
    }

    // license issue / inspect
    r = cli(
      'license',
      'issue',
      '--key',
      p('vendor/vendor.key.json'),
      '--device',
      p('dev/device.pub.json'),
      '--model',
      p('y.fvb'),
      '--model-key',
      packed.modelKeyFile,
      '--out',
      p('y.lic'),
      '--expires',
      '30d',
    );
    expect(r.code, r.err).toBe(0);
    r = cli('license', 'inspect', p('y.lic'), '--pub', p('vendor/vendor.pub.json'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      kind: 'vendor',
      modelId: 'yunet',
      keyId: packed.keyId,
      signature: 'valid',
    });
    r = cli('license', 'inspect', p('y.lic'), '--pub', p('other/vendor.pub.json'));
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/LICENSE_INVALID/);
    // issuing with a key that did not sign the bundle: 3
    r = cli(
      'license',
      'issue',
      '--key',
      p('other/vendor.key.json'),
      '--device',
      p('dev/device.pub.json'),
      '--model',
      p('y.fvb'),
      '--model-key',
      packed.modelKeyFile,
      '--out',
      p('x.lic'),
    );
    expect(r.code).toBe(3);
  });

  it('pack input errors: missing file, not ONNX, wrong key type, fp16, missing option', () => {
    cli('keygen', '--out', p('v2'));
    let r = cli(
      'pack',
      p('nope.onnx'),
      '--key',
      p('v2/vendor.key.json'),
      '--out',
      p('z.fvb'),
      '--family',
      'yunet',
    );
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/no such file/)]);
    writeFileSync(p('fake.onnx'), 'definitely not protobuf');
    r = cli(
      'pack',
      p('fake.onnx'),
      '--key',
      p('v2/vendor.key.json'),
      '--out',
      p('z.fvb'),
      '--family',
      'yunet',
    );
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/not an ONNX model/)]);
    r = cli('pack', MODEL, '--key', p('v2/vendor.pub.json'), '--out', p('z.fvb'), '--family', 'yunet');
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/expected a facevault\/vendor-secret-key/)]);
    // --fp16 is supported now (test/integration/cli/pack-fp16.test.ts covers it in depth)
    r = cli(
      'pack',
      MODEL,
      '--key',
      p('v2/vendor.key.json'),
      '--out',
      p('z16.fvb'),
      '--family',
      'yunet',
      '--fp16',
    );
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(/^fp16: 232589 B → \d+ B/)]);
    expect(cli('pack', MODEL, '--out', p('z.fvb')).code).toBe(1);
    r = cli('pack', MODEL, '--key', p('v2/vendor.key.json'), '--out', p('z.fvb'), '--family', 'mystery');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/no descriptor/)]);
  });
});
