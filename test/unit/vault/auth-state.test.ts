import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  decodeAuthState,
  encodeAuthState,
  type AuthState,
} from '../../../src/main/vault/auth-state.ts';
import { unwrapForDevice, wrapForDevice } from '../../../src/main/vault/vault-keys.ts';

const mac = new Uint8Array(32).fill(1);
const state: AuthState = {
  format: 1,
  stateId: 'ab'.repeat(16),
  version: '42',
  anchor: { kind: 'tpm-nv-counter', nvIndex: 0x01234567 },
  vault: {
    deviceWrap: Buffer.alloc(72, 1).toString('base64'),
    passphrase: {
      kdf: 'scrypt',
      N: 131072,
      r: 8,
      p: 1,
      salt: Buffer.alloc(16).toString('base64'),
      wrapped: Buffer.alloc(72).toString('base64'),
    },
  },
  enrolment: { id: 'cd'.repeat(16), template: Buffer.alloc(100, 3).toString('base64'), createdAt: 5 },
  face: { failures: 2, lockedOut: false },
  passphraseAttempts: { failures: 0, retryAt: null },
  settings: { ...DEFAULT_SETTINGS },
  rollbacksDetected: 0,
};

describe('auth state encoding (one MAC over template, counters, wraps, settings and version)', () => {
  it('round-trips under the same key', () => {
    expect(decodeAuthState(encodeAuthState(state, mac), mac)).toEqual(state);
  });
  it('another device key, an edit, truncation or junk is STATE_CORRUPT', () => {
    const bytes = encodeAuthState(state, mac);
    expect(() => decodeAuthState(bytes, new Uint8Array(32).fill(2))).toThrow(
      expect.objectContaining({ code: 'STATE_CORRUPT' }),
    );
    const text = new TextDecoder().decode(bytes);
    const edited = new TextEncoder().encode(text.replace('\\"failures\\":2', '\\"failures\\":0'));
    expect(edited).not.toEqual(bytes);
    expect(() => decodeAuthState(edited, mac)).toThrow(expect.objectContaining({ code: 'STATE_CORRUPT' }));
    expect(() => decodeAuthState(bytes.subarray(0, bytes.length - 3), mac)).toThrow(
      expect.objectContaining({ code: 'STATE_CORRUPT' }),
    );
    expect(() => decodeAuthState(new Uint8Array([0xff, 0xfe]), mac)).toThrow(
      expect.objectContaining({ code: 'STATE_CORRUPT' }),
    );
  });
  it('a template or wrap spliced in from another authentic state breaks the MAC', () => {
    const other = encodeAuthState(
      { ...state, enrolment: { ...state.enrolment!, template: Buffer.alloc(100, 9).toString('base64') } },
      mac,
    );
    const a = JSON.parse(new TextDecoder().decode(encodeAuthState(state, mac))) as {
      state: string;
      mac: string;
    };
    const b = JSON.parse(new TextDecoder().decode(other)) as { state: string; mac: string };
    expect(() =>
      decodeAuthState(new TextEncoder().encode(JSON.stringify({ state: b.state, mac: a.mac })), mac),
    ).toThrow(expect.objectContaining({ code: 'STATE_CORRUPT' }));
  });
  it('refuses to write what it would refuse to read', () => {
    expect(() => encodeAuthState({ ...state, face: { failures: -1, lockedOut: false } }, mac)).toThrow();
    expect(() => encodeAuthState({ ...state, extra: 1 } as AuthState, mac)).toThrow();
  });
});

describe('device wrap of the vault key', () => {
  it('opens only under the same wrap key and state id', () => {
    const vk = new Uint8Array(32).fill(5),
      wk = new Uint8Array(32).fill(6),
      id = new Uint8Array(16).fill(1);
    const w = wrapForDevice(vk, wk, id);
    expect(unwrapForDevice(w, wk, id)).toEqual(vk);
    expect(unwrapForDevice(w, new Uint8Array(32), id)).toBeNull();
    expect(unwrapForDevice(w, wk, new Uint8Array(16))).toBeNull();
    expect(unwrapForDevice(w.subarray(1), wk, id)).toBeNull();
  });
});
