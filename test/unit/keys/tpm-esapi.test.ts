/**
 * esapi-binding.ts without a TPM: TSS2_RC → typed error mapping, the tools-identical templates, and the loader's
 * failure mode (a missing library is KEY_BACKEND_UNAVAILABLE, never a crash).
 */
import { describe, expect, it } from 'vitest';
import { KEY_MESSAGES } from '../../../src/main/keys/key-errors.ts';
import {
  isHandleError,
  loadEsapi,
  mapTssError,
  PRIMARY_TEMPLATE,
  SEAL_TEMPLATE,
  TssError,
} from '../../../src/main/keys/tpm/esapi-binding.ts';

const code = (rc: number): string | undefined =>
  (mapTssError(new TssError('Esys_Test', rc)) as { code?: string }).code;

describe('mapTssError', () => {
  it('maps TPM, TCTI and MU return codes like mapTpmFailure maps tool output', () => {
    expect(code(0x1df)).toBe('KEY_BINDING_MISMATCH'); // TPM_RC_INTEGRITY on parameter 1 (a foreign / altered blob)
    expect(code(0x09f)).toBe('KEY_BINDING_MISMATCH');
    expect(code(0x99d)).toBe('KEY_BINDING_MISMATCH'); // TPM_RC_POLICY_FAIL, session 1
    expect(code(0x126)).toBe('KEY_BINDING_MISMATCH'); // TPM_RC_POLICY
    expect(code(0x921)).toBe('KEY_STORE_LOCKED'); // TPM_RC_LOCKOUT
    expect(code(0x98e)).toBe('KEY_STORE_LOCKED'); // TPM_RC_AUTH_FAIL, session 1
    expect(code(0x9a2)).toBe('KEY_STORE_LOCKED'); // TPM_RC_BAD_AUTH, session 1
    expect(code(0xa000a)).toBe('KEY_BACKEND_UNAVAILABLE'); // TSS2_TCTI_RC_IO_ERROR
    expect(code(0x90009)).toBe('KEY_STORE_IO'); // TSS2_MU_RC_INSUFFICIENT_BUFFER
    expect(mapTssError(new TssError('x', 0x90009)).message).toBe(KEY_MESSAGES.tpmDamaged);
    expect(code(0x70001)).toBe('KEY_STORE_IO'); // ESAPI general failure
    expect(code(0x18b)).toBe('KEY_STORE_IO'); // TPM_RC_HANDLE outside the SRK probe
    expect(code(0x902)).toBe('KEY_STORE_IO'); // TPM_RC_OBJECT_MEMORY
    expect((mapTssError(new Error('x')) as { code?: string }).code).toBe('KEY_STORE_IO');
    const cause = mapTssError(new TssError('Esys_Load', 0x1df)).cause;
    expect(String(cause)).toMatch(/Esys_Load returned TSS2_RC 0x000001df/);
  });

  it('recognises TPM_RC_HANDLE in any handle position only', () => {
    expect(isHandleError(new TssError('x', 0x18b))).toBe(true);
    expect(isHandleError(new TssError('x', 0x28b))).toBe(true);
    expect(isHandleError(new TssError('x', 0xa018b))).toBe(false); // not a TPM-layer code
    expect(isHandleError(new Error('x'))).toBe(false);
  });
});

describe('templates (tpm2-tools 5.x --template-data of createprimary -C o -g sha256 -G ecc / create -i)', () => {
  it('are byte for byte what the tools use', () => {
    expect(Buffer.from(PRIMARY_TEMPLATE).toString('hex')).toBe(
      '0023000b00030072000000060080004300100003001000000000',
    );
    expect(Buffer.from(SEAL_TEMPLATE).toString('hex')).toBe('0008000b00000052000000100000');
  });
});

describe('loadEsapi', () => {
  it('a missing library or a bad soname → KEY_BACKEND_UNAVAILABLE', () => {
    expect(() =>
      loadEsapi({
        esys: 'libtss2-facevault-bogus.so.0',
        tctildr: 'libtss2-tctildr.so.0',
        mu: 'libtss2-mu.so.0',
      }),
    ).toThrow(
      expect.objectContaining({ code: 'KEY_BACKEND_UNAVAILABLE', message: KEY_MESSAGES.tpmEsapiMissing }),
    );
    expect(() =>
      loadEsapi({ esys: '/tmp/evil.so', tctildr: 'libtss2-tctildr.so.0', mu: 'libtss2-mu.so.0' }),
    ).toThrow(expect.objectContaining({ code: 'KEY_BACKEND_UNAVAILABLE' }));
  });
});
