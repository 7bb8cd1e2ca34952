/**
 * Enrolment, verification and lock-out on real LFW faces through the reference pipeline: same person
 * accepted, different people rejected, 5 rejects lock face unlock (persisting across a restart) until the
 * recovery passphrase resets it; delete (with the owner's proof) removes the template from the auth state.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFrame } from '../../../bench/lib/images.ts';
import { loadReferenceDetector, loadReferenceEmbedder } from '../../../bench/lib/reference-models.ts';
import { EnrollmentSession } from '../../../src/main/auth/enrollment.ts';
import { REFERENCE_DESCRIPTORS } from '../../../src/cli/vendor/reference-descriptors.ts';
import {
  createFacePipeline,
  type FacePipeline,
  type FrameAnalysis,
} from '../../../src/main/face/pipeline.ts';
import { lfwDir } from '../../support/shared-data.ts';
import { newDevice, OWNER_PASSPHRASE, startApp, type Running } from '../../support/vault-fixtures.ts';

let pipeline: FacePipeline;
const analyse = async (name: string, i: number): Promise<FrameAnalysis> =>
  pipeline.analyzeFrame(
    await loadFrame(join(lfwDir(), 'images', name, `${name}_${String(i).padStart(4, '0')}.jpg`)),
  );

/** The first `n` images of a person that pass the quality gates (LFW news photos often have a second face). */
const goodFrames = async (name: string, n: number, from = 1): Promise<FrameAnalysis[]> => {
  const out: FrameAnalysis[] = [];
  for (let i = from; out.length < n && i < from + 30; i++) {
    const a = await analyse(name, i);
    if (a.quality.ok) out.push(a);
  }
  if (out.length < n) throw new Error(`fewer than ${n} good images of ${name}`);
  return out;
};

const threshold = REFERENCE_DESCRIPTORS.w600kMbf.verifyThreshold;

beforeAll(async () => {
  pipeline = createFacePipeline({
    detector: await loadReferenceDetector('yunet-dynamic'),
    embedder: await loadReferenceEmbedder(),
  });
});

describe('enrolment and verification on LFW faces', () => {
  it('enrols with guided capture, accepts the same person, rejects others, locks out after 5 rejects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fv-auth-'));
    const session = new EnrollmentSession();
    // LFW photos stand in for frames one second apart (the session enforces time spread between views).
    for (let i = 1; i <= 20 && !session.offer(await analyse('Colin_Powell', i), i * 1000).done; i++);
    const enrolled = session.finish();
    expect(enrolled).toHaveLength(5);

    const device = newDevice(dir, null);
    const app: Running = startApp(device, { now: Date.now() }, threshold);
    const auth = app.face;
    await app.vault.setup(OWNER_PASSPHRASE);
    await auth.enrol('colin', enrolled, app.vault.authorize('enrol'));
    const probe = await goodFrames('Colin_Powell', 3, 30);
    expect(await auth.verify('colin', probe)).toMatchObject({ decision: 'accept', remainingAttempts: 5 });

    const impostors = ['Tony_Blair', 'Hugo_Chavez', 'Laura_Bush', 'Jennifer_Capriati', 'Jacques_Chirac'];
    for (const [k, name] of impostors.entries()) {
      const frames = await goodFrames(name, 3);
      const out = await auth.verify('colin', frames);
      expect(out.decision, name).toBe('reject');
      expect(out.remainingAttempts).toBe(4 - k);
      expect(out.coarse).toBeLessThanOrEqual(1);
    }
    await expect(auth.verify('colin', probe)).rejects.toMatchObject({ code: 'VERIFY_LOCKED_OUT' });
    app.close();
    const restarted = startApp(device, { now: Date.now() }, threshold);
    await expect(restarted.face.verify('colin', probe)).rejects.toMatchObject({ code: 'VERIFY_LOCKED_OUT' });
    await restarted.vault.unlockWithPassphrase(OWNER_PASSPHRASE);
    expect((await restarted.face.verify('colin', probe)).decision).toBe('accept');

    await restarted.face.deleteEnrolment(restarted.vault.authorize('delete'));
    expect(await restarted.face.isEnrolled()).toBe(false);
    await expect(restarted.face.verify('colin', probe)).rejects.toMatchObject({
      code: 'ENROLMENT_NOT_FOUND',
    });
    restarted.close();
  });

  it('asks to retry (no failure counted) when frames fail quality', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fv-auth-'));
    const app = startApp(newDevice(dir, null), { now: Date.now() }, threshold);
    const auth = app.face;
    await app.vault.setup(OWNER_PASSPHRASE);
    await auth.enrol(
      'colin',
      [(await analyse('Colin_Powell', 1)).embedding ?? new Float32Array(512)],
      app.vault.authorize('enrol'),
    );
    const blank = await pipeline.analyzeFrame({
      data: new Uint8Array(320 * 240 * 3).fill(90),
      width: 320,
      height: 240,
      format: 'rgb',
    });
    expect(await auth.verify('colin', [blank, blank])).toEqual({
      decision: 'retry',
      guidance: ['no-face'],
      remainingAttempts: 5,
    });
    app.close();
  });
});
