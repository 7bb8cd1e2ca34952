import { describe, expect, it } from 'vitest';
import { judgePassphrase, PASSPHRASE_MAX_LENGTH } from '../../../src/shared/passphrase-policy.ts';
import {
  assertScryptParams,
  unwrapWithPassphrase,
  wrapWithPassphrase,
} from '../../../src/main/vault/passphrase-kdf.ts';
import { FREE_ATTEMPTS, passphraseBackoffMs } from '../../../src/main/vault/passphrase-limits.ts';
import { assertStrongPassphrase, estimatePassphrase } from '../../../src/main/vault/passphrase-strength.ts';

const P = { N: 2 ** 12, r: 8, p: 1 };
const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const stateId = new Uint8Array(16).fill(7);

describe('passphrase wrap (scrypt + XChaCha20-Poly1305)', () => {
  it('round-trips, and NFKC-equivalent spellings open it', async () => {
    const w = await wrapWithPassphrase(key, 'cafe\u0301 au lait with seven owls', stateId, P);
    expect(w).toMatchObject({ kdf: 'scrypt', N: 4096, r: 8, p: 1 });
    expect(await unwrapWithPassphrase(w, 'cafe\u0301 au lait with seven owls', stateId)).toEqual(key);
    expect(await unwrapWithPassphrase(w, 'caf\u00e9 au lait with seven owls', stateId)).toEqual(key);
  });
  it('a wrong passphrase, another state id, a flipped bit or changed parameters all give null', async () => {
    const w = await wrapWithPassphrase(key, 'correct horse battery staple', stateId, P);
    expect(await unwrapWithPassphrase(w, 'correct horse battery stapler', stateId)).toBeNull();
    expect(await unwrapWithPassphrase(w, 'correct horse battery staple', new Uint8Array(16))).toBeNull();
    const flipped = Uint8Array.from(w.wrapped);
    flipped[30]! ^= 1;
    expect(
      await unwrapWithPassphrase({ ...w, wrapped: flipped }, 'correct horse battery staple', stateId),
    ).toBeNull();
    expect(
      await unwrapWithPassphrase({ ...w, N: 2 ** 11 }, 'correct horse battery staple', stateId),
    ).toBeNull();
    expect(
      await unwrapWithPassphrase({ ...w, salt: new Uint8Array(8) }, 'correct horse battery staple', stateId),
    ).toBeNull();
  });
  it('refuses parameters outside the bounds', () => {
    expect(() => assertScryptParams({ N: 3000, r: 8, p: 1 })).toThrow(RangeError);
    expect(() => assertScryptParams({ N: 2 ** 21, r: 8, p: 1 })).toThrow(RangeError);
    expect(() => assertScryptParams({ N: 2 ** 14, r: 0, p: 1 })).toThrow(RangeError);
    expect(() => assertScryptParams({ N: 2 ** 14, r: 8, p: 9 })).toThrow(RangeError);
  });
});

describe('passphrase strength (zxcvbn-ts + the shared policy)', () => {
  it('refuses short, common and pattern passphrases with PASSPHRASE_WEAK and advice', async () => {
    for (const weak of [
      'short',
      'password123',
      'qwertyuiopasdf',
      'facevault123',
      'aaaaaaaaaaaaaa',
      '1234567890',
    ]) {
      await expect(assertStrongPassphrase(weak), weak).rejects.toMatchObject({ code: 'PASSPHRASE_WEAK' });
    }
    await expect(assertStrongPassphrase('x'.repeat(PASSPHRASE_MAX_LENGTH + 1))).rejects.toMatchObject({
      code: 'PASSPHRASE_WEAK',
    });
  });
  it('accepts a few unrelated words and a random string', async () => {
    await expect(
      assertStrongPassphrase('marble otter quietly juggles ninety lanterns'),
    ).resolves.toBeUndefined();
    await expect(assertStrongPassphrase('mV8#kq2!Lr9zT')).resolves.toBeUndefined();
  });
  it('the policy is one pure function the UI can share', async () => {
    expect(
      judgePassphrase(
        'correct horse battery staple',
        await estimatePassphrase('correct horse battery staple'),
      ),
    ).toEqual({ ok: true });
    expect(judgePassphrase('abcdefghijk', { score: 2, warning: null })).toMatchObject({
      ok: false,
      reason: 'too-guessable',
    });
    expect(judgePassphrase('abc', { score: 4, warning: null })).toMatchObject({
      ok: false,
      reason: 'too-short',
    });
  });
});

describe('passphrase back-off', () => {
  it('is free for the first attempts, then doubles from 30 s up to 1 h', () => {
    expect(Array.from({ length: FREE_ATTEMPTS }, (_, i) => passphraseBackoffMs(i))).toEqual([0, 0, 0, 0, 0]);
    expect(passphraseBackoffMs(5)).toBe(30_000);
    expect(passphraseBackoffMs(6)).toBe(60_000);
    expect(passphraseBackoffMs(12)).toBe(3_600_000);
    expect(passphraseBackoffMs(1e6)).toBe(3_600_000);
  });
});
