import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deriveDeviceKek,
  deriveSubkey,
  hkdfSha256,
  normaliseMachineId,
  readMachineId,
  SUBKEY_LABELS,
} from '../../../src/main/keys/machine-binding.ts';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const secretA = new Uint8Array(32).fill(7);
const secretB = new Uint8Array(32).fill(8);

describe('HKDF-SHA256 primitive (RFC 5869 appendix A)', () => {
  it('test case 1', () => {
    const okm = hkdfSha256(
      new Uint8Array(22).fill(0x0b),
      hex('000102030405060708090a0b0c'),
      hex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    expect(toHex(okm)).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });
  it('test case 3 (empty salt and info)', () => {
    const okm = hkdfSha256(new Uint8Array(22).fill(0x0b), new Uint8Array(0), new Uint8Array(0), 42);
    expect(toHex(okm)).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });
});

describe('device KEK binding', () => {
  it('is deterministic for the same secret and machine id', () => {
    expect(toHex(deriveDeviceKek(secretA, 'machine-1'))).toBe(toHex(deriveDeviceKek(secretA, 'machine-1')));
    expect(deriveDeviceKek(secretA, 'machine-1')).toHaveLength(32);
  });
  it('a different machine id gives a different KEK', () => {
    expect(toHex(deriveDeviceKek(secretA, 'machine-1'))).not.toBe(
      toHex(deriveDeviceKek(secretA, 'machine-2')),
    );
  });
  it('a different device secret gives a different KEK', () => {
    expect(toHex(deriveDeviceKek(secretA, 'machine-1'))).not.toBe(
      toHex(deriveDeviceKek(secretB, 'machine-1')),
    );
  });
  it('property: distinct machine ids never share a KEK', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
        fc.string({ minLength: 1, maxLength: 64 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
        (a, b) => {
          fc.pre(a !== b);
          expect(toHex(deriveDeviceKek(secretA, a))).not.toBe(toHex(deriveDeviceKek(secretA, b)));
        },
      ),
      { numRuns: 200 },
    );
  });
  it('does not modify the device secret', () => {
    const s = secretA.slice();
    deriveDeviceKek(s, 'm');
    expect(s).toEqual(secretA);
  });
  it('rejects bad inputs', () => {
    expect(() => deriveDeviceKek(new Uint8Array(31), 'm')).toThrow(TypeError);
    expect(() => deriveDeviceKek(secretA, '')).toThrow(TypeError);
    expect(() => deriveDeviceKek(secretA, 'a\nb')).toThrow(TypeError);
    expect(() => deriveDeviceKek(secretA, 'x'.repeat(257))).toThrow(TypeError);
    expect(() => normaliseMachineId(42)).toThrow(TypeError);
  });
  it('reads the real machine id through node-machine-id', async () => {
    const id = await readMachineId();
    expect(id.length).toBeGreaterThan(0);
  });
});

describe('subkeys', () => {
  const kek = deriveDeviceKek(secretA, 'machine-1');
  it('each label gives a distinct, stable 32-byte key', () => {
    const keys = SUBKEY_LABELS.map((l) => toHex(deriveSubkey(kek, l)));
    expect(new Set(keys).size).toBe(SUBKEY_LABELS.length);
    expect(toHex(deriveSubkey(kek, 'vault'))).toBe(keys[SUBKEY_LABELS.indexOf('vault')]);
    for (const k of keys) expect(k).toHaveLength(64);
    expect(keys).not.toContain(toHex(kek));
  });
  it('rejects unknown labels and bad KEKs', () => {
    // @ts-expect-error runtime validation of an untyped caller
    expect(() => deriveSubkey(kek, 'other')).toThrow(TypeError);
    expect(() => deriveSubkey(new Uint8Array(16), 'vault')).toThrow(TypeError);
  });
});
