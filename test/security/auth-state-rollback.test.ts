/**
 * Named attacks on the stored auth state (issue 11 item 4), on a real TPM 2.0 simulator (swtpm) with the
 * version anchored in a real NV counter (tpm2-tools):
 *  - the outside attack seen on the old layout: restore an older copy of the state after four failures to
 *    get five more tries, again and again — here the restore is refused (AUTH_STATE_ROLLBACK) and buys nothing;
 *  - copying an earlier enrolment's template (a whole earlier, authentic state) over the owner's, so that the
 *    earlier person unlocks — refused the same way, and the earlier template is dropped;
 *  - deleting the state to get a fresh, unauthenticated setup — refused (AUTH_STATE_MISSING);
 *  - editing or splicing fields — the MAC fails (STATE_CORRUPT).
 * And the honest case: an app killed between writing the file and incrementing the counter recovers.
 * The same attacks on a keychain machine (no anchor) are shown to succeed, as SECURITY.md states.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSwtpm, type SwtpmInstance } from '../support/swtpm.ts';
import {
  attemptFrames,
  enrolmentOf,
  newDevice,
  OWNER_PASSPHRASE,
  person,
  startApp,
  STATE_FILE,
  type DeviceFixture,
  type Running,
} from '../support/vault-fixtures.ts';
import { OWNER_PROOF_WINDOW_MS } from '../../src/main/vault/vault-service.ts';

const USER = 'owner';
const owner = person('owner');
const earlier = person('earlier-enrolee');
const impostor = person('impostor');
let tpm: SwtpmInstance;
let dir: string;
let device: DeviceFixture;
let app: Running;

const stateFile = (): string => join(dir, STATE_FILE);
const snapshot = async (): Promise<Buffer> => readFile(stateFile());
const restore = async (b: Buffer): Promise<void> => writeFile(stateFile(), b);
const restart = (): void => {
  app.close();
  app = startApp(device, app.clock);
};

async function onboard(who = owner): Promise<void> {
  await app.vault.setup(OWNER_PASSPHRASE);
  await app.face.enrol(USER, enrolmentOf(who), app.vault.authorize('enrol'));
  app.vault.lock('user');
  app.clock.now += OWNER_PROOF_WINDOW_MS + 1;
}

beforeAll(async () => {
  tpm = await startSwtpm();
});
afterAll(async () => {
  await tpm?.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-rollback-'));
  device = newDevice(dir, tpm.tcti); // a fresh device key: its own NV index
});
afterEach(async () => {
  app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('auth state anchored in a TPM NV counter (swtpm)', () => {
  it('a restored older counter file after four failures gives no extra tries', async () => {
    app = startApp(device);
    await onboard();
    const fresh = await snapshot();
    for (let i = 0; i < 4; i++) await app.face.verify(USER, attemptFrames(impostor));
    expect((await app.vault.status()).remainingAttempts).toBe(1);
    let extraTries = 0;
    // The old attack: put back the file from before the failures (app running, and after a restart).
    for (const viaRestart of [false, true]) {
      await restore(fresh);
      if (viaRestart) restart();
      await expect(app.face.verify(USER, attemptFrames(impostor))).rejects.toMatchObject({
        code: 'AUTH_STATE_ROLLBACK',
      });
      // Neutralised, not reopened: locked out, no template, passphrase back-off running.
      for (let i = 0; i < 5; i++) {
        const r = await app.face.verify(USER, attemptFrames(impostor)).then(
          () => 'tried',
          (e: { code: string }) => e.code,
        );
        if (r === 'tried') extraTries++;
        else expect(r).toBe('ENROLMENT_NOT_FOUND');
      }
      const s = await app.vault.status();
      expect(s).toMatchObject({
        lockedOut: true,
        remainingAttempts: 0,
        enrolled: false,
        rollbackProtection: 'tpm-nv-counter',
      });
      expect(s.passphraseRetryAt).toBeGreaterThan(app.clock.now);
    }
    expect(extraTries).toBe(0); // the old layout gave five more per restore (12 attempts, never locked out)
    // The owner recovers with the passphrase once the back-off has run out, and enrols again.
    app.clock.now += 31_000;
    await expect(app.vault.unlockWithPassphrase(OWNER_PASSPHRASE)).resolves.toMatchObject({
      unlocked: true,
      lockedOut: false,
    });
    await app.face.enrol(USER, enrolmentOf(owner), app.vault.authorize('re-enrol'));
    expect((await app.face.verify(USER, attemptFrames(owner))).decision).toBe('accept');
  });

  it('another enrolment’s template copied over the owner’s is refused and never unlocks', async () => {
    app = startApp(device);
    await onboard(earlier); // someone else was enrolled first (a previous user, a friend…)
    const earlierState = await snapshot();
    await app.vault.proveOwner(OWNER_PASSPHRASE);
    await app.face.enrol(USER, enrolmentOf(owner), app.vault.authorize('re-enrol'));
    app.vault.lock('user');
    expect((await app.face.verify(USER, attemptFrames(earlier))).decision).toBe('reject');
    await restore(earlierState);
    restart();
    await expect(app.face.verify(USER, attemptFrames(earlier))).rejects.toMatchObject({
      code: 'AUTH_STATE_ROLLBACK',
    });
    await expect(app.face.verify(USER, attemptFrames(earlier))).rejects.toMatchObject({
      code: 'ENROLMENT_NOT_FOUND',
    });
    expect(app.vault.isUnlocked()).toBe(false);
  });

  it('a deleted state file is refused (no fresh, unauthenticated setup)', async () => {
    app = startApp(device);
    await onboard();
    await rm(stateFile());
    restart();
    await expect(app.vault.status()).rejects.toMatchObject({ code: 'AUTH_STATE_MISSING' });
    await expect(app.vault.setup('a stranger picks a brand new passphrase')).rejects.toMatchObject({
      code: 'AUTH_STATE_MISSING',
    });
  });

  it('an edited field or a field spliced in from another state fails the MAC', async () => {
    app = startApp(device);
    await onboard();
    const raw = JSON.parse((await snapshot()).toString('utf8')) as { state: string; mac: string };
    const edited = raw.state.replace(/"failures":0,"lockedOut":false/, '"failures":0,"lockedOut":false ');
    await restore(
      Buffer.from(JSON.stringify({ state: raw.state.replace('"failures":0', '"failures":1'), mac: raw.mac })),
    );
    await expect(app.vault.status()).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
    await restore(Buffer.from(JSON.stringify({ state: edited, mac: raw.mac })));
    await expect(app.face.verify(USER, attemptFrames(owner))).rejects.toMatchObject({
      code: 'STATE_CORRUPT',
    });
  });

  it('an app stopped between writing the file and incrementing the counter recovers (rolled forward)', async () => {
    app = startApp(device);
    await onboard();
    const before = await app.anchor.read();
    // Simulate the crash: write the next state, but do not increment the counter.
    const anchor = app.anchor;
    const increment = anchor.increment;
    (anchor as { increment: () => Promise<bigint> }).increment = async () => {
      throw new Error('killed before the counter was incremented');
    };
    await expect(app.face.verify(USER, attemptFrames(impostor))).rejects.toThrow('killed');
    (anchor as { increment: () => Promise<bigint> }).increment = increment;
    restart();
    expect(await app.vault.status()).toMatchObject({
      remainingAttempts: 4,
      enrolled: true,
      lockedOut: false,
    });
    expect(await app.anchor.read()).toBe(before! + 1n);
  });
});

describe('without a TPM (keychain machines): the limit SECURITY.md states', () => {
  it('a restored older file is not detectable there, and the status says so', async () => {
    device = newDevice(dir, null);
    app = startApp(device);
    await onboard();
    const fresh = await snapshot();
    for (let i = 0; i < 4; i++) await app.face.verify(USER, attemptFrames(impostor));
    await restore(fresh);
    restart();
    expect(await app.vault.status()).toMatchObject({ rollbackProtection: 'none', remainingAttempts: 5 });
  });
});
