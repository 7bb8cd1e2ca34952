import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTemplate, sealTemplate, TemplateVault } from '../../../src/main/auth/template-vault.ts';

const key = new Uint8Array(32).fill(7);
const otherKey = new Uint8Array(32).fill(8);
const embeddings = [Float32Array.of(0.6, 0.8, 0), Float32Array.of(0, 0.6, 0.8)];

describe('template sealing (XChaCha20-Poly1305)', () => {
  it('round-trips and uses a fresh nonce each time', () => {
    const a = sealTemplate(embeddings, 'alice', key);
    const b = sealTemplate(embeddings, 'alice', key);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(openTemplate(a, 'alice', key).map((e) => Array.from(e))).toEqual(
      embeddings.map((e) => Array.from(e)),
    );
  });

  it('refuses a wrong key, another user slot, a flipped bit and truncation with TEMPLATE_CORRUPT', () => {
    const blob = sealTemplate(embeddings, 'alice', key);
    const flipped = Uint8Array.from(blob);
    flipped[40] = flipped[40]! ^ 1;
    for (const [b, user, k] of [
      [blob, 'alice', otherKey],
      [blob, 'bob', key],
      [flipped, 'alice', key],
      [blob.subarray(0, 30), 'alice', key],
    ] as const) {
      expect(() => openTemplate(b, user, k)).toThrow(expect.objectContaining({ code: 'TEMPLATE_CORRUPT' }));
    }
  });

  it('checks key length and user id', () => {
    expect(() => sealTemplate(embeddings, 'alice', new Uint8Array(16))).toThrow(RangeError);
    expect(() => sealTemplate(embeddings, '../etc', key)).toThrow(RangeError);
  });
});

describe('TemplateVault', () => {
  it('stores ciphertext only, and delete removes the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fv-vault-'));
    const vault = new TemplateVault(dir);
    await vault.save('alice', embeddings, key);
    const raw = await readFile(join(dir, 'template-alice.fvt'));
    const plainBytes = Buffer.from(Float32Array.of(0.6, 0.8).buffer);
    expect(raw.includes(plainBytes)).toBe(false);
    expect(await vault.load('alice', key)).toHaveLength(2);
    await vault.delete('alice');
    expect(await readdir(dir)).toEqual([]);
    expect(await vault.load('alice', key)).toBeNull();
    await vault.delete('alice'); // idempotent
  });

  it('reports a tampered file as TEMPLATE_CORRUPT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fv-vault-'));
    const vault = new TemplateVault(dir);
    await vault.save('alice', embeddings, key);
    const path = join(dir, 'template-alice.fvt');
    const raw = await readFile(path);
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 0x80;
    await writeFile(path, raw);
    await expect(vault.load('alice', key)).rejects.toMatchObject({ code: 'TEMPLATE_CORRUPT' });
  });
});
