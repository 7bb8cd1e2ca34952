/**
 * The renderer's one error table covers every stable error code the lower layers report, each with a
 * title and an instruction a person can follow (no codes, no jargon), and unknown codes still get words.
 */
import { describe, expect, it } from 'vitest';
import { codeOfProblem, ERROR_TEXT, explain } from '../../../src/renderer/src/errors/error-text.ts';
import { ERROR_CODES } from '../../../src/shared/error-codes.ts';

describe('error table', () => {
  it.each(ERROR_CODES)('%s has a plain title and an action', (code) => {
    const m = ERROR_TEXT[code];
    expect(m, code).toBeDefined();
    expect(m.title.length).toBeGreaterThan(10);
    expect(m.action.length).toBeGreaterThan(10);
    // Person-facing: no error codes, no stack-ish words.
    for (const s of [m.title, m.action]) {
      expect(s).not.toMatch(/[A-Z]{3,}_[A-Z]/);
      expect(s).not.toMatch(/\b(undefined|null|exception|errno|IPC)\b/i);
    }
    expect(explain({ code, message: 'x' })).toBe(m);
  });

  it('has no entry for a code that does not exist', () => {
    expect(Object.keys(ERROR_TEXT).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('the user-facing cases of issue 14 say what to do', () => {
    expect(ERROR_TEXT.KEY_STORE_LOCKED.action).toMatch(/unlock your keyring/i);
    expect(ERROR_TEXT.BUNDLE_INTEGRITY.title).toMatch(/tampered/);
    expect(ERROR_TEXT.LICENSE_WRONG_DEVICE.title).toMatch(/another computer/);
    expect(ERROR_TEXT.VERIFY_LOCKED_OUT.action).toMatch(/recovery passphrase/);
    // A model error is not presented as something that fixes itself.
    expect(ERROR_TEXT.MODEL_NOT_LOADED.action).not.toMatch(/wait|moment|loading/i);
  });

  it('an unknown code (a newer main) and a status problem line are explained', () => {
    expect(explain({ code: 'SOMETHING_NEW' as never, message: '' }).title).toMatch(/went wrong/);
    expect(codeOfProblem('BUNDLE_INTEGRITY: model "x" failed')).toBe('BUNDLE_INTEGRITY');
    expect(codeOfProblem('some words')).toBeNull();
    expect(codeOfProblem(null)).toBeNull();
  });
});
