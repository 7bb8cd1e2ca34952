/**
 * Named attacks on "who can unlock" (issue 11 item 2), played as a stranger at the camera would: each test
 * drives the same vault + face-decision objects main uses, over a real auth-state file. The face decisions
 * are real (median cosine against the sealed template); only the embeddings are synthetic people.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  attemptFrames,
  enrolmentOf,
  newDevice,
  OWNER_PASSPHRASE,
  person,
  startApp,
  type DeviceFixture,
  type Running,
} from '../support/vault-fixtures.ts';
import { OWNER_PROOF_WINDOW_MS } from '../../src/main/vault/vault-service.ts';

const owner = person('owner');
const stranger = person('stranger');
const USER = 'owner';
let dir: string;
let device: DeviceFixture;
let app: Running;

/** Onboarding as the owner: passphrase, then the first enrolment (with setup's owner proof). */
async function onboard(): Promise<void> {
  await app.vault.setup(OWNER_PASSPHRASE);
  await app.face.enrol(USER, enrolmentOf(owner), app.vault.authorize('enrol'));
  app.vault.lock('user');
  app.clock.now += OWNER_PROOF_WINDOW_MS + 1;
}

/** Five stranger attempts: the face lock-out. */
async function lockOutByStranger(): Promise<void> {
  for (let i = 0; i < 5; i++)
    expect((await app.face.verify(USER, attemptFrames(stranger))).decision).toBe('reject');
  expect((await app.vault.status()).lockedOut).toBe(true);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-owner-'));
  device = newDevice(dir, null);
  app = startApp(device);
  await onboard();
});
afterEach(async () => {
  app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('only the owner changes who can unlock', () => {
  it('after a model update changes the embedding, the old template is refused as TEMPLATE_MODEL_CHANGED and no try is used', async () => {
    // The owner enrolled with 128-D embeddings; the loaded models now give 320-D ones (e.g. a fused pair).
    const after = person('owner-new-models', 320);
    await expect(app.face.verify(USER, attemptFrames(after))).rejects.toMatchObject({
      code: 'TEMPLATE_MODEL_CHANGED',
    });
    expect((await app.vault.status()).lockedOut).toBe(false);
    expect((await app.face.verify(USER, attemptFrames(owner))).decision).toBe('accept');
  });

  it('a stranger at the camera cannot re-enrol without the passphrase', async () => {
    expect(() => app.vault.authorize('re-enrol')).toThrow(
      expect.objectContaining({ code: 'OWNER_PROOF_REQUIRED' }),
    );
    await expect(app.face.enrol(USER, enrolmentOf(stranger), undefined)).rejects.toMatchObject({
      code: 'OWNER_PROOF_REQUIRED',
    });
    // The stranger's face still does not unlock, the owner's does.
    expect((await app.face.verify(USER, attemptFrames(stranger))).decision).toBe('reject');
    expect((await app.face.verify(USER, attemptFrames(owner))).decision).toBe('accept');
  });

  it('a stranger at the camera cannot delete the biometric data without the passphrase', async () => {
    await expect(app.face.deleteEnrolment(undefined)).rejects.toMatchObject({ code: 'OWNER_PROOF_REQUIRED' });
    expect(await app.face.isEnrolled()).toBe(true);
  });

  it('a stranger at the camera cannot reset the lock-out by re-enrolling (and re-enrolment never resets it)', async () => {
    await lockOutByStranger();
    await expect(app.face.enrol(USER, enrolmentOf(stranger), undefined)).rejects.toMatchObject({
      code: 'OWNER_PROOF_REQUIRED',
    });
    await expect(app.face.verify(USER, attemptFrames(owner))).rejects.toMatchObject({
      code: 'VERIFY_LOCKED_OUT',
    });
    // Even a proven re-enrolment keeps the counter: only the passphrase itself (or a face match) resets it.
    app.clock.now += 1;
  });

  it('re-enrolment with a valid owner ticket never resets the lock-out', async () => {
    await app.vault.proveOwner(OWNER_PASSPHRASE);
    const ticket = app.vault.authorize('re-enrol');
    await lockOutByStranger();
    await app.face.enrol(USER, enrolmentOf(owner), ticket);
    expect(await app.vault.status()).toMatchObject({ lockedOut: true, remainingAttempts: 0 });
    await expect(app.face.verify(USER, attemptFrames(owner))).rejects.toMatchObject({
      code: 'VERIFY_LOCKED_OUT',
    });
  });

  it('a stranger cannot change strictness or desktop unlock without the passphrase', async () => {
    await expect(app.vault.setSettings({ strictness: 'convenience' })).rejects.toMatchObject({
      code: 'OWNER_PROOF_REQUIRED',
    });
    await expect(app.vault.setSettings({ desktopUnlock: true })).rejects.toMatchObject({
      code: 'OWNER_PROOF_REQUIRED',
    });
    expect((await app.vault.getSettings()).strictness).toBe('balanced');
    // Not owner-gated: the idle lock.
    expect((await app.vault.setSettings({ idleLockMinutes: 2 })).idleLockMinutes).toBe(2);
  });

  it('a stranger cannot run setup again to choose a new passphrase', async () => {
    await expect(app.vault.setup('another strong passphrase for mallory')).rejects.toMatchObject({
      code: 'VAULT_ALREADY_SET_UP',
    });
  });

  it('after five rejected attempts the passphrase path is offered and works, and resets the lock-out', async () => {
    await lockOutByStranger();
    const s = await app.vault.unlockWithPassphrase(OWNER_PASSPHRASE);
    expect(s).toMatchObject({ unlocked: true, lockedOut: false, remainingAttempts: 5 });
    expect(s.ownerProofUntil).toBeGreaterThan(app.clock.now);
    expect((await app.face.verify(USER, attemptFrames(owner))).decision).toBe('accept');
  });

  it('with the passphrase (or a face match seconds before) the owner re-enrols, keeping the vault key', async () => {
    await app.vault.unlockWithPassphrase(OWNER_PASSPHRASE);
    const before = await app.vault.withVaultKey((k) => Buffer.from(k).toString('hex'));
    await app.face.enrol(USER, enrolmentOf(owner), app.vault.authorize('re-enrol'));
    app.vault.lock('user');
    app.clock.now += OWNER_PROOF_WINDOW_MS + 1;
    expect((await app.face.verify(USER, attemptFrames(owner))).decision).toBe('accept'); // a face match is a fresh proof
    expect(() => app.vault.authorize('delete')).not.toThrow();
    expect(await app.vault.withVaultKey((k) => Buffer.from(k).toString('hex'))).toBe(before);
  });

  it('an owner proof taken before a screen lock cannot be used by whoever comes next', async () => {
    await app.vault.proveOwner(OWNER_PASSPHRASE);
    const ticket = app.vault.authorize('re-enrol');
    app.vault.lock('lock-screen');
    await expect(app.face.enrol(USER, enrolmentOf(stranger), ticket)).rejects.toMatchObject({
      code: 'OWNER_PROOF_REQUIRED',
    });
  });

  it('an owner proof expires after its window', async () => {
    await app.vault.proveOwner(OWNER_PASSPHRASE);
    app.clock.now += OWNER_PROOF_WINDOW_MS + 1;
    expect(() => app.vault.authorize('delete')).toThrow(
      expect.objectContaining({ code: 'OWNER_PROOF_REQUIRED' }),
    );
  });

  it('deleting all biometric data (with proof) keeps the passphrase path and the vault key', async () => {
    const key = await (async () => {
      await app.vault.unlockWithPassphrase(OWNER_PASSPHRASE);
      return app.vault.withVaultKey((k) => Buffer.from(k).toString('hex'));
    })();
    await app.face.deleteEnrolment(app.vault.authorize('delete'));
    app.vault.lock('user');
    expect(await app.face.isEnrolled()).toBe(false);
    await expect(app.face.verify(USER, attemptFrames(owner))).rejects.toMatchObject({
      code: 'ENROLMENT_NOT_FOUND',
    });
    await app.vault.unlockWithPassphrase(OWNER_PASSPHRASE);
    expect(await app.vault.withVaultKey((k) => Buffer.from(k).toString('hex'))).toBe(key);
  });

  it('wrong passphrases are rate-limited with a persisted back-off that a restart does not clear', async () => {
    for (let i = 0; i < 4; i++)
      await expect(app.vault.proveOwner(`wrong guess number ${i} of many`)).rejects.toMatchObject({
        code: 'PASSPHRASE_WRONG',
      });
    await expect(app.vault.proveOwner('wrong guess number five now')).rejects.toMatchObject({
      code: 'PASSPHRASE_WRONG',
      retryAt: app.clock.now + 30_000,
    });
    const restarted = startApp(device, app.clock);
    await expect(restarted.vault.proveOwner(OWNER_PASSPHRASE)).rejects.toMatchObject({
      code: 'PASSPHRASE_RATE_LIMITED',
    });
    expect((await restarted.vault.status()).passphraseRetryAt).toBe(app.clock.now + 30_000);
    app.clock.now += 30_001;
    await expect(restarted.vault.proveOwner('wrong guess number six now')).rejects.toMatchObject({
      code: 'PASSPHRASE_WRONG',
      retryAt: app.clock.now + 60_000,
    });
    app.clock.now += 60_001;
    await expect(restarted.vault.proveOwner(OWNER_PASSPHRASE)).resolves.toMatchObject({
      passphraseRetryAt: null,
    });
    restarted.close();
  });
});

describe('the vault key is released only by a face match or the passphrase', () => {
  it('a stranger’s face, a wrong passphrase and a retry release nothing', async () => {
    expect((await app.face.verify(USER, attemptFrames(stranger))).decision).toBe('reject');
    await expect(app.vault.unlockWithPassphrase('definitely not the passphrase')).rejects.toMatchObject({
      code: 'PASSPHRASE_WRONG',
    });
    const blurry = attemptFrames(owner).map((f) => ({
      ...f,
      quality: { ok: false, reasons: ['too-blurry' as const] },
    }));
    expect((await app.face.verify(USER, blurry)).decision).toBe('retry');
    expect(app.vault.isUnlocked()).toBe(false);
    await expect(app.vault.withVaultKey(() => 1)).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
  });

  it('a face match releases the key for a bounded window; lock, suspend and screen lock wipe it', async () => {
    for (const reason of ['user', 'suspend', 'lock-screen', 'quit'] as const) {
      expect((await app.face.verify(USER, attemptFrames(owner))).decision).toBe('accept');
      expect(app.vault.isUnlocked()).toBe(true);
      let lent: Uint8Array | null = null;
      await app.vault.withVaultKey((k) => {
        lent = k;
        expect(k.some((b) => b !== 0)).toBe(true);
      });
      expect(lent!.every((b) => b === 0)).toBe(true); // the lent copy is wiped after use
      const seen: string[] = [];
      const off = app.vault.onLock((r) => seen.push(r));
      app.vault.lock(reason);
      off();
      expect(seen).toEqual([reason]);
      expect(app.vault.isUnlocked()).toBe(false);
    }
    expect((await app.face.verify(USER, attemptFrames(owner))).decision).toBe('accept');
    app.clock.now += 5 * 60_000;
    expect(app.vault.isUnlocked()).toBe(false); // the window ran out
  });
});
